// LayerStore: loading the layer table, reading it, and the one way to change it (copy, edit,
// commit, then swap). Thread model: layer_store.h.
#include "emulator/lambda/layer_store.h"

#include "emulator/storage/lambda_store.h"

namespace offstage::lambda {

using common::Fail;

common::Status LayerStore::Load() {
  common::MutexLock update(update_mu_);
  auto rows = writer_.QueryValue(storage::LoadLayers);
  if (!rows) return common::Fail(rows.error());
  common::MutexLock lock(mu_);
  for (const auto& row : *rows) {
    auto layer = Layer::FromJson(row.config_json);
    if (!layer) {
      log_.Warn("skipping layer " + row.arn + ": " + layer.error().message);
      continue;
    }
    layer->name = row.name;
    layer->arn = row.arn;
    layer->region = row.region;
    layer->account = row.account;
    layer->created_ns = row.created_ns;
    layers_.emplace(row.arn, std::move(*layer));
  }
  return {};
}

std::optional<Layer> LayerStore::Find(const std::string& arn) const {
  common::MutexLock lock(mu_);
  auto it = layers_.find(arn);
  if (it == layers_.end()) return std::nullopt;
  return it->second;
}

common::Result<std::optional<Layer>> LayerStore::Update(const std::string& arn, const Edit& edit) {
  const std::string key = arn;
  common::MutexLock update(update_mu_);
  std::optional<Layer> copy = Find(key);
  const bool existed = copy.has_value();
  auto proceed = edit(copy);
  if (!proceed) return Fail(proceed.error());
  if (copy && copy->arn != key) {
    return Fail(common::Internal("a change of " + key + " names another layer: " + copy->arn));
  }
  if (!*proceed || (!existed && !copy)) return Find(key);
  common::Status committed;
  if (copy) {
    storage::LayerRow row{copy->arn,     copy->name,     copy->region,
                          copy->account, copy->ToJson(), copy->created_ns};
    committed = writer_.Call(
        [row = std::move(row)](storage::Database& db) { return storage::UpsertLayer(db, row); });
  } else {
    committed =
        writer_.Call([key](storage::Database& db) { return storage::DeleteLayer(db, key); });
  }
  if (!committed) return Fail(committed.error());
  common::MutexLock lock(mu_);
  if (!copy) {
    layers_.erase(key);
    return std::optional<Layer>();
  }
  layers_.insert_or_assign(key, *copy);
  return copy;
}

}  // namespace offstage::lambda
