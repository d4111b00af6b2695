// The deployer (deployer.h).
#include "emulator/iac/deployer.h"

#include <unistd.h>

#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/iac/intrinsics.h"
#include "emulator/iac/lambda_code.h"
#include "emulator/iac/plan.h"
#include "emulator/iac/resource_types.h"
#include "emulator/iac/sam.h"
#include "emulator/iac/stack_record.h"
#include "emulator/iac/stack_source.h"
#include "emulator/iac/template.h"
#include "emulator/storage/stack_store.h"

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Whether an output's Condition (if any) holds.
bool OutputHolds(const json& spec, const std::map<std::string, bool>& conditions) {
  auto c = spec.find("Condition");
  if (c == spec.end() || !c->is_string()) return true;
  auto holds = conditions.find(c->get<std::string>());
  return holds == conditions.end() || holds->second;
}

}  // namespace

Deployer::Deployer(AwsApi& api, storage::Writer& writer, common::IdGenerator& ids,
                   const common::Clock& clock, common::Logger& log, Options options)
    : api_(api),
      writer_(writer),
      ids_(ids),
      clock_(clock),
      log_(log),
      options_(std::move(options)) {}

common::Status Deployer::Load() {
  auto rows = writer_.QueryValue(storage::LoadStacks);
  if (!rows) return common::Fail(rows.error());
  common::MutexLock lock(mu_);
  for (const auto& row : *rows) {
    json doc = common::ParseJson(row.document);
    if (!doc.is_object()) {
      log_.Warn("offstage: the stack " + row.name + " could not be read; skipped");
      continue;
    }
    stacks_[row.name] = std::move(doc);
  }
  return {};
}

common::Status Deployer::Save(const json& stack) {
  storage::StackRow row{stack.value("name", ""),
                        stack.dump(-1, ' ', false, common::kReplaceInvalidUtf8), clock_.NowNanos()};
  return writer_.Call([row](storage::Database& db) { return storage::UpsertStack(db, row); });
}

std::optional<std::string> Deployer::ExportValue(const std::string& name,
                                                 const std::string& except) const {
  common::MutexLock lock(mu_);
  for (const auto& [stack_name, stack] : stacks_) {
    if (stack_name == except) continue;
    for (const auto& output : stack.value("outputs", json::array())) {
      if (output.value("export", "") == name) return output.value("value", "");
    }
  }
  return std::nullopt;
}

common::Result<DeployOutcome> Deployer::Deploy(const DeployRequest& request) {
  try {
    return DeployChecked(request);
  } catch (const json::exception& error) {
    // The readers and transforms check the shapes they read; a JSON type error that still
    // escapes one is this deploy's error, never the end of the daemon.
    return common::Fail(
        common::ValidationError("the template has a value of another type than expected (" +
                                std::string(error.what()) + ")"));
  }
}

common::Result<DeployOutcome> Deployer::DeployChecked(const DeployRequest& request) {
  SourceRequest read{request.path, request.stack,   request.parameters,
                     {},           options_.region, options_.account};
  if (request.environment) {
    read.environment = *request.environment;
  } else {
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const size_t eq = entry.find('=');
      if (eq != std::string::npos) read.environment[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  auto sources = ReadStackSources(read);
  if (!sources) return common::Fail(sources.error());
  common::MutexLock ops(ops_mu_);
  // Each stack in order; a cloud assembly's, as `cdk deploy --all` (a failure stops there, the
  // stacks before it stay deployed).
  DeployOutcome all;
  for (const StackSource& source : *sources) {
    auto outcome = DeployLocked(source, request.parameters);
    if (!outcome) {
      if (!source.in_assembly) return common::Fail(outcome.error());
      return common::Fail(common::ValidationError(source.name + ": " + outcome.error().message));
    }
    for (auto& stack : outcome->stacks) all.stacks.push_back(std::move(stack));
    for (auto& event : outcome->events) {
      all.events.push_back(source.in_assembly ? source.name + ": " + event : event);
    }
  }
  return all;
}

common::Result<DeployOutcome> Deployer::DeployLocked(
    const StackSource& source, const std::map<std::string, std::string>& parameters) {
  const std::string& name = source.name;
  static const std::regex kStackName("[a-zA-Z][-a-zA-Z0-9]{0,127}");
  if (!std::regex_match(name, kStackName)) {
    return common::Fail(
        common::ValidationError("1 validation error detected: Value '" + name +
                                "' at 'stackName' failed to satisfy constraint: Member must "
                                "satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"));
  }
  std::vector<std::string> notes = source.notes;
  auto transformed = ApplyTransforms(source.document, &notes);
  if (!transformed) return common::Fail(transformed.error());
  auto parsed = ParseTemplate(*transformed);
  if (!parsed) return common::Fail(parsed.error());
  const Template& t = *parsed;
  if (t.has_rules) {
    notes.push_back("NOTE  the template's Rules (assertions about parameters) are not evaluated");
  }

  std::optional<json> old;
  {
    common::MutexLock lock(mu_);
    if (auto it = stacks_.find(name); it != stacks_.end()) old = it->second;
  }
  const std::string stack_id = old ? old->value("id", "")
                                   : "arn:aws:cloudformation:" + options_.region + ":" +
                                         options_.account + ":stack/" + name + "/" + ids_.Uuid();
  std::map<std::string, std::string> previous;
  if (old) {
    const json old_parameters = old->value("parameters", json::object());
    for (const auto& [k, v] : old_parameters.items()) {
      if (v.is_string()) previous[k] = v;
    }
  }
  std::map<std::string, std::string> given = parameters;
  if (source.only_declared) {
    std::erase_if(given, [&t](const auto& entry) {
      return std::none_of(t.parameters.begin(), t.parameters.end(),
                          [&](const ParameterSpec& p) { return p.name == entry.first; });
    });
  }
  auto plan = MakePlan(t, given, previous,
                       PseudoParameters{options_.region, options_.account, name, stack_id});
  if (!plan) return common::Fail(plan.error());

  // Validate before acting: unknown properties, and every Fn::GetAtt against its type.
  std::map<std::string, const ResourceSpec*> active;
  for (const ResourceSpec* r : plan->order) active[r->logical_id] = r;
  std::set<std::pair<std::string, std::string>> attributes;
  for (const ResourceSpec* r : plan->order) {
    const ResourceType* type = FindResourceType(r->type);
    if (type && !type->properties.empty()) {
      for (const auto& [key, value] : r->properties.items()) {
        if (std::find(type->properties.begin(), type->properties.end(), key) ==
            type->properties.end()) {
          return common::Fail(common::ValidationError(
              r->logical_id + " (" + r->type + "): Encountered unsupported property " + key));
        }
      }
    }
    CollectAttributes(r->properties, plan->conditions, attributes);
  }
  for (const auto& [key, spec] : t.outputs.items()) {
    if (OutputHolds(spec, plan->conditions)) CollectAttributes(spec, plan->conditions, attributes);
  }
  for (const auto& [id, attribute] : attributes) {
    auto it = active.find(id);
    if (it == active.end()) {
      return common::Fail(common::ValidationError(
          "Template error: instance of Fn::GetAtt references undefined resource " + id));
    }
    const ResourceType* type = FindResourceType(it->second->type);
    if (!type) {
      return common::Fail(common::ValidationError("Template error: resource " + id +
                                                  " does not support attribute type " + attribute +
                                                  " in Fn::GetAtt (offstage does not emulate " +
                                                  it->second->type + ", so it has no attributes)"));
    }
    if (std::find(type->attributes.begin(), type->attributes.end(), attribute) ==
        type->attributes.end()) {
      return common::Fail(common::ValidationError("Template error: resource " + id +
                                                  " does not support attribute type " + attribute +
                                                  " in Fn::GetAtt"));
    }
  }

  // The old stack's resources by logical id.
  std::map<std::string, json> before;
  std::vector<std::string> before_order;
  if (old) {
    for (const auto& r : old->value("resources", json::array())) {
      before[r.value("logical_id", "")] = r;
      before_order.push_back(r.value("logical_id", ""));
    }
  }

  std::map<std::string, ResourceValues> values;
  std::set<std::string> imports;
  EvalContext ctx;
  ctx.parameters = plan->values;
  ctx.mappings = t.mappings;
  ctx.conditions = plan->conditions;
  ctx.region = options_.region;
  ctx.resource = [&values](const std::string& id) -> const ResourceValues* {
    auto it = values.find(id);
    return it == values.end() ? nullptr : &it->second;
  };
  ctx.import_value = [&](const std::string& export_name) {
    imports.insert(export_name);
    return ExportValue(export_name, name);
  };

  const fs::path code_dir = options_.code_root / "stacks" / name;
  auto context_for = [&](const std::string& id) {
    return ResourceContext{
        api_,
        ids_,
        options_.region,
        options_.account,
        name,
        id,
        source.base_dir,
        code_dir,
        [&assets = source.assets](const std::string&,
                                  const std::string& key) -> std::optional<std::string> {
          auto it = assets.find(key);
          if (it == assets.end()) return std::nullopt;
          return it->second;
        },
        nullptr};
  };

  DeployOutcome outcome;
  // Run in reverse when a later step fails; each answers what went wrong ("" when nothing).
  std::vector<std::function<std::string()>> undo;
  std::map<std::string, Current> restored;  // updated resources as their undo left them
  std::vector<json> to_delete;              // replaced resources, deleted after success
  json resources = json::array();
  auto rollback = [&](const std::string& failed) -> common::ApiError {
    std::string undo_errors;
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      if (std::string error = (*it)(); !error.empty()) {
        undo_errors += (undo_errors.empty() ? "" : "; ") + error;
      }
    }
    if (old && !restored.empty()) {
      // An undone update may leave a resource other than it was (a topic's inline
      // subscriptions are new ones): the record says what is there now.
      json record = *old;
      for (auto& r : record["resources"]) {
        auto it = restored.find(r.value("logical_id", ""));
        if (it == restored.end()) continue;
        const json fingerprint = r.value("state", json::object()).value("fingerprint", json());
        r["physical_id"] = it->second.physical_id;
        r["ref"] = it->second.values.ref;
        r["attributes"] = it->second.values.attributes;
        r["state"] = it->second.state;
        r["state"]["fingerprint"] = fingerprint;
      }
      if (auto saved = Save(record); saved) {
        common::MutexLock lock(mu_);
        stacks_[name] = record;
      } else {
        undo_errors += (undo_errors.empty() ? "" : "; ") +
                       std::string("the stack's record could not be saved: ") +
                       saved.error().message;
      }
    }
    std::string message = failed;
    if (!undo_errors.empty()) {
      message += ". ROLLBACK_FAILED: undoing this deploy failed too (" + undo_errors +
                 "); check the resources named there";
    } else {
      message += old ? ". The stack was rolled back to its last deploy"
                     : ". The stack was rolled back (nothing was created)";
    }
    log_.Warn("offstage: stack " + name + ": " + message);
    return common::ValidationError(message);
  };
  auto undo_remove = [](const ResourceType* type, const ResourceContext& rctx, const Current& now,
                        const std::string& id) {
    return [type, rctx, now, id]() -> std::string {
      auto removed = type->remove(rctx, now);
      return removed ? std::string() : id + ": " + removed.error().message;
    };
  };
  // Sets a resource back to `properties` from `now`, noting what it became.
  auto undo_update = [&restored](const ResourceType* type, const ResourceContext& rctx,
                                 const Current& now, const json& properties,
                                 const std::string& id) {
    return [type, rctx, now, properties, id, &restored]() -> std::string {
      auto back = type->update(rctx, now, properties);
      if (!back) return id + ": " + back.error().message;
      if (!*back) return id + ": it cannot be set back without a replacement";
      restored[id] = **back;
      return {};
    };
  };

  json outputs = json::array();
  try {
    for (const ResourceSpec* r : plan->order) {
      const std::string& id = r->logical_id;
      auto props = Evaluate(r->properties, ctx, id + "/Properties");
      if (!props) return common::Fail(rollback(props.error().message));
      const json properties = props->value_or(json::object());
      const ResourceType* type = FindResourceType(r->type);
      auto prior = before.find(id);
      const bool same_type = prior != before.end() && prior->second.value("type", "") == r->type;
      if (prior != before.end() && !same_type && !prior->second.value("retain", false)) {
        to_delete.push_back(prior->second);  // the same logical id with another type
      }
      if (!type) {
        Current skipped;
        skipped.physical_id = same_type ? prior->second.value("physical_id", "")
                                        : resource::GeneratedName(context_for(id), 128);
        skipped.values.ref = skipped.physical_id;
        skipped.properties = properties;
        values[id] = skipped.values;
        resources.push_back(
            ResourceJson(id, r->type, skipped, "skipped", "not emulated by offstage", r->retain));
        outcome.events.push_back(Line("SKIPPED", id, r->type, "not emulated by offstage"));
        continue;
      }
      const std::string status = type->support == Support::kAccepted ? "accepted" : "emulated";
      ResourceContext rctx = context_for(id);
      rctx.fingerprint = ResourceFingerprint(r->type, rctx, properties);
      auto keep = [&](Current now) {
        now.state["fingerprint"] = rctx.fingerprint;
        values[id] = now.values;
        resources.push_back(ResourceJson(id, r->type, now, status, type->note, r->retain));
      };
      if (same_type && prior->second.value("status", "") != "skipped") {
        const Current was = CurrentOf(prior->second);
        const bool code_moved = was.state.value("fingerprint", json()) != rctx.fingerprint;
        if (was.properties == properties && !code_moved) {
          keep(was);
          continue;
        }
        auto updated = type->update(rctx, was, properties);
        if (!updated) {
          // Whatever part of the update was made is set back first (best effort).
          Current partly = was;
          partly.properties = properties;
          undo.push_back(undo_update(type, rctx, partly, was.properties, id));
          return common::Fail(
              rollback(id + " (" + r->type + "): UPDATE_FAILED: " + updated.error().message));
        }
        if (*updated) {
          const Current now = **updated;
          undo.push_back(undo_update(type, rctx, now, was.properties, id));
          outcome.events.push_back(Line("UPDATE_COMPLETE", id, r->type, now.physical_id));
          keep(now);
          continue;
        }
        auto created = type->create(rctx, properties);
        if (!created) {
          return common::Fail(rollback(
              id + " (" + r->type + "): UPDATE_FAILED (replacement): " + created.error().message));
        }
        const Current now = *created;
        if (now.physical_id != was.physical_id) {
          undo.push_back(undo_remove(type, rctx, now, id));
          if (!prior->second.value("retain", false)) to_delete.push_back(prior->second);
        }
        outcome.events.push_back(
            Line("UPDATE_COMPLETE", id, r->type, "replaced: " + now.physical_id));
        keep(now);
        continue;
      }
      auto created = type->create(rctx, properties);
      if (!created) {
        return common::Fail(
            rollback(id + " (" + r->type + "): CREATE_FAILED: " + created.error().message));
      }
      const Current now = *created;
      undo.push_back(undo_remove(type, rctx, now, id));
      outcome.events.push_back(
          Line(status == "accepted" ? "ACCEPTED" : "CREATE_COMPLETE", id, r->type,
               status == "accepted" ? std::string(type->note) : now.physical_id));
      keep(now);
    }

    // Outputs and exports.
    std::set<std::string> exports;
    for (const auto& [key, spec] : t.outputs.items()) {
      if (!OutputHolds(spec, plan->conditions)) continue;
      auto value = Evaluate(spec["Value"], ctx, "Outputs/" + key);
      if (!value) return common::Fail(rollback(value.error().message));
      // An output is a string; a list of strings reads as they joined by commas.
      const json raw = value->value_or(json(""));
      std::string shown;
      if (auto scalar = ScalarText(raw)) {
        shown = *scalar;
      } else if (raw.is_array()) {
        for (const auto& item : raw) {
          shown += (shown.empty() ? "" : ",") + ScalarText(item).value_or("");
        }
      } else {
        shown = raw.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
      }
      json output = {{"key", key}, {"value", shown}};
      if (auto d = spec.find("Description"); d != spec.end() && d->is_string()) {
        output["description"] = *d;
      }
      if (auto e = spec.find("Export"); e != spec.end() && e->is_object() && e->contains("Name")) {
        auto export_name = Evaluate((*e)["Name"], ctx, "Outputs/" + key + "/Export");
        if (!export_name) return common::Fail(rollback(export_name.error().message));
        const std::string n = ScalarText(export_name->value_or(json(""))).value_or("");
        if (auto other = ExportValue(n, name); other || exports.contains(n)) {
          return common::Fail(rollback("Export with name " + n + " is already exported"));
        }
        exports.insert(n);
        output["export"] = n;
      }
      outputs.push_back(std::move(output));
    }
  } catch (const json::exception& error) {
    // A value of a type a handler did not expect: this deploy's error, rolled back like any.
    return common::Fail(rollback("a property has a type that was not expected (" +
                                 std::string(error.what()) + ")"));
  }

  // Deletions: what the template no longer has (in reverse of the old order), then what was
  // replaced. A failed delete is reported; the deploy itself succeeded.
  std::vector<json> removed;
  for (auto it = before_order.rbegin(); it != before_order.rend(); ++it) {
    if (!active.contains(*it)) removed.push_back(before.at(*it));
  }
  for (auto& r : to_delete) removed.push_back(r);

  const int64_t now_ns = clock_.NowNanos();
  json stack = {{"name", name},
                {"id", stack_id},
                {"status", old ? "UPDATE_COMPLETE" : "CREATE_COMPLETE"},
                {"region", options_.region},
                {"account", options_.account},
                {"source", source.file.string()},
                {"parameters", plan->parameters},
                {"resources", resources},
                {"outputs", outputs},
                {"imports", imports},
                {"notes", notes},
                {"created_ns", old ? old->value("created_ns", now_ns) : now_ns},
                {"updated_ns", now_ns}};
  if (auto saved = Save(stack); !saved) {
    return common::Fail(rollback("the stack could not be saved: " + saved.error().message));
  }
  {
    common::MutexLock lock(mu_);
    stacks_[name] = stack;
  }
  for (const json& r : removed) {
    const std::string id = r.value("logical_id", "");
    const std::string type_name = r.value("type", "");
    const ResourceType* type = FindResourceType(type_name);
    if (r.value("retain", false)) {
      outcome.events.push_back(Line("DELETE_SKIPPED", id, type_name, "DeletionPolicy: Retain"));
      continue;
    }
    if (!type || r.value("status", "") == "skipped") continue;
    if (auto s = type->remove(context_for(id), CurrentOf(r)); !s) {
      outcome.events.push_back(Line("DELETE_FAILED", id, type_name, s.error().message));
      continue;
    }
    outcome.events.push_back(Line("DELETE_COMPLETE", id, type_name, r.value("physical_id", "")));
  }
  std::vector<json> running(resources.begin(), resources.end());
  for (const json& r : removed) {
    if (r.value("retain", false)) running.push_back(r);
  }
  SweepInlineCode(code_dir, running);
  for (const std::string& note : notes) outcome.events.push_back(note);
  for (const std::string& line : outcome.events) log_.Info("offstage: stack " + name + ": " + line);
  outcome.stacks.push_back(stack);
  return outcome;
}

json Deployer::List() const {
  common::MutexLock lock(mu_);
  json out = json::array();
  for (const auto& [name, stack] : stacks_) out.push_back(stack);
  return out;
}

std::optional<json> Deployer::Get(const std::string& name) const {
  common::MutexLock lock(mu_);
  auto it = stacks_.find(name);
  if (it == stacks_.end()) return std::nullopt;
  return it->second;
}

}  // namespace offstage::iac
