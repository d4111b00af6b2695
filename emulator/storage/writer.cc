#include "emulator/storage/writer.h"

#include <cstdint>
#include <utility>

#include "emulator/common/priority.h"

namespace offstage::storage {
namespace {

// 128 MiB of WAL (32,768 frames at 4 KiB pages), started over about once a second at 5,000
// Publishes/s (~8 frames each). Each start over holds the writer 2-6 ms, so the threshold is
// in bytes, not frames (a database made with smaller pages starts over no more often). Below the
// database's journal_size_limit, so starting over never truncates the file (an ftruncate of the WAL
// took 20-45 ms on the development machine).
constexpr int64_t kWalRestartBytes = int64_t{128} << 20;

// How long a batch may run Posts while a Submit waits for the next commit.
constexpr int64_t kBatchBudgetNs = 2'000'000;

}  // namespace

Writer::Writer(Database& db, const common::Clock& clock, Warn warn, size_t max_batch,
               std::chrono::nanoseconds post_delay)
    : db_(db),
      clock_(clock),
      max_batch_(max_batch),
      post_delay_(post_delay),
      wal_restart_frames_(static_cast<int>(kWalRestartBytes / db.PageSize())),
      warn_(std::move(warn)),
      thread_([this] { Run(); }) {}

Writer::~Writer() { Stop(); }

std::future<Result<int64_t>> Writer::Submit(Job job) {
  std::promise<Result<int64_t>> promise;
  auto future = promise.get_future();
  {
    common::MutexLock lock(mu_);
    if (stopping_) {
      promise.set_value(common::Fail(common::Internal("the daemon is shutting down")));
      return future;
    }
    urgent_.push_back(Pending{std::move(job), std::move(promise)});
  }
  cv_.notify_one();
  return future;
}

Status Writer::Query(Job job) {
  std::promise<Result<int64_t>> promise;
  auto future = promise.get_future();
  {
    common::MutexLock lock(mu_);
    if (stopping_) return common::Fail(common::Internal("the daemon is shutting down"));
    queue_.push_back(Pending{std::move(job), std::move(promise)});
    ++queries_;
  }
  cv_.notify_one();
  auto result = future.get();
  {
    common::MutexLock lock(mu_);
    --queries_;
  }
  if (!result) return common::Fail(result.error());
  return {};
}

void Writer::Post(Job job) { Enqueue(std::move(job), /*now=*/false); }

void Writer::PostNow(Job job) { Enqueue(std::move(job), /*now=*/true); }

void Writer::Enqueue(Job job, bool now) {
  bool wake = false;
  {
    common::MutexLock lock(mu_);
    if (!stopping_) {
      // A PostNow always wakes the writer. Of Posts, only the first of a quiet spell does (the
      // writer then sleeps until the delay is over; the others join it without a wake-up), and
      // not one the writer's timer will see anyway: it wakes at an earlier Post's due time,
      // which is no later than this one's, and then sleeps on until this one is due.
      wake = now || (queue_.empty() && urgent_.empty() && !timer_armed_);
      if (now) flush_ = true;
      queue_.push_back(Pending{std::move(job), std::nullopt, std::chrono::steady_clock::now()});
      job = nullptr;
    }
  }
  if (job) {
    NoteLostPosts(1, "written after the writer stopped", /*now=*/true);
    return;
  }
  if (wake) cv_.notify_one();
}

bool Writer::Due() {
  if (stopping_ || !urgent_.empty() || restart_due_) return true;
  return QueueDue();
}

bool Writer::QueueDue() {
  if (queue_.empty()) return false;
  return queries_ > 0 || flush_ ||
         std::chrono::steady_clock::now() >= queue_.front().queued + post_delay_;
}

void Writer::WaitForWork(common::MutexLock& lock) {
  while (true) {
    const bool due = Due();
    if (due && !running_) return;
    if (!due && !queue_.empty()) {
      timer_armed_ = true;
      cv_.wait_until(lock.native(), queue_.front().queued + post_delay_);
      timer_armed_ = false;
    } else {
      cv_.wait(lock.native());  // for work, or for the leader running a batch to finish
    }
  }
}

void Writer::TakeBatch(std::deque<Pending>& batch, bool posts) {
  while (!urgent_.empty() && batch.size() < max_batch_) {
    batch.push_back(std::move(urgent_.front()));
    urgent_.pop_front();
  }
  if (!posts) return;
  while (!queue_.empty() && batch.size() < max_batch_) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (queue_.empty()) flush_ = false;
}

void Writer::Requeue(std::deque<Pending>& batch) {
  while (!batch.empty()) {
    queue_.push_front(std::move(batch.back()));
    batch.pop_back();
  }
}

Result<int64_t> Writer::Commit(Job job) {
  if (common::InBackground()) return Submit(std::move(job)).get();
  std::promise<Result<int64_t>> promise;
  auto future = promise.get_future();
  std::deque<Pending> batch;
  bool notify = false;
  {
    common::MutexLock lock(mu_);
    if (stopping_) return common::Fail(common::Internal("the daemon is shutting down"));
    // Leads only when nothing runs and no other request waits: under load the writer thread's
    // back-to-back batches commit more requests at once than leaders taking turns would (a
    // closed loop of 16 connections ran 10-15% slower when every Commit could lead).
    // Nor when the WAL is owed its start-over, which only the writer thread does.
    const bool lead = !running_ && urgent_.empty() && !restart_due_;
    urgent_.push_back(Pending{std::move(job), std::move(promise)});
    if (lead) {
      running_ = true;
      // Its own job; the queued Posts only once they are due (a Query or a PostNow waits
      // behind them, or the oldest is post_delay_ old): until then they wait for company on
      // the writer thread. Carried along, each Publish's commit would also write the span of
      // the one before (pages of four B-trees for one row) instead of one batch of spans per
      // post_delay_ (docs/benchmarks.md, "A Publish's commit carries only its own rows"); left
      // behind once due, one leader after another could keep the writer thread from starting.
      TakeBatch(batch, /*posts=*/QueueDue());
    } else if (!running_) {
      notify = true;  // the writer thread may be waiting for work
    }
  }
  if (notify) cv_.notify_one();
  if (!batch.empty()) {
    RunBatch(batch, /*led=*/true);
    bool wake;
    {
      common::MutexLock lock(mu_);
      Requeue(batch);
      if (db_.WalFrames() > wal_restart_frames_) restart_due_ = true;  // the writer thread's job
      running_ = false;
      // The writer thread waits untimed while a batch runs: wake it if something is due now.
      // Posts not yet due need nothing: the first of them already set its timer.
      wake = Due();
    }
    if (wake) cv_.notify_all();
  }
  return future.get();
}

void Writer::NoteLostPosts(uint64_t lost, const std::string& error, bool now) {
  std::string line;
  {
    common::MutexLock lock(mu_);
    failed_posts_ += lost;
    if (first_post_error_.empty()) first_post_error_ = error;
    if (untold_posts_ == 0) untold_error_ = error;
    untold_posts_ += lost;
    const int64_t now_ns = clock_.NowNanos();
    if (!warn_ || (!now && last_warned_ns_ && now_ns - *last_warned_ns_ < 1'000'000'000)) {
      return;
    }
    line = "offstage: " + std::to_string(untold_posts_) +
           (untold_posts_ == 1 ? " background write was" : " background writes were") +
           " lost (telemetry or state the caller did not wait for; " +
           std::to_string(failed_posts_) + " since the start): " + untold_error_;
    untold_posts_ = 0;
    last_warned_ns_ = now_ns;
  }
  warn_(line);
}

Status Writer::Call(Job job) {
  auto result = Submit(std::move(job)).get();
  if (!result) return common::Fail(result.error());
  return {};
}

void Writer::Stop() {
  changes_.Close();
  {
    common::MutexLock lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  // Losses the once-a-second limit held back are told before the daemon goes.
  bool untold = false;
  {
    common::MutexLock lock(mu_);
    untold = untold_posts_ > 0;
  }
  if (untold) NoteLostPosts(0, "", /*now=*/true);
}

uint64_t Writer::failed_posts() const {
  common::MutexLock lock(mu_);
  return failed_posts_;
}

std::string Writer::first_post_error() const {
  common::MutexLock lock(mu_);
  return first_post_error_;
}

void Writer::Run() {
  std::deque<Pending> batch;
  while (true) {
    bool restart = false;
    {
      common::MutexLock lock(mu_);
      WaitForWork(lock);
      if (queue_.empty() && urgent_.empty() && stopping_) return;
      running_ = true;
      restart = restart_due_;
      restart_due_ = false;
      TakeBatch(batch);
    }
    if (!batch.empty()) RunBatch(batch);
    // Let the WAL start over once it is long (docs/architecture.md, Durability): the
    // Checkpointer has copied nearly all of it; this copies the rest and syncs the database
    // file, a few milliseconds.
    if (restart || db_.WalFrames() > wal_restart_frames_) (void)db_.CheckpointAll();
    {
      common::MutexLock lock(mu_);
      Requeue(batch);
      running_ = false;
    }
    cv_.notify_all();  // a Stop or nothing: leaders do not wait for this thread
  }
}

bool Writer::UrgentWaiting() {
  common::MutexLock lock(mu_);
  return !urgent_.empty();
}

void Writer::RunBatch(std::deque<Pending>& batch, bool led) {
  const int64_t start_ns = clock_.NowNanos();
  size_t run = batch.size();
  std::vector<std::optional<common::ApiError>> errors(batch.size());
  const int64_t changes_before = db_.TotalChanges();
  Status begin = db_.ExecCached("BEGIN IMMEDIATE");
  if (begin) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (i > 0 && !batch[i].done && clock_.NowNanos() - start_ns > kBatchBudgetNs &&
          (led || UrgentWaiting())) {
        run = i;
        break;
      }
      (void)db_.ExecCached("SAVEPOINT job");
      Status status = batch[i].job(db_);
      if (!status) {
        errors[i] = status.error();
        (void)db_.ExecCached("ROLLBACK TO job");
      }
      (void)db_.ExecCached("RELEASE job");
    }
  }
  Status commit = begin ? db_.ExecCached("COMMIT") : begin;
  if (!commit) (void)db_.Exec("ROLLBACK");
  const int64_t commit_ns = clock_.NowNanos();
  if (commit && db_.TotalChanges() != changes_before) changes_.Bump();
  // Losses are counted (and told) before any promise of the batch resolves, so a caller that
  // waited for a Query or Submit behind a lost Post sees the loss.
  uint64_t failed_posts = 0;
  std::string first_error;
  for (size_t i = 0; i < run; ++i) {
    const std::optional<common::ApiError>& error = !commit ? commit.error() : errors[i];
    if (!batch[i].done && error && failed_posts++ == 0) first_error = error->message;
  }
  if (failed_posts > 0) NoteLostPosts(failed_posts, first_error, /*now=*/false);
  for (size_t i = 0; i < run; ++i) {
    const std::optional<common::ApiError>& error = !commit ? commit.error() : errors[i];
    if (!batch[i].done) continue;
    if (error) {
      batch[i].done->set_value(common::Fail(*error));
    } else {
      batch[i].done->set_value(commit_ns);
    }
  }
  batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(run));
}

}  // namespace offstage::storage
