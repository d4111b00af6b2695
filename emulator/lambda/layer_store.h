// LayerStore: Lambda's layers by layer ARN, in memory and written through to SQLite
// (storage/lambda_store.h, one JSON document per layer). Owned by LambdaService. Thread model:
// any thread. Update is the one way to change a layer, as FunctionStore's: an update mutex
// orders the changes and is held across their commit; memory changes only once the commit
// succeeded. The map's mutex is taken after it and never held across I/O.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/lambda/layer.h"
#include "emulator/storage/writer.h"

namespace offstage::lambda {

class LayerStore {
 public:
  // Edits a copy of the layer (nullopt when there is none; reset it to delete the layer's
  // row). An error: nothing changes and Update returns it. false: nothing to commit.
  using Edit = std::function<common::Result<bool>(std::optional<Layer>&)>;

  LayerStore(storage::Writer& writer, common::Logger& log) : writer_(writer), log_(log) {}

  // Reads the committed layers into memory; a row that cannot be read is skipped with a warning.
  common::Status Load() EXCLUDES(update_mu_, mu_);
  // A copy of the layer at `arn`, if any.
  std::optional<Layer> Find(const std::string& arn) const EXCLUDES(mu_);
  // Calls `read(const std::map<std::string, Layer>&)` (by layer ARN) under the map's mutex;
  // `read` must not call the store.
  template <typename F>
  auto Read(F&& read) const EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    return std::forward<F>(read)(std::as_const(layers_));
  }
  // Under the update mutex: `edit` runs on a copy of the layer at `arn`; the copy is committed
  // (upserted, or deleted when `edit` reset it) and only then swapped into memory. Returns the
  // layer as it is now (nullopt: none).
  common::Result<std::optional<Layer>> Update(const std::string& arn, const Edit& edit)
      EXCLUDES(update_mu_, mu_);

 private:
  storage::Writer& writer_;
  common::Logger& log_;
  common::Mutex update_mu_;  // taken before mu_
  mutable common::Mutex mu_;
  std::map<std::string, Layer> layers_ GUARDED_BY(mu_);
};

}  // namespace offstage::lambda
