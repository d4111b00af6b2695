// Writer: the single thread that owns the Database while the daemon runs. Jobs from any
// thread are queued and run in batches, one transaction per batch (group commit: concurrent
// publishers share one COMMIT). Each job runs inside its own savepoint, so a failing job rolls
// back alone. Owned by app::Daemon; Submit/Post/Call are safe on any thread and never do I/O on
// the caller's thread; the queue mutex is a leaf (no call out while it is held).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "emulator/common/clock.h"
#include "emulator/common/mutex.h"
#include "emulator/storage/database.h"

namespace offstage::storage {

class Writer {
 public:
  using Job = std::function<Status(Database&)>;

  Writer(Database& db, const common::Clock& clock, size_t max_batch = 2048);
  ~Writer();  // Stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs `job` in the next batch, ahead of every Post still queued (a request waits on it);
  // the future resolves once that batch has committed, with the commit time (ns), or with the
  // job's own error (then its writes were rolled back).
  std::future<Result<int64_t>> Submit(Job job);
  // Fire and forget (telemetry, state updates): run in order among themselves, after the
  // Submits; errors are counted.
  void Post(Job job);
  // Submit and wait: for writes whose caller must know the outcome.
  Status Call(Job job);
  // Waits for a read that must see everything Posted before it (logs, traces): queued behind
  // the Posts, not ahead of them.
  Status Query(Job job);

  // Runs every queued job, commits, and joins the thread. Idempotent. Jobs submitted after
  // Stop fail with InternalError.
  void Stop();

  uint64_t failed_posts() const;

 private:
  struct Pending {
    Job job;
    std::optional<std::promise<Result<int64_t>>> done;
  };
  void Run();
  // Runs and commits the batch. Once a batch has run for kBatchBudgetNs and a Submit is
  // waiting, the Posts not yet run are left in `batch` (in order) for the next one, so a
  // backlog of heavy Posts (a fan-out to 50 subscriptions, a burst of invocations' telemetry)
  // does not hold a Publish's commit for tens of milliseconds.
  void RunBatch(std::deque<Pending>& batch);
  bool UrgentWaiting();

  Database& db_;
  const common::Clock& clock_;
  const size_t max_batch_;
  mutable common::Mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> urgent_ GUARDED_BY(mu_);  // Submit, Call
  std::deque<Pending> queue_ GUARDED_BY(mu_);   // Post, Query: in order
  bool stopping_ GUARDED_BY(mu_) = false;
  uint64_t failed_posts_ GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace offstage::storage
