// Deployer: CloudFormation's job for offstage. `Deploy` reads what its path holds (a template,
// a CDK cloud assembly's stacks, a Serverless Framework service: stack_source.h), applies the SAM
// transform when the template asks for it, validates everything it can before any change (the
// template's shape, parameters, conditions, references, Fn::GetAtt attribute names, unknown
// properties, the dependency order), then creates, updates or replaces each resource in dependency
// order through the services' APIs (aws_api.h), deletes what the template no longer has, and keeps
// the stack (resources, parameters, outputs and exports) in SQLite. A failure rolls back what this
// deploy changed, in reverse, and leaves the stack as it was. `Destroy` deletes a stack's
// resources in reverse order. Resource types it does not know are reported and skipped.
//
// Thread model: any thread. One stack operation runs at a time (ops_mu_, held across the
// operation's API calls and its commit, as the stores' update mutexes are); the map of stacks
// has its own leaf mutex, never held across I/O.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/iac/aws_api.h"
#include "emulator/iac/stack_source.h"
#include "emulator/storage/writer.h"

namespace offstage::iac {

struct DeployRequest {
  std::string stack;  // empty: named after the template's directory (or the CDK stack's name)
  // A template file, a directory holding one, or a CDK cloud assembly (cdk.out); absolute.
  std::string path;
  std::map<std::string, std::string> parameters;
  // A serverless.yml's ${env:} values (the deploying shell's); nullopt: the daemon's own.
  std::optional<std::map<std::string, std::string>> environment;
};

struct DeployOutcome {
  std::vector<nlohmann::json> stacks;  // each stack deployed, as it is now
  std::vector<std::string> events;     // what happened, one line per resource
};

class Deployer {
 public:
  struct Options {
    std::string region;
    std::string account;
    std::filesystem::path code_root;  // inline code goes to <code_root>/stacks/<stack>/<id>
  };
  Deployer(AwsApi& api, storage::Writer& writer, common::IdGenerator& ids,
           const common::Clock& clock, common::Logger& log, Options options);

  // Reads the committed stacks into memory.
  common::Status Load() EXCLUDES(mu_);
  common::Result<DeployOutcome> Deploy(const DeployRequest& request) EXCLUDES(ops_mu_, mu_);
  common::Result<DeployOutcome> Destroy(const std::string& name) EXCLUDES(ops_mu_, mu_);
  // Every stack, by name: name, status, outputs, resources.
  nlohmann::json List() const EXCLUDES(mu_);
  std::optional<nlohmann::json> Get(const std::string& name) const EXCLUDES(mu_);

 private:
  common::Result<DeployOutcome> DeployChecked(const DeployRequest& request) EXCLUDES(ops_mu_, mu_);
  // One stack, under ops_mu_.
  common::Result<DeployOutcome> DeployLocked(const StackSource& source,
                                             const std::map<std::string, std::string>& parameters)
      REQUIRES(ops_mu_);
  common::Status Save(const nlohmann::json& stack);
  std::optional<std::string> ExportValue(const std::string& name, const std::string& except) const
      EXCLUDES(mu_);

  AwsApi& api_;
  storage::Writer& writer_;
  common::IdGenerator& ids_;
  const common::Clock& clock_;
  common::Logger& log_;
  const Options options_;
  common::Mutex ops_mu_;  // taken before mu_
  mutable common::Mutex mu_;
  std::map<std::string, nlohmann::json> stacks_ GUARDED_BY(mu_);
};

}  // namespace offstage::iac
