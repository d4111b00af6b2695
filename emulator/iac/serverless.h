// Serverless Framework v3 projects: a serverless.yml read directly (its variables resolved,
// serverless_variables.h, then turned into the CloudFormation template the framework generates:
// the same logical ids, function names `{service}-{stage}-{function}`, one role, a log group per
// function, SNS topics, subscriptions and permissions for `sns` events, event source mappings for
// `sqs` events, `resources` merged in), or the package `serverless package` wrote into
// `.serverless/` (its template, with the code archives it names mapped back to local files).
// Pure file reading and JSON: any thread.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/iac/serverless_variables.h"

namespace offstage::iac {

struct ServerlessStack {
  std::string stack_name;          // {service}-{stage}, or provider.stackName
  std::filesystem::path file;      // what was read (serverless.yml, or the package's template)
  std::filesystem::path base_dir;  // where relative code paths start
  nlohmann::json document;         // the CloudFormation template
  std::map<std::string, std::string> assets;  // S3 key -> local archive (a package)
  std::vector<std::string> notes;
};

// The serverless.yml (or .yaml / .json) `path` names or holds, or the .serverless package it
// is; nullopt: `path` is not a Serverless Framework project.
std::optional<std::filesystem::path> ServerlessFile(const std::string& path);

// A serverless.yml whose variables are resolved, as the framework's template (document,
// stack_name and notes set).
// `stage`: the --stage option (`--parameter stage=...`), which wins over provider.stage.
common::Result<ServerlessStack> TranslateServerless(const nlohmann::json& config,
                                                    const std::string& stage = "");

// Reads the project at `path`: the package in `.serverless/` when `path` is that directory, or
// when it is the service's directory and the package is newer than serverless.yml; else
// serverless.yml itself.
common::Result<ServerlessStack> ReadServerless(const std::string& path,
                                               const VariableSources& sources);

}  // namespace offstage::iac
