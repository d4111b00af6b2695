// QueueStore: load, read, and the one way to change a queue (queue_store.h).
#include "emulator/sqs/queue_store.h"

#include "emulator/storage/sqs_store.h"

namespace offstage::sqs {

using common::Fail;

Status QueueStore::Load() {
  common::MutexLock update(update_mu_);
  auto rows = writer_.QueryValue(storage::LoadSqsQueues);
  if (!rows) return common::Fail(rows.error());
  common::MutexLock lock(mu_);
  for (const auto& row : *rows) {
    auto queue = Queue::FromDocument(row.document);
    if (!queue) {
      log_.Warn("skipping queue " + row.arn + ": " + queue.error().message);
      continue;
    }
    queues_.emplace(row.arn, std::move(*queue));
  }
  return {};
}

std::optional<Queue> QueueStore::Find(const std::string& arn) const {
  common::MutexLock lock(mu_);
  auto it = queues_.find(arn);
  if (it == queues_.end()) return std::nullopt;
  return it->second;
}

Status QueueStore::Update(const std::string& arn, const Edit& edit) {
  const std::string key = arn;
  common::MutexLock update(update_mu_);
  std::optional<Queue> copy;
  bool existed = false;
  Result<bool> proceed = false;
  {
    // The edit runs under mu_ too, so it sees the map as it is (changes wait on update_mu_).
    common::MutexLock lock(mu_);
    auto it = queues_.find(key);
    existed = it != queues_.end();
    if (existed) copy = it->second;
    proceed = edit(queues_, copy);
  }
  if (!proceed) return Fail(proceed.error());
  if (!*proceed || (!existed && !copy)) return {};
  if (copy && copy->arn != key) {
    return Fail(common::Internal("a change of " + key + " names another queue: " + copy->arn));
  }
  Status committed;
  if (copy) {
    storage::SqsQueueRow row{copy->arn, copy->ToDocument()};
    committed = writer_.Call([row](storage::Database& db) { return UpsertSqsQueue(db, row); });
  } else {
    committed = writer_.Call([key](storage::Database& db) { return DeleteSqsQueue(db, key); });
  }
  if (!committed) return committed;
  common::MutexLock lock(mu_);
  if (copy) {
    queues_[key] = std::move(*copy);
  } else {
    queues_.erase(key);
  }
  return {};
}

}  // namespace offstage::sqs
