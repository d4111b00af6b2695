// Template sections (template.h).
#include "emulator/iac/template.h"

#include <regex>
#include <set>

#include "emulator/common/api_error.h"
#include "emulator/iac/intrinsics.h"

namespace offstage::iac {

using nlohmann::json;

bool ParameterSpec::IsList() const {
  return type == "CommaDelimitedList" || type.starts_with("List<");
}

namespace {

common::ApiError FormatError(const std::string& message) {
  return common::ApiError{common::ErrorCode::kValidationError, "Template format error: " + message};
}

bool ValidLogicalId(const std::string& id) {
  if (id.empty() || id.size() > 255) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

common::Result<Template> ParseTemplate(const json& document) {
  if (!document.is_object()) return common::Fail(FormatError("a template is a JSON object"));
  static const std::set<std::string> kSections = {"AWSTemplateFormatVersion",
                                                  "Description",
                                                  "Metadata",
                                                  "Parameters",
                                                  "Rules",
                                                  "Mappings",
                                                  "Conditions",
                                                  "Transform",
                                                  "Resources",
                                                  "Outputs",
                                                  "Globals"};
  for (const auto& [key, value] : document.items()) {
    if (!kSections.contains(key)) {
      return common::Fail(FormatError("Invalid template property or properties [" + key + "]"));
    }
  }
  Template t;
  if (auto it = document.find("Description"); it != document.end() && it->is_string()) {
    t.description = *it;
  }
  if (auto it = document.find("Parameters"); it != document.end()) {
    if (!it->is_object()) return common::Fail(FormatError("Parameters must be an object"));
    for (const auto& [name, spec] : it->items()) {
      if (!ValidLogicalId(name)) {
        return common::Fail(FormatError("Parameter name " + name + " is non alphanumeric."));
      }
      if (!spec.is_object() || !spec.contains("Type")) {
        return common::Fail(FormatError("[/Parameters/" + name +
                                        "] Every Parameters object must contain a Type member."));
      }
      ParameterSpec p;
      p.name = name;
      p.type = ScalarText(spec["Type"]).value_or("");
      static const std::set<std::string> kTypes = {"String", "Number", "CommaDelimitedList",
                                                   "List<Number>"};
      if (!kTypes.contains(p.type) && !p.type.starts_with("AWS::") &&
          !p.type.starts_with("List<AWS::")) {
        return common::Fail(FormatError("Unrecognized parameter type: " + p.type));
      }
      if (auto d = spec.find("Default"); d != spec.end()) {
        if (d->is_array()) {
          std::string joined;
          for (const auto& item : *d)
            joined += (joined.empty() ? "" : ",") + ScalarText(item).value_or("");
          p.default_value = joined;
        } else {
          p.default_value = ScalarText(*d);
        }
      }
      if (auto a = spec.find("AllowedValues"); a != spec.end() && a->is_array()) {
        for (const auto& v : *a) p.allowed_values.push_back(ScalarText(v).value_or(""));
      }
      if (auto a = spec.find("AllowedPattern"); a != spec.end()) p.allowed_pattern = ScalarText(*a);
      if (auto a = spec.find("ConstraintDescription"); a != spec.end()) {
        p.constraint_description = ScalarText(*a);
      }
      auto number = [&](const char* key) -> std::optional<double> {
        auto v = spec.find(key);
        if (v == spec.end()) return std::nullopt;
        auto text = ScalarText(*v);
        if (!text) return std::nullopt;
        char* end = nullptr;
        double d = std::strtod(text->c_str(), &end);
        if (*end != '\0') return std::nullopt;
        return d;
      };
      if (auto v = number("MinLength")) p.min_length = static_cast<size_t>(*v);
      if (auto v = number("MaxLength")) p.max_length = static_cast<size_t>(*v);
      p.min_value = number("MinValue");
      p.max_value = number("MaxValue");
      t.parameters.push_back(std::move(p));
    }
  }
  t.has_rules = document.contains("Rules");
  if (auto it = document.find("Mappings"); it != document.end()) {
    if (!it->is_object()) return common::Fail(FormatError("Mappings must be an object"));
    t.mappings = *it;
  }
  if (auto it = document.find("Conditions"); it != document.end()) {
    if (!it->is_object()) return common::Fail(FormatError("Conditions must be an object"));
    t.conditions = *it;
  }
  if (auto it = document.find("Outputs"); it != document.end()) {
    if (!it->is_object()) return common::Fail(FormatError("Outputs must be an object"));
    for (const auto& [name, spec] : it->items()) {
      if (!spec.is_object() || !spec.contains("Value")) {
        return common::Fail(
            FormatError("[/Outputs/" + name + "] 'Value' is required for an Output"));
      }
    }
    t.outputs = *it;
  }
  auto resources = document.find("Resources");
  if (resources == document.end() || !resources->is_object() || resources->empty()) {
    return common::Fail(FormatError("At least one Resources member must be defined."));
  }
  std::set<std::string> parameter_names;
  for (const auto& p : t.parameters) parameter_names.insert(p.name);
  for (const auto& [id, spec] : resources->items()) {
    if (!ValidLogicalId(id)) {
      return common::Fail(FormatError("Resource name " + id + " is non alphanumeric."));
    }
    if (parameter_names.contains(id)) {
      return common::Fail(FormatError("[/Resources/" + id +
                                      "] the name is also a parameter's; logical ids are unique "
                                      "across Parameters and Resources"));
    }
    if (!spec.is_object()) {
      return common::Fail(
          FormatError("[/Resources/" + id + "] Every Resources object must be an object"));
    }
    static const std::set<std::string> kKeys = {"Type",           "Properties",
                                                "DependsOn",      "Condition",
                                                "DeletionPolicy", "UpdateReplacePolicy",
                                                "Metadata",       "CreationPolicy",
                                                "UpdatePolicy",   "Version"};
    for (const auto& [key, value] : spec.items()) {
      if (!kKeys.contains(key)) {
        return common::Fail(FormatError("[/Resources/" + id +
                                        "] Invalid template resource property '" + key + "'"));
      }
    }
    ResourceSpec r;
    r.logical_id = id;
    auto type = spec.find("Type");
    if (type == spec.end() || !type->is_string()) {
      return common::Fail(FormatError("[/Resources/" + id +
                                      "] Every Resources object must contain a Type member."));
    }
    r.type = *type;
    if (auto p = spec.find("Properties"); p != spec.end()) {
      if (!p->is_object()) {
        return common::Fail(FormatError("[/Resources/" + id + "/Properties] must be an object"));
      }
      r.properties = *p;
    }
    if (auto d = spec.find("DependsOn"); d != spec.end()) {
      if (d->is_string()) {
        r.depends_on.push_back(*d);
      } else if (d->is_array()) {
        for (const auto& item : *d) {
          if (!item.is_string()) {
            return common::Fail(FormatError("[/Resources/" + id + "/DependsOn] names resources"));
          }
          r.depends_on.push_back(item);
        }
      } else {
        return common::Fail(FormatError("[/Resources/" + id + "/DependsOn] names resources"));
      }
    }
    if (auto c = spec.find("Condition"); c != spec.end()) {
      if (!c->is_string()) {
        return common::Fail(FormatError("[/Resources/" + id + "/Condition] names a condition"));
      }
      if (!t.conditions.contains(c->get<std::string>())) {
        return common::Fail(FormatError("Unresolved dependencies [" + c->get<std::string>() +
                                        "]. Cannot reference resources in the Conditions block "
                                        "of the template"));
      }
      r.condition = c->get<std::string>();
    }
    if (auto d = spec.find("DeletionPolicy"); d != spec.end() && d->is_string()) {
      r.retain = *d == "Retain" || *d == "RetainExceptOnCreate";
    }
    t.resources.push_back(std::move(r));
  }
  return t;
}

}  // namespace offstage::iac
