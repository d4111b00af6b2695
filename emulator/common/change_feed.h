// ChangeFeed: a version number that moves whenever something changed, and a bounded wait for it
// to move (the dashboard's long poll, GET /_offstage/changes). It says only *that* something
// changed, never what: a waiter reads what it shows afresh. The storage::Writer bumps it after
// each committed transaction that wrote rows. Thread model: safe on any thread; one leaf mutex,
// never held while calling out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>

#include "emulator/common/mutex.h"

namespace offstage::common {

class ChangeFeed {
 public:
  uint64_t version() const EXCLUDES(mu_);
  // Something changed: the version moves on and every waiter wakes.
  void Bump() EXCLUDES(mu_);
  // Returns the version once it differs from `seen`, or when `timeout` has passed, or at once
  // once the feed is closed (shutdown: no wait may hold a request open then).
  uint64_t WaitPast(uint64_t seen, std::chrono::milliseconds timeout) EXCLUDES(mu_);
  // Wakes every waiter, now and from now on. Idempotent.
  void Close() EXCLUDES(mu_);
  bool closed() const EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ GUARDED_BY(mu_) = 1;  // never 0, so a first wait from 0 returns at once
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace offstage::common
