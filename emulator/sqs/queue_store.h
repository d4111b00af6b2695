// QueueStore: SQS's queue aggregate. The queues by ARN, in memory and written through to SQLite
// (storage/sqs_store.h); the messages are the MessageStore's. Update is the one way to change a
// queue: it runs the edit on a copy, commits the copy (or the queue's deletion, with its
// messages), and only then swaps it in; an edit that fails, or a commit that fails, leaves
// memory as it was (the model of lambda::FunctionStore and sns::TopicStore).
//
// Thread model: any thread. update_mu_ orders the changes and is held across their commit;
// mu_ guards the map and is never held across I/O. Lock order: update_mu_, then mu_.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/sqs/queue.h"
#include "emulator/storage/writer.h"

namespace offstage::sqs {

class QueueStore {
 public:
  QueueStore(storage::Writer& writer, common::Logger& log) : writer_(writer), log_(log) {}

  // Reads the committed queues. Call once, before serving.
  Status Load() EXCLUDES(update_mu_, mu_);
  // A copy of the queue at `arn` (nullopt: none).
  std::optional<Queue> Find(const std::string& arn) const EXCLUDES(mu_);
  // Calls read(const std::map<std::string, Queue>&) (by ARN) under the map's mutex.
  template <typename F>
  auto Read(F&& read) const EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    return std::forward<F>(read)(std::as_const(queues_));
  }
  // Edits a copy of the queue at `arn` (nullopt when there is none; reset to delete, emplace to
  // create). An error: nothing changes. false: nothing to commit. true: commit, then swap.
  // `edit` sees the other queues through `all` (it must not call the store).
  using Edit = std::function<Result<bool>(const std::map<std::string, Queue>& all,
                                          std::optional<Queue>& queue)>;
  Status Update(const std::string& arn, const Edit& edit) EXCLUDES(update_mu_, mu_);

 private:
  storage::Writer& writer_;
  common::Logger& log_;
  common::Mutex update_mu_;  // taken before mu_
  mutable common::Mutex mu_;
  std::map<std::string, Queue> queues_ GUARDED_BY(mu_);
};

}  // namespace offstage::sqs
