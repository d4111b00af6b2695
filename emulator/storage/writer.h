// Writer: the Database's only user while the daemon runs. Jobs from any thread are queued and
// run in batches, one transaction per batch (group commit: concurrent publishers share one
// COMMIT), one batch at a time: on the writer thread, or on the thread of a Commit that found
// none running (it leads a batch of its own job, so a Publish needs no hand-off). A Submit
// or a Query starts a batch at once; Posts (telemetry, state nobody waits for) wait up to
// `post_delay` for company on the writer thread, so an invocation's spans, log lines and payload,
// or the spans of a burst of Publishes, share one transaction and one wake-up of this thread
// instead of one each (docs/benchmarks.md, "Counting the work"). Each job runs inside
// its own savepoint, so a failing job rolls back alone. Owned by app::Daemon;
// Submit/Post/Call/Query are safe on any thread and never do I/O on the caller's thread (Commit
// may: it is the one that leads); the queue mutex is a leaf (no call out while it is held).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include "emulator/common/change_feed.h"
#include "emulator/common/clock.h"
#include "emulator/common/mutex.h"
#include "emulator/storage/database.h"

namespace offstage::storage {

class Writer {
 public:
  using Job = std::function<Status(Database&)>;
  // Told when Posts were lost (their job failed, their batch's commit failed, or they came after
  // Stop): nobody waits on a Post, so this is the only word of it. At most one line per second
  // of the clock, counting what was lost since the last one and naming the first error; a
  // loss at Stop is told at once. Called on the writer thread, or on Post's caller after Stop,
  // never with mu_ held. (A Commit's caller runs batches too: the same holds there.)
  using Warn = std::function<void(const std::string& line)>;

  Writer(Database& db, const common::Clock& clock, Warn warn = nullptr, size_t max_batch = 2048,
         std::chrono::nanoseconds post_delay = std::chrono::milliseconds(2));
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
  // A Post that starts a batch at once, as a Submit does, without waiting for it: for rows
  // whose effects someone outside may see before they commit (a delivery about to be made).
  void PostNow(Job job);
  // Submit and wait: for writes whose caller must know the outcome.
  Status Call(Job job);
  // Submit and wait, for a request's own commit (Publish): when no batch is running, the
  // calling thread runs the batch itself (its own job; the queued Posts stay for the writer
  // thread's batch, which they wait for, unless they are due), so the request sleeps and
  // wakes no other thread to commit (LevelDB's writers do the same). A background thread
  // (common::InBackground) never leads: its batch would run at its low priority while requests
  // wait; it Submits.
  Result<int64_t> Commit(Job job);
  // Waits for a read that must see everything Posted before it (logs, traces): queued behind
  // the Posts, not ahead of them.
  Status Query(Job job);
  // A Query whose job reads a value: `read(db)` returns a Result<T>, answered as it came.
  template <typename Read>
  auto QueryValue(Read read) -> std::invoke_result_t<Read, Database&> {
    std::optional<std::invoke_result_t<Read, Database&>> out;
    auto status = Query([&](Database& db) -> Status {
      out.emplace(read(db));
      return *out ? Status() : Status(std::unexpected((*out).error()));
    });
    if (!status) return std::unexpected(status.error());
    return std::move(*out);
  }

  // Runs every queued job, commits, and joins the thread. Idempotent. Jobs submitted after
  // Stop fail with InternalError.
  void Stop();

  // Moves after every committed batch that wrote rows (a read-only batch, a Query, leaves it
  // alone, so a reader woken by it cannot wake itself again): the dashboard's long poll.
  common::ChangeFeed& changes() { return changes_; }

  // Posts lost since the start (see Warn), and the first error among them ("" if none).
  uint64_t failed_posts() const;
  std::string first_post_error() const;

 private:
  struct Pending {
    Job job;
    std::optional<std::promise<Result<int64_t>>> done;
    std::chrono::steady_clock::time_point queued{};  // Posts: when (real time, not the Clock)
  };
  // Waits until a batch is due (a Submit, a Query, a PostNow, stopping, a WAL restart owed, or
  // the oldest Post post_delay_ old) and no other thread runs one.
  void WaitForWork(common::MutexLock& lock) REQUIRES(mu_);
  // Post (now = false) and PostNow (now = true).
  void Enqueue(Job job, bool now) EXCLUDES(mu_);
  bool Due() REQUIRES(mu_);
  // The Posts and Queries queued must run in the next batch: a Query or a PostNow waits, or
  // the oldest Post is post_delay_ old.
  bool QueueDue() REQUIRES(mu_);
  // Moves the next batch out of the queues: the Submits first, then (unless `posts` is false)
  // the Posts and Queries, in order.
  void TakeBatch(std::deque<Pending>& batch, bool posts = true) REQUIRES(mu_);
  // Puts the Posts a batch's budget left back at the front, still in order.
  void Requeue(std::deque<Pending>& batch) REQUIRES(mu_);
  void Run();
  // Runs and commits the batch. Once a batch has run for kBatchBudgetNs and a Submit is
  // waiting, the Posts not yet run are left in `batch` (in order) for the next one, so a
  // backlog of heavy Posts (a fan-out to 50 subscriptions, a burst of invocations' telemetry)
  // does not hold a Publish's commit for tens of milliseconds.
  // A batch led by a Commit's caller (`led`) keeps to the budget whether or not another Submit
  // waits: its own caller is waiting.
  void RunBatch(std::deque<Pending>& batch, bool led = false);
  bool UrgentWaiting();
  // Counts `lost` Posts (the first with `error`) and tells warn_ if it is time to.
  void NoteLostPosts(uint64_t lost, const std::string& error, bool now) EXCLUDES(mu_);

  Database& db_;
  const common::Clock& clock_;
  const size_t max_batch_;
  const std::chrono::nanoseconds post_delay_;
  const int wal_restart_frames_;  // kWalRestartBytes in this database's pages
  mutable common::Mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> urgent_ GUARDED_BY(mu_);  // Submit, Call
  std::deque<Pending> queue_ GUARDED_BY(mu_);   // Post, Query: in order
  bool stopping_ GUARDED_BY(mu_) = false;
  int queries_ GUARDED_BY(mu_) = 0;     // Query calls waiting: their queue is due at once
  bool flush_ GUARDED_BY(mu_) = false;  // a PostNow waits in queue_: it is due at once
  // A batch is running, on the writer thread or a Commit's caller: the Database is theirs.
  bool running_ GUARDED_BY(mu_) = false;
  bool restart_due_ GUARDED_BY(mu_) = false;
  bool timer_armed_ GUARDED_BY(mu_) = false;  // the writer sleeps until a Post falls due  // a
                                              // leader saw the WAL past kWalRestartFrames
  uint64_t failed_posts_ GUARDED_BY(mu_) = 0;
  std::string first_post_error_ GUARDED_BY(mu_);
  uint64_t untold_posts_ GUARDED_BY(mu_) = 0;  // lost since the last warning
  std::string untold_error_ GUARDED_BY(mu_);
  std::optional<int64_t> last_warned_ns_ GUARDED_BY(mu_);
  const Warn warn_;
  common::ChangeFeed changes_;
  std::thread thread_;
};

}  // namespace offstage::storage
