// ThreadSet: the threads of a pool that grows on demand and whose threads retire when idle
// (common::DelayedQueue's workers, protocol::HttpListener's). It owns the std::thread objects
// so a retiring thread, which cannot join itself, is joined by the next Spawn or by JoinAll.
// The pool decides when to grow and when a thread retires, under its own mutex; ThreadSet only
// keeps the threads (docs/architecture.md, "Threads on demand").
//
// Thread model: Spawn, Retire and size from any thread; Retire only from a thread of this set,
// as the last thing it does; JoinAll from one thread, once the pool spawns no more.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <thread>
#include <utility>
#include <vector>

#include "emulator/common/mutex.h"

namespace offstage::common {

class ThreadSet {
 public:
  ThreadSet() = default;
  ~ThreadSet() { JoinAll(); }
  ThreadSet(const ThreadSet&) = delete;
  ThreadSet& operator=(const ThreadSet&) = delete;

  // Starts a thread running `body`. Threads that retired since are joined first.
  void Spawn(std::function<void()> body) {
    std::vector<std::thread> retired;
    {
      MutexLock lock(mu_);
      retired.swap(retired_);
      // Made under the lock: the new thread's own Retire waits until it is in `live_`.
      live_.emplace_back(std::move(body));
    }
    for (auto& thread : retired) thread.join();
  }

  // Called by a thread of this set just before it returns: it will be joined later.
  void Retire() {
    MutexLock lock(mu_);
    const auto self = std::this_thread::get_id();
    for (auto it = live_.begin(); it != live_.end(); ++it) {
      if (it->get_id() == self) {
        retired_.push_back(std::move(*it));
        live_.erase(it);
        return;
      }
    }
  }

  // Joins every thread, live or retired. The pool must have told its threads to return.
  void JoinAll() {
    while (true) {
      std::vector<std::thread> all;
      {
        MutexLock lock(mu_);
        all.swap(retired_);
        for (auto& thread : live_) all.push_back(std::move(thread));
        live_.clear();
      }
      if (all.empty()) return;
      for (auto& thread : all) {
        if (thread.joinable()) thread.join();
      }
    }
  }

  // Threads started and not yet retired.
  size_t size() const {
    MutexLock lock(mu_);
    return live_.size();
  }

 private:
  mutable Mutex mu_;
  std::list<std::thread> live_ GUARDED_BY(mu_);
  std::vector<std::thread> retired_ GUARDED_BY(mu_);
};

}  // namespace offstage::common
