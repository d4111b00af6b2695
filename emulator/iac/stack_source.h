// StackSource: what a deploy's path holds, read into the stacks to deploy before any is
// touched: a CloudFormation/SAM template (a file, or a directory with template.yaml,
// template.yml or template.json), a CDK cloud assembly (each stack, dependencies first, with
// its assets as local files; cdk_assembly.h), or a Serverless Framework service (serverless.h).
// Pure file reading: any thread.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::iac {

struct StackSource {
  std::string name;                           // the stack's name
  std::filesystem::path file;                 // what was read (shown with the stack)
  std::filesystem::path base_dir;             // where relative code paths start
  nlohmann::json document;                    // the template, before its transforms
  std::map<std::string, std::string> assets;  // S3 object key -> local file or directory
  // Parameters the template does not declare are left out rather than refused (the command's
  // --parameter values serve a whole assembly, or a serverless service's ${opt:} options).
  bool only_declared = false;
  bool in_assembly = false;  // one of a cloud assembly's stacks: its events say its name
  std::vector<std::string> notes;
};

struct SourceRequest {
  std::string path;                                // absolute
  std::string stack;                               // a name given (--stack); empty: the default
  std::map<std::string, std::string> parameters;   // --parameter (serverless: ${opt:})
  std::map<std::string, std::string> environment;  // serverless: ${env:}
  std::string region;
  std::string account;
};

// The stacks at `request.path`, in the order to deploy them.
common::Result<std::vector<StackSource>> ReadStackSources(const SourceRequest& request);

// The stack name a template at `path` deploys as when none is given: its directory's name
// (letters, digits and hyphens, starting with a letter).
std::string DefaultStackName(const std::string& path);

// The file whose change means `path` should be deployed again: the template, a cloud
// assembly's manifest.json, serverless.yml or the package's template.
common::Result<std::string> WatchedFile(const std::string& path);

}  // namespace offstage::iac
