// Plan: what a template asks of one deploy, worked out before anything changes (validate, then
// act): the parameters' values (given, else the stack's previous ones, else the defaults,
// checked against their constraints), the conditions, the resources whose condition holds, and
// the order to create them in (a topological order of Ref, Fn::GetAtt, Fn::Sub and DependsOn;
// a cycle is CloudFormation's "Circular dependency between resources" error). Pure: any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/iac/template.h"

namespace offstage::iac {

struct PseudoParameters {
  std::string region;
  std::string account;
  std::string stack_name;
  std::string stack_id;
};

struct Plan {
  // Parameters and pseudo parameters, as intrinsics.h's EvalContext takes them.
  std::map<std::string, nlohmann::json> values;
  // The parameters' values as given or defaulted (kept with the stack for the next deploy).
  std::map<std::string, std::string> parameters;
  std::map<std::string, bool> conditions;
  // The resources to have, in the order to create them (delete in reverse).
  std::vector<const ResourceSpec*> order;
  // Each resource's dependencies among them.
  std::map<std::string, std::set<std::string>> dependencies;
  // Parameters read from SSM Parameter Store and not given: an error only where referenced
  // (the CDK declares BootstrapVersion so, for a Rule offstage does not run).
  std::set<std::string> from_parameter_store;
};

common::Result<Plan> MakePlan(const Template& t, const std::map<std::string, std::string>& given,
                              const std::map<std::string, std::string>& previous,
                              const PseudoParameters& pseudo);

}  // namespace offstage::iac
