// FunctionStore: loading the function table, reading it, and the one way to change it (copy,
// edit, commit, then swap). Thread model: function_store.h.
#include "emulator/lambda/function_store.h"

#include "emulator/lambda/validation.h"
#include "emulator/storage/lambda_store.h"

namespace offstage::lambda {

using common::Fail;

Status FunctionStore::Load() {
  common::MutexLock update(update_mu_);
  auto rows = writer_.QueryValue(storage::LoadFunctions);
  if (!rows) return common::Fail(rows.error());
  common::MutexLock lock(mu_);
  for (const auto& row : *rows) {
    auto function = Function::FromJson(row.config_json);
    if (!function) {
      log_.Warn("skipping function " + row.arn + ": " + function.error().message);
      continue;
    }
    function->name = row.name;
    function->arn = row.arn;
    function->region = row.region;
    function->account = row.account;
    function->created_ns = row.created_ns;
    functions_.emplace(row.arn, std::move(*function));
  }
  return {};
}

Result<Function> FunctionStore::Find(const std::string& arn) const {
  common::MutexLock lock(mu_);
  auto it = functions_.find(arn);
  if (it == functions_.end()) return FunctionNotFoundError(arn);
  return it->second;
}

size_t FunctionStore::size() const {
  common::MutexLock lock(mu_);
  return functions_.size();
}

Result<FunctionStore::Change> FunctionStore::Update(const std::string& arn, const Edit& edit,
                                                    const Settled& settled) {
  // A copy: `arn` may name the very function the edit moves into its slot.
  const std::string key = arn;
  common::MutexLock update(update_mu_);
  Result<Change> change = Apply(key, edit);
  if (settled) settled(change);
  return change;
}

Result<FunctionStore::Change> FunctionStore::Apply(const std::string& arn, const Edit& edit) {
  std::optional<Function> copy;
  {
    common::MutexLock lock(mu_);
    auto it = functions_.find(arn);
    if (it != functions_.end()) copy = it->second;
  }
  // Stable while update_mu_ is held, but for the generation (hot reload: BumpGeneration).
  const bool existed = copy.has_value();
  const uint64_t base_generation = existed ? copy->generation : 0;
  auto proceed = edit(copy);
  if (!proceed) return Fail(proceed.error());
  if (copy && copy->arn != arn) {
    return Fail(common::Internal("a change of " + arn + " names another function: " + copy->arn));
  }
  if (!*proceed || (!existed && !copy)) {  // nothing to commit: memory keeps what it holds
    common::MutexLock lock(mu_);
    auto it = functions_.find(arn);
    if (it == functions_.end()) return Change{};
    return Change{it->second, it->second, 0};
  }
  if (auto status = Commit(arn, copy); !status) return Fail(status.error());
  // Committed: now memory.
  Change change;
  if (existed && copy && copy->generation > base_generation) {
    change.generation_steps = copy->generation - base_generation;
  }
  common::MutexLock lock(mu_);
  auto it = functions_.find(arn);
  if (it != functions_.end()) change.before = it->second;
  if (!copy) {
    if (it != functions_.end()) functions_.erase(it);
    return change;
  }
  if (it == functions_.end()) {
    change.after = *copy;
    functions_.emplace(arn, std::move(*copy));
    return change;
  }
  // Hot reload may have bumped the generation since the copy was taken: those steps stay.
  copy->generation = it->second.generation + change.generation_steps;
  change.after = *copy;
  it->second = std::move(*copy);
  return change;
}

Status FunctionStore::Commit(const std::string& arn, const std::optional<Function>& function) {
  if (!function) {
    return writer_.Call([arn](storage::Database& db) { return storage::DeleteFunction(db, arn); });
  }
  storage::FunctionRow row{function->arn,     function->name,     function->region,
                           function->account, function->ToJson(), function->created_ns};
  return writer_.Call(
      [row = std::move(row)](storage::Database& db) { return storage::UpsertFunction(db, row); });
}

Result<Function> FunctionStore::BumpGeneration(const std::string& arn) {
  common::MutexLock lock(mu_);
  auto it = functions_.find(arn);
  if (it == functions_.end()) return FunctionNotFoundError(arn);
  ++it->second.generation;
  return it->second;
}

}  // namespace offstage::lambda
