// Template: a CloudFormation template's sections as read (after the SAM transform, sam.h), with
// their shape checked: Parameters, Mappings, Conditions, Resources (type, properties, DependsOn,
// Condition, DeletionPolicy), Outputs. Values stay unevaluated JSON (intrinsics.h evaluates
// them). Pure: any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::iac {

struct ParameterSpec {
  std::string name;
  std::string type = "String";  // String, Number, CommaDelimitedList, List<Number>, AWS::...
  std::optional<std::string> default_value;
  std::vector<std::string> allowed_values;
  std::optional<std::string> allowed_pattern;
  std::optional<size_t> min_length, max_length;
  std::optional<double> min_value, max_value;
  std::optional<std::string> constraint_description;
  bool IsList() const;
  // AWS::SSM::Parameter::Value<...>: the value is read from Parameter Store, which offstage
  // does not emulate; its Default is a parameter's name, not a value.
  bool FromParameterStore() const { return type.starts_with("AWS::SSM::Parameter::Value"); }
};

struct ResourceSpec {
  std::string logical_id;
  std::string type;
  nlohmann::json properties = nlohmann::json::object();
  std::vector<std::string> depends_on;
  std::optional<std::string> condition;
  bool retain = false;  // DeletionPolicy: Retain (or RetainExceptOnCreate)
};

struct Template {
  std::vector<ParameterSpec> parameters;
  nlohmann::json mappings = nlohmann::json::object();
  nlohmann::json conditions = nlohmann::json::object();
  std::vector<ResourceSpec> resources;  // by logical id
  nlohmann::json outputs = nlohmann::json::object();
  std::string description;
  bool has_rules = false;  // Rules (stack-level assertions) are read, not evaluated
};

// Errors use CloudFormation's "Template format error: ..." wording.
common::Result<Template> ParseTemplate(const nlohmann::json& document);

}  // namespace offstage::iac
