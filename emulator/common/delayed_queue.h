// DelayedQueue<Job>: jobs that fall due at a time (nanoseconds on the injected Clock), run by a
// fixed set of worker threads at background priority (common/priority.h), earliest due first
// and in arrival order among equal times. Used by lambda::AsyncQueue (asynchronous invocations
// and their retries) and sns::HttpDeliverer (HTTP deliveries and theirs).
//
// There is no scheduler thread between a job and its worker: a job due now is taken by the
// worker its Add wakes. Of the idle workers, one at a time (the timer) sleeps until the
// earliest due time and the others until they are notified, so a retry due in a minute does
// not wake every worker when it falls due.
//
// Thread model: Add, Hasten, RequestStop and Stop from any thread. One mutex guards the jobs
// and is never held while a job runs; `run` is called on the workers with no lock held.
#pragma once

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

namespace offstage::common {

template <typename Job>
class DelayedQueue {
 public:
  using Run = std::function<void(Job)>;

  explicit DelayedQueue(const Clock& clock) : clock_(clock) {}
  ~DelayedQueue() { Stop(); }
  DelayedQueue(const DelayedQueue&) = delete;
  DelayedQueue& operator=(const DelayedQueue&) = delete;

  // Starts `workers` threads that call `run` for each job once it is due. Once only.
  void Start(int workers, Run run) {
    run_ = std::move(run);
    for (int i = 0; i < workers; ++i) {
      workers_.emplace_back([this] {
        RunInBackground();
        Work();
      });
    }
  }

  // Schedules `job` for `due_ns` (now or earlier: at once).
  void Add(int64_t due_ns, Job job) {
    bool sooner;
    {
      MutexLock lock(mu_);
      sooner = waiting_.empty() || due_ns < waiting_.begin()->first;
      waiting_.emplace(due_ns, std::move(job));
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
    for (auto& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
    workers_.clear();
  }

  // Jobs waiting or running.
  size_t pending() const {
    MutexLock lock(mu_);
    return waiting_.size() + static_cast<size_t>(running_);
  }

 private:
  void Work() {
    while (true) {
      std::optional<Job> job;
      {
        MutexLock lock(mu_);
        job = NextDue(lock);
        if (!job) return;  // stopping
        ++running_;
      }
      run_(std::move(*job));
      MutexLock lock(mu_);
      --running_;
    }
  }

  // Waits for the earliest job to fall due and takes it; nullopt once stopping.
  std::optional<Job> NextDue(MutexLock& lock) REQUIRES(mu_) {
    while (!stopping_) {
      const int64_t now = clock_.NowNanos();
      if (!waiting_.empty() && waiting_.begin()->first <= now) {
        Job job = std::move(waiting_.begin()->second);
        waiting_.erase(waiting_.begin());
        // The next job is due too, or nobody is watching for it: wake another worker.
        if (!waiting_.empty() && (waiting_.begin()->first <= now || !timer_waiting_)) {
          cv_.notify_one();
        }
        return job;
      }
      if (waiting_.empty() || timer_waiting_) {
        cv_.wait(lock.native());
        continue;
      }
      timer_waiting_ = true;
      cv_.wait_for(lock.native(), std::chrono::nanoseconds(waiting_.begin()->first - now));
      timer_waiting_ = false;
    }
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
  std::vector<std::thread> workers_;
};

}  // namespace offstage::common
