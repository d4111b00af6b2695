// A CDK cloud assembly (the `cdk.out` directory `cdk synth` writes): its manifest.json names
// the stacks (artifacts of type aws:cloudformation:stack, with their template files and the
// stacks they depend on) and the asset manifests (each asset's local source and the S3 object
// key the template reads it from). offstage has no S3, so a template's Code.S3Key is mapped back
// to the asset's local path. Pure file reading: any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::iac {

struct AssemblyStack {
  std::string name;           // the stack name CloudFormation would use
  std::string template_file;  // absolute
};

struct Assembly {
  std::vector<AssemblyStack> stacks;          // dependencies first
  std::map<std::string, std::string> assets;  // S3 object key -> absolute local path
};

// Whether `dir` is a cloud assembly (holds manifest.json).
bool IsAssembly(const std::string& dir);
common::Result<Assembly> ReadAssembly(const std::string& dir);

}  // namespace offstage::iac
