// Deployer::Destroy (deployer.h): a stack's resources deleted in reverse order.
#include <filesystem>

#include "emulator/common/api_error.h"
#include "emulator/iac/deployer.h"
#include "emulator/iac/stack_record.h"
#include "emulator/storage/stack_store.h"

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;

common::Result<DeployOutcome> Deployer::Destroy(const std::string& name) {
  common::MutexLock ops(ops_mu_);
  std::optional<json> stack;
  std::string importer;
  {
    common::MutexLock lock(mu_);
    if (auto it = stacks_.find(name); it != stacks_.end()) stack = it->second;
    if (stack) {
      for (const auto& output : stack->value("outputs", json::array())) {
        const std::string export_name = output.value("export", "");
        if (export_name.empty()) continue;
        for (const auto& [other, doc] : stacks_) {
          if (other == name) continue;
          for (const auto& imported : doc.value("imports", json::array())) {
            if (imported == export_name) {
              importer = "Export " + export_name + " cannot be deleted as it is in use by " + other;
            }
          }
        }
      }
    }
  }
  if (!stack)
    return common::Fail(common::ValidationError("Stack with id " + name + " does not exist"));
  if (!importer.empty()) return common::Fail(common::ValidationError(importer));
  DeployOutcome outcome;
  json kept = json::array();
  const json resources = stack->value("resources", json::array());
  for (auto it = resources.rbegin(); it != resources.rend(); ++it) {
    const json& r = *it;
    const std::string id = r.value("logical_id", "");
    const std::string type_name = r.value("type", "");
    if (r.value("retain", false)) {
      outcome.events.push_back(Line("DELETE_SKIPPED", id, type_name, "DeletionPolicy: Retain"));
      continue;
    }
    const ResourceType* type = FindResourceType(type_name);
    if (!type || r.value("status", "") == "skipped") continue;
    ResourceContext rctx{api_,    ids_,   options_.region, options_.account,
                         name,    id,     fs::path(),      options_.code_root / "stacks" / name,
                         nullptr, nullptr};
    if (auto s = type->remove(rctx, CurrentOf(r)); !s) {
      outcome.events.push_back(Line("DELETE_FAILED", id, type_name, s.error().message));
      kept.insert(kept.begin(), r);
      continue;
    }
    outcome.events.push_back(Line("DELETE_COMPLETE", id, type_name, r.value("physical_id", "")));
  }
  if (!kept.empty()) {
    json failed = *stack;
    failed["status"] = "DELETE_FAILED";
    failed["resources"] = kept;
    (void)Save(failed);
    common::MutexLock lock(mu_);
    stacks_[name] = failed;
    std::string lines;
    for (const auto& line : outcome.events) lines += "\n" + line;
    return common::Fail(
        common::ValidationError("The stack " + name + " could not be deleted:" + lines));
  }
  auto status =
      writer_.Call([name](storage::Database& db) { return storage::DeleteStack(db, name); });
  if (!status) return common::Fail(status.error());
  {
    common::MutexLock lock(mu_);
    stacks_.erase(name);
  }
  // Retained functions keep running from their inline code.
  std::vector<json> retained;
  for (const json& r : resources) {
    if (r.value("retain", false)) retained.push_back(r);
  }
  SweepInlineCode(options_.code_root / "stacks" / name, retained);
  for (const std::string& line : outcome.events) log_.Info("offstage: stack " + name + ": " + line);
  json gone = *stack;
  gone["status"] = "DELETE_COMPLETE";
  outcome.stacks.push_back(std::move(gone));
  return outcome;
}

}  // namespace offstage::iac
