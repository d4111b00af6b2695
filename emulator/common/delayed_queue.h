// DelayedQueue<Job>: jobs that fall due at a time (nanoseconds on the injected Clock), run by a
// fixed set of worker threads at background priority (common/priority.h), earliest due first
// and in arrival order among equal times. Used by lambda::AsyncQueue (asynchronous invocations
// and their retries), sns::Fanout and sns::HttpDeliverer (HTTP deliveries and theirs).
//
// Workers start on demand: one at Start, another whenever a job is waiting that no idle worker
// will take, up to the maximum; a worker idle for `idle_retire` (real time) retires while more
// than one is left. So an idle daemon holds one thread per queue, not the maximum.
//
// There is no scheduler thread between a job and its worker: a job due now is taken by the
// worker its Add wakes. Of the idle workers, one at a time (the timer) sleeps until the
// earliest due time and the others until they are notified, so a retry due in a minute does
// not wake every worker when it falls due.
//
// Thread model: Add, Hasten, RequestStop and Stop from any thread. One mutex guards the jobs
// and is never held while a job runs; `run` is called on the workers with no lock held.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/mutex.h"
#include "emulator/common/priority.h"
#include "emulator/common/thread_set.h"

namespace offstage::common {

template <typename Job>
class DelayedQueue {
 public:
  using Run = std::function<void(Job)>;

  explicit DelayedQueue(const Clock& clock) : clock_(clock) {}
  ~DelayedQueue() { Stop(); }
  DelayedQueue(const DelayedQueue&) = delete;
  DelayedQueue& operator=(const DelayedQueue&) = delete;

  // Starts the workers that call `run` for each job once it is due: one now, up to
  // `max_workers` as jobs wait. Once only.
  void Start(int max_workers, Run run,
             std::chrono::nanoseconds idle_retire = std::chrono::seconds(10)) {
    MutexLock lock(mu_);
    run_ = std::move(run);
    max_workers_ = std::max(1, max_workers);
    idle_retire_ = idle_retire;
    started_ = true;
    SpawnWorker();
    Grow();  // jobs added before Start
  }

  // Schedules `job` for `due_ns` (now or earlier: at once).
  void Add(int64_t due_ns, Job job) {
    bool sooner;
    {
      MutexLock lock(mu_);
      sooner = waiting_.empty() || due_ns < waiting_.begin()->first;
      waiting_.emplace(due_ns, std::move(job));
      Grow();
    }
    // A job due now needs any one worker. A later job that is now the earliest needs the timer
    // worker to shorten its sleep, and notify_one might wake another.
    if (sooner && due_ns > clock_.NowNanos()) {
      cv_.notify_all();
    } else {
      cv_.notify_one();
    }
  }

  // Makes the jobs due later for which `select(job)` is true due now; returns how many.
  template <typename Select>
  size_t Hasten(Select select) {
    size_t moved = 0;
    {
      MutexLock lock(mu_);
      const int64_t now = clock_.NowNanos();
      for (auto it = waiting_.upper_bound(now); it != waiting_.end();) {
        if (!select(static_cast<const Job&>(it->second))) {
          ++it;
          continue;
        }
        auto node = waiting_.extract(it++);
        node.key() = now;  // before every job still in the future: `it` stays ahead of it
        waiting_.insert(std::move(node));
        ++moved;
      }
      Grow();
    }
    for (size_t i = 0; i < moved; ++i) cv_.notify_one();
    return moved;
  }

  // No job is handed to a worker after this; running jobs go on.
  void RequestStop() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  // RequestStop, then waits for the running jobs and joins the workers. Jobs not yet run stay
  // unrun (their owners keep them durably and load them again at the next start).
  void Stop() {
    RequestStop();
    threads_.JoinAll();
  }

  // Jobs waiting or running.
  size_t pending() const {
    MutexLock lock(mu_);
    return waiting_.size() + static_cast<size_t>(running_);
  }

  // Workers started and not retired.
  int workers() const {
    MutexLock lock(mu_);
    return live_;
  }

 private:
  void SpawnWorker() REQUIRES(mu_) {
    ++live_;
    threads_.Spawn([this] {
      RunInBackground();
      Work();
      threads_.Retire();
    });
  }

  // Starts a worker if a job is waiting that the idle workers will not take: more jobs due now
  // than idle workers, or a job due later and no idle worker to watch for it.
  void Grow() REQUIRES(mu_) {
    if (!started_ || stopping_ || live_ >= max_workers_ || waiting_.empty()) return;
    const int64_t now = clock_.NowNanos();
    int due = 0;
    for (auto it = waiting_.begin(); it != waiting_.end() && it->first <= now && due <= idle_;
         ++it) {
      ++due;
    }
    if (due > idle_ || idle_ == 0) SpawnWorker();
  }

  void Work() {
    while (true) {
      std::optional<Job> job;
      {
        MutexLock lock(mu_);
        job = NextDue(lock);
        if (!job) return;  // stopping, or retiring
        ++running_;
      }
      run_(std::move(*job));
      MutexLock lock(mu_);
      --running_;
    }
  }

  // Waits for the earliest job to fall due and takes it; nullopt once stopping, or when this
  // worker retires (idle for idle_retire_ with another worker left).
  std::optional<Job> NextDue(MutexLock& lock) REQUIRES(mu_) {
    ++idle_;
    auto idle_since = std::chrono::steady_clock::now();
    while (!stopping_) {
      const int64_t now = clock_.NowNanos();
      if (!waiting_.empty() && waiting_.begin()->first <= now) {
        Job job = std::move(waiting_.begin()->second);
        waiting_.erase(waiting_.begin());
        --idle_;
        // The next job is due too, or nobody is watching for it: wake another worker.
        if (!waiting_.empty() && (waiting_.begin()->first <= now || !timer_waiting_)) {
          cv_.notify_one();
        }
        Grow();
        return job;
      }
      if (waiting_.empty() || timer_waiting_) {
        if (live_ > 1 && std::chrono::steady_clock::now() - idle_since >= idle_retire_) {
          --idle_;
          --live_;
          return std::nullopt;
        }
        if (live_ > 1) {
          cv_.wait_for(lock.native(), idle_retire_);
        } else {
          cv_.wait(lock.native());
        }
        continue;
      }
      timer_waiting_ = true;
      cv_.wait_for(lock.native(), std::chrono::nanoseconds(waiting_.begin()->first - now));
      timer_waiting_ = false;
      idle_since = std::chrono::steady_clock::now();
    }
    --idle_;
    --live_;
    return std::nullopt;
  }

  const Clock& clock_;
  Run run_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  // Due time -> jobs; a multimap keeps arrival order among equal times.
  std::multimap<int64_t, Job> waiting_ GUARDED_BY(mu_);
  bool timer_waiting_ GUARDED_BY(mu_) = false;  // an idle worker sleeps until the earliest due
  bool stopping_ GUARDED_BY(mu_) = false;
  int running_ GUARDED_BY(mu_) = 0;
  bool started_ GUARDED_BY(mu_) = false;
  int max_workers_ GUARDED_BY(mu_) = 1;
  std::chrono::nanoseconds idle_retire_ GUARDED_BY(mu_){};
  int live_ GUARDED_BY(mu_) = 0;  // workers started and not retired
  int idle_ GUARDED_BY(mu_) = 0;  // workers waiting in NextDue
  ThreadSet threads_;             // after everything its threads use: destroyed (joined) first
};

}  // namespace offstage::common
