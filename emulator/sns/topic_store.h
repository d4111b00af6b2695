// TopicStore: SNS's one aggregate — topics and their subscriptions (topic_state.h) — kept in
// memory and written through to SQLite (storage/sns_store.h). It decides, in one place, how a
// change is ordered and made durable: UpdateTopic / UpdateSubscription take the update lock,
// run the caller's change on a copy, commit the copy (or its deletion), and only then swap it
// in, re-planning what the change affects (planner.h). A change that fails, or whose commit
// fails, leaves memory as it was. Publish never takes the update lock: it only Reads.
//
// Thread model: any thread. update_mu_ orders the changes and is held across their commit;
// mu_ guards the state and is never held across I/O (a change function runs under both, so it
// must only compute). Lock order: update_mu_, then mu_.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/sns/topic_state.h"
#include "emulator/storage/writer.h"

namespace offstage::sns {

using common::Result;
using common::Status;

class TopicStore {
 public:
  TopicStore(storage::Writer& writer, common::Logger& log);

  // Loads the topics and subscriptions committed before. Call once, before serving.
  Status Load() EXCLUDES(update_mu_, mu_);

  // Calls f(const TopicState&) under the state lock and returns what it returns. `f` must not
  // block, and must not keep references into the state past its return.
  template <typename F>
  auto Read(F&& f) const EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    return std::forward<F>(f)(std::as_const(state_));
  }

  // A change of the topic `arn`: `topic` is a copy of it (nullopt when there is none), to edit,
  // to create (emplace) or to delete (reset; its subscriptions go with it). The change sees
  // the whole state as it is; it returns false when there is nothing to commit, or an error
  // (nothing changes).
  using TopicChange = std::function<Result<bool>(const TopicState&, std::optional<Topic>& topic)>;
  Status UpdateTopic(const std::string& arn, const TopicChange& change) EXCLUDES(update_mu_, mu_);

  // The same for the subscription `arn` (its filter is the change's to parse; its delivery plan
  // is re-planned here).
  using SubscriptionChange =
      std::function<Result<bool>(const TopicState&, std::optional<Subscription>& subscription)>;
  Status UpdateSubscription(const std::string& arn, const SubscriptionChange& change)
      EXCLUDES(update_mu_, mu_);

 private:
  Status Commit(storage::Writer::Job job);

  storage::Writer& writer_;
  common::Logger& log_;
  common::Mutex update_mu_;
  mutable common::Mutex mu_;
  TopicState state_ GUARDED_BY(mu_);
};

}  // namespace offstage::sns
