// Reading templates (yaml_loader.h): yaml-cpp's node tree to JSON, tags to the long form.
#include "emulator/iac/yaml_loader.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <set>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"

namespace offstage::iac {
namespace {

using nlohmann::json;

struct LoadError {
  std::string message;
};

std::string Where(std::string_view name, const YAML::Mark& mark) {
  return std::string(name) + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1);
}

bool IsInteger(const std::string& s) {
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size() || s.size() - i > 18) return false;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsFloat(const std::string& s) {
  // YAML 1.2's core schema: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  size_t digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// A plain (unquoted, untagged) scalar as YAML 1.2's core schema reads it. Dates stay strings
// (CloudFormation reads `AWSTemplateFormatVersion: 2010-09-09` as the string).
json PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (IsInteger(s)) return std::strtoll(s.c_str(), nullptr, 10);
  if (IsFloat(s)) return std::strtod(s.c_str(), nullptr);
  return s;
}

// Values a document may expand to: YAML aliases repeat a node wherever they appear, so ten
// anchors of ten aliases each are 10^10 values from a few lines (a "billion laughs").
constexpr size_t kMaxNodes = 1'000'000;

struct Budget {
  size_t nodes = 0;
};

json Convert(const YAML::Node& node, std::string_view name, int depth, Budget& budget);

// The node's value without its tag (a tagged scalar is always a string).
json Untagged(const YAML::Node& node, std::string_view name, int depth, bool tagged,
              Budget& budget) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return tagged ? json("") : json(nullptr);
    case YAML::NodeType::Scalar:
      if (tagged || node.Tag() == "!") return node.Scalar();
      return PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(Convert(item, name, depth + 1, budget));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      std::set<std::string> seen;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw LoadError{Where(name, entry.first.Mark()) + ": a map key must be a scalar"};
        }
        const std::string key = entry.first.Scalar();
        if (!seen.insert(key).second) {
          throw LoadError{Where(name, entry.first.Mark()) + ": the key " + key +
                          " is given twice in one map"};
        }
        out[key] = Convert(entry.second, name, depth + 1, budget);
      }
      return out;
    }
  }
  return nullptr;
}

json Convert(const YAML::Node& node, std::string_view name, int depth, Budget& budget) {
  if (depth > 200) {
    throw LoadError{Where(name, node.Mark()) + ": the document is nested more than 200 deep"};
  }
  if (++budget.nodes > kMaxNodes) {
    throw LoadError{std::string(name) + ": the document expands to more than " +
                    std::to_string(kMaxNodes) + " values (its aliases repeat too much)"};
  }
  const std::string& tag = node.Tag();
  if (tag.empty() || tag == "?" || tag == "!" || tag.starts_with("tag:yaml.org,2002:")) {
    return Untagged(node, name, depth, false, budget);
  }
  static const std::set<std::string> kFunctions = {
      "Base64", "Cidr",  "FindInMap", "GetAZs",       "ImportValue", "Join",
      "Select", "Split", "Sub",       "Transform",    "If",          "Equals",
      "And",    "Or",    "Not",       "ToJsonString", "Length"};
  const std::string short_name = tag.substr(1);
  json value = Untagged(node, name, depth, true, budget);
  if (short_name == "Ref") return json{{"Ref", value}};
  if (short_name == "Condition") return json{{"Condition", value}};
  if (short_name == "GetAtt") {
    if (value.is_string()) {
      const std::string text = value.get<std::string>();
      const size_t dot = text.find('.');
      if (dot == std::string::npos) {
        throw LoadError{Where(name, node.Mark()) + ": !GetAtt " + text +
                        " must be LogicalId.Attribute"};
      }
      return json{{"Fn::GetAtt", json::array({text.substr(0, dot), text.substr(dot + 1)})}};
    }
    return json{{"Fn::GetAtt", value}};
  }
  if (kFunctions.contains(short_name)) return json{{"Fn::" + short_name, value}};
  throw LoadError{Where(name, node.Mark()) + ": unknown tag " + tag};
}

}  // namespace

common::Result<nlohmann::json> LoadTemplateText(std::string_view text, std::string_view name) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    if (!common::JsonDepthWithin(text)) {
      return common::Fail(common::ErrorCode::kValidationError,
                          std::string(name) + ": " + common::JsonTooDeepDetail());
    }
    try {
      return json::parse(text);
    } catch (const json::exception& error) {
      return common::Fail(common::ErrorCode::kValidationError,
                          std::string(name) + ": not valid JSON: " + error.what());
    }
  }
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    Budget budget;
    json out = Convert(root, name, 0, budget);
    if (!out.is_object()) {
      return common::Fail(common::ErrorCode::kValidationError,
                          std::string(name) + ": a template is a map (of sections)");
    }
    return out;
  } catch (const LoadError& error) {
    return common::Fail(common::ErrorCode::kValidationError, error.message);
  } catch (const YAML::Exception& error) {
    return common::Fail(common::ErrorCode::kValidationError,
                        std::string(name) + ":" + std::to_string(error.mark.line + 1) + ":" +
                            std::to_string(error.mark.column + 1) +
                            ": not valid YAML: " + error.msg);
  }
}

}  // namespace offstage::iac
