// CloudFormation's intrinsic functions over a template's JSON (long form, yaml_loader.h): Ref,
// Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap, Fn::Base64,
// Fn::GetAZs, Fn::ImportValue, Fn::ToJsonString, Fn::Length, and the condition functions
// (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition). Also the references a value makes, which
// order a stack's resources (graph.h). Pure: any thread; the context's lookups are the caller's.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "emulator/common/result.h"

namespace offstage::iac {

// What a created resource answers to Ref and Fn::GetAtt.
struct ResourceValues {
  nlohmann::json ref;
  nlohmann::json attributes = nlohmann::json::object();
};

struct EvalContext {
  // Parameters by name (a list type's value is a JSON array of strings), and the pseudo
  // parameters (AWS::Region, AWS::AccountId, AWS::StackName, ...), AWS::NoValue excepted.
  std::map<std::string, nlohmann::json> parameters;
  nlohmann::json mappings = nlohmann::json::object();
  std::map<std::string, bool> conditions;
  // A resource's values once it exists; nullptr for a logical id with none (an error to use).
  std::function<const ResourceValues*(const std::string& logical_id)> resource;
  // The value another stack exports under `name`; nullopt: none.
  std::function<std::optional<std::string>(const std::string& name)> import_value;
  std::string region;
};

// The value of `value` with every intrinsic function applied; nullopt: AWS::NoValue (the
// property is left out). Errors use CloudFormation's wording where it has one, prefixed by
// `where` (the logical id and property being evaluated).
common::Result<std::optional<nlohmann::json>> Evaluate(const nlohmann::json& value,
                                                       const EvalContext& context,
                                                       std::string_view where);

// A condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not, {"Condition": name}) with the conditions
// evaluated so far.
common::Result<bool> EvaluateCondition(const nlohmann::json& value, const EvalContext& context,
                                       std::string_view where);

// The logical ids `value` refers to (Ref, Fn::GetAtt, names in Fn::Sub), following only the
// branch of each Fn::If its condition takes. Pseudo parameters are left out; parameters are
// not (the caller knows them).
void CollectReferences(const nlohmann::json& value, const std::map<std::string, bool>& conditions,
                       std::set<std::string>& out);

// Each (logical id, attribute) `value` reads with Fn::GetAtt (or ${Id.Attribute} in Fn::Sub),
// following only the branch of each Fn::If its condition takes.
void CollectAttributes(const nlohmann::json& value, const std::map<std::string, bool>& conditions,
                       std::set<std::pair<std::string, std::string>>& out);

// A scalar as CloudFormation turns it into a string (numbers and booleans as written).
std::optional<std::string> ScalarText(const nlohmann::json& value);

}  // namespace offstage::iac
