// Serverless Framework v3 variables in a serverless.yml: `${self:path.to.value}`,
// `${env:NAME}`, `${opt:name}`, `${sls:stage}`, `${sls:instanceId}`, `${aws:region}`,
// `${aws:accountId}`, with fallbacks (`${env:NAME, 'default'}`, `${opt:stage, self:...}`) and
// nesting (`${self:custom.${sls:stage}}`), resolved as the framework resolves them. Sources that
// read AWS or files (ssm, cf, s3, file, param, ...) are refused by name: offstage does not
// emulate them. Pure: any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/common/result.h"

namespace offstage::iac {

struct VariableSources {
  std::map<std::string, std::string> env;      // ${env:...}
  std::map<std::string, std::string> options;  // ${opt:...} (--parameter NAME=VALUE)
  std::string region;
  std::string account;
};

// `config` with every variable resolved. Errors use the framework's wording: `Cannot resolve
// variable at "provider.environment.X": Value not found at "env" source`.
common::Result<nlohmann::json> ResolveServerlessVariables(const nlohmann::json& config,
                                                          const VariableSources& sources);

}  // namespace offstage::iac
