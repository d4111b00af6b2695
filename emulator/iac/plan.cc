// A deploy's plan (plan.h).
#include "emulator/iac/plan.h"

#include <re2/re2.h>

#include <cmath>

#include "emulator/common/api_error.h"
#include "emulator/iac/intrinsics.h"

namespace offstage::iac {

using nlohmann::json;

namespace {

// CloudFormation's limit on a parameter's value.
constexpr size_t kMaxParameterBytes = 4096;

common::Status CheckConstraints(const ParameterSpec& p, const std::string& value) {
  if (value.size() > kMaxParameterBytes) {
    return common::Fail(common::ValidationError("Parameter '" + p.name + "' is longer than " +
                                                std::to_string(kMaxParameterBytes) + " bytes"));
  }
  const std::string refused = p.constraint_description ? *p.constraint_description : std::string();
  auto fail = [&](const std::string& what) {
    return common::Fail(common::ValidationError("Parameter '" + p.name + "' " + what +
                                                (refused.empty() ? "" : " (" + refused + ")")));
  };
  std::vector<std::string> items;
  if (p.IsList()) {
    size_t start = 0;
    for (size_t pos; (pos = value.find(',', start)) != std::string::npos; start = pos + 1) {
      items.push_back(value.substr(start, pos - start));
    }
    items.push_back(value.substr(start));
  } else {
    items.push_back(value);
  }
  for (const std::string& item : items) {
    if (!p.allowed_values.empty() && std::find(p.allowed_values.begin(), p.allowed_values.end(),
                                               item) == p.allowed_values.end()) {
      return fail("must be one of AllowedValues");
    }
    if (p.type == "Number" || p.type == "List<Number>") {
      char* end = nullptr;
      const double d = std::strtod(item.c_str(), &end);
      if (item.empty() || *end != '\0' || !std::isfinite(d)) return fail("must be a number");
      if (p.min_value && d < *p.min_value) {
        return fail("must be a number not less than " + std::to_string(*p.min_value));
      }
      if (p.max_value && d > *p.max_value) {
        return fail("must be a number not greater than " + std::to_string(*p.max_value));
      }
    }
  }
  if (p.min_length && value.size() < *p.min_length) {
    return fail("must contain at least " + std::to_string(*p.min_length) + " characters");
  }
  if (p.max_length && value.size() > *p.max_length) {
    return fail("cannot contain more than " + std::to_string(*p.max_length) + " characters");
  }
  if (p.allowed_pattern) {
    // RE2 (Debian's libre2): matching takes time linear in the value, where std::regex
    // recursed once per character (a long value overflowed the stack) and backtracked without
    // limit ((a+)+b). Its syntax is Java's for what templates use; lookarounds and
    // backreferences are refused as an invalid pattern.
    RE2::Options options;
    options.set_log_errors(false);
    const RE2 pattern(*p.allowed_pattern, options);
    if (!pattern.ok()) {
      return common::Fail(common::ValidationError("Parameter '" + p.name + "': AllowedPattern " +
                                                  *p.allowed_pattern + " is not a valid pattern (" +
                                                  pattern.error() + ")"));
    }
    if (!RE2::FullMatch(value, pattern)) return fail("must match pattern " + *p.allowed_pattern);
  }
  return {};
}

json ParameterValue(const ParameterSpec& p, const std::string& value) {
  if (!p.IsList()) return value;
  json list = json::array();
  size_t start = 0;
  for (size_t pos; (pos = value.find(',', start)) != std::string::npos; start = pos + 1) {
    list.push_back(value.substr(start, pos - start));
  }
  list.push_back(value.substr(start));
  return list;
}

}  // namespace

common::Result<Plan> MakePlan(const Template& t, const std::map<std::string, std::string>& given,
                              const std::map<std::string, std::string>& previous,
                              const PseudoParameters& pseudo) {
  Plan plan;
  plan.values["AWS::Region"] = pseudo.region;
  plan.values["AWS::AccountId"] = pseudo.account;
  plan.values["AWS::StackName"] = pseudo.stack_name;
  plan.values["AWS::StackId"] = pseudo.stack_id;
  plan.values["AWS::Partition"] = "aws";
  plan.values["AWS::URLSuffix"] = "amazonaws.com";
  plan.values["AWS::NotificationARNs"] = json::array();

  std::set<std::string> declared;
  std::vector<std::string> missing;
  for (const ParameterSpec& p : t.parameters) {
    declared.insert(p.name);
    std::optional<std::string> value;
    if (auto it = given.find(p.name); it != given.end()) {
      value = it->second;
    } else if (auto prev = previous.find(p.name); prev != previous.end()) {
      value = prev->second;
    } else {
      value = p.default_value;
    }
    if (p.FromParameterStore() && !given.contains(p.name) && !previous.contains(p.name)) {
      plan.from_parameter_store.insert(p.name);
      continue;
    }
    if (!value) {
      missing.push_back(p.name);
      continue;
    }
    if (auto status = CheckConstraints(p, *value); !status) return common::Fail(status.error());
    plan.parameters[p.name] = *value;
    plan.values[p.name] = ParameterValue(p, *value);
  }
  std::vector<std::string> unknown;
  for (const auto& [name, value] : given) {
    if (!declared.contains(name)) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& name : unknown) list += (list.empty() ? "" : ", ") + name;
    return common::Fail(
        common::ValidationError("Parameters: [" + list + "] do not exist in the template"));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& name : missing) list += (list.empty() ? "" : ", ") + name;
    return common::Fail(common::ValidationError("Parameters: [" + list + "] must have values"));
  }

  // Conditions may name each other: evaluate each once, depth first, refusing a cycle.
  EvalContext ctx;
  ctx.parameters = plan.values;
  ctx.mappings = t.mappings;
  ctx.region = pseudo.region;
  std::set<std::string> visiting;
  std::function<common::Status(const std::string&)> condition =
      [&](const std::string& name) -> common::Status {
    if (plan.conditions.contains(name)) return {};
    if (!t.conditions.contains(name)) {
      return common::Fail(
          common::ValidationError("Template format error: Unresolved dependencies [" + name +
                                  "]. Cannot reference resources in the Conditions block of the "
                                  "template"));
    }
    if (!visiting.insert(name).second) {
      return common::Fail(
          common::ValidationError("Template format error: Circular dependency between "
                                  "conditions: [" +
                                  name + "]"));
    }
    // The conditions this one names, first.
    std::function<common::Status(const json&)> names = [&](const json& v) -> common::Status {
      if (v.is_object()) {
        if (v.size() == 1 && v.contains("Condition") && v["Condition"].is_string()) {
          return condition(v["Condition"].get<std::string>());
        }
        for (const auto& item : v) {
          if (auto s = names(item); !s) return s;
        }
      } else if (v.is_array()) {
        for (const auto& item : v) {
          if (auto s = names(item); !s) return s;
        }
      }
      return {};
    };
    if (auto s = names(t.conditions[name]); !s) return s;
    ctx.conditions = plan.conditions;
    auto value = EvaluateCondition(t.conditions[name], ctx, "Conditions/" + name);
    if (!value) return common::Fail(value.error());
    plan.conditions[name] = *value;
    visiting.erase(name);
    return {};
  };
  for (const auto& [name, spec] : t.conditions.items()) {
    if (auto s = condition(name); !s) return common::Fail(s.error());
  }

  // The resources to have, and their dependencies.
  std::map<std::string, const ResourceSpec*> active;
  std::set<std::string> all_ids;
  for (const ResourceSpec& r : t.resources) {
    all_ids.insert(r.logical_id);
    if (r.condition && !plan.conditions.at(*r.condition)) continue;
    active[r.logical_id] = &r;
  }
  std::vector<std::string> unresolved;
  for (const auto& [id, r] : active) {
    std::set<std::string> refs;
    CollectReferences(r->properties, plan.conditions, refs);
    std::set<std::string>& deps = plan.dependencies[id];
    for (const std::string& ref : refs) {
      if (plan.values.contains(ref)) continue;
      if (plan.from_parameter_store.contains(ref)) {
        return common::Fail(
            common::ValidationError(id + " reads the parameter " + ref +
                                    ", whose value comes from SSM Parameter Store; offstage does "
                                    "not emulate it: pass --parameter " +
                                    ref + "=VALUE"));
      }
      if (!active.contains(ref)) {
        unresolved.push_back(ref);
        continue;
      }
      deps.insert(ref);
    }
    for (const std::string& dep : r->depends_on) {
      if (!all_ids.contains(dep)) {
        return common::Fail(
            common::ValidationError("Template format error: Unresolved resource dependencies [" +
                                    dep + "] in the Resources block of the template"));
      }
      if (active.contains(dep)) deps.insert(dep);
    }
  }
  if (!unresolved.empty()) {
    std::sort(unresolved.begin(), unresolved.end());
    unresolved.erase(std::unique(unresolved.begin(), unresolved.end()), unresolved.end());
    std::string list;
    for (const auto& name : unresolved) list += (list.empty() ? "" : ", ") + name;
    return common::Fail(
        common::ValidationError("Template format error: Unresolved resource dependencies [" + list +
                                "] in the Resources block of the template"));
  }
  // Kahn's algorithm, ties broken by logical id.
  std::map<std::string, size_t> waiting;
  for (const auto& [id, deps] : plan.dependencies) waiting[id] = deps.size();
  std::set<std::string> ready;
  for (const auto& [id, n] : waiting) {
    if (n == 0) ready.insert(id);
  }
  while (!ready.empty()) {
    const std::string id = *ready.begin();
    ready.erase(ready.begin());
    plan.order.push_back(active.at(id));
    for (auto& [other, deps] : plan.dependencies) {
      if (deps.contains(id) && --waiting[other] == 0) ready.insert(other);
    }
  }
  if (plan.order.size() != active.size()) {
    std::string list;
    for (const auto& [id, n] : waiting) {
      if (n > 0) list += (list.empty() ? "" : ", ") + id;
    }
    return common::Fail(
        common::ValidationError("Circular dependency between resources: [" + list + "]"));
  }
  return plan;
}

}  // namespace offstage::iac
