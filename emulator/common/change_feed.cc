#include "emulator/common/change_feed.h"

namespace offstage::common {

uint64_t ChangeFeed::version() const {
  MutexLock lock(mu_);
  return version_;
}

void ChangeFeed::Bump() {
  {
    MutexLock lock(mu_);
    ++version_;
  }
  cv_.notify_all();
}

uint64_t ChangeFeed::WaitPast(uint64_t seen, std::chrono::milliseconds timeout) {
  MutexLock lock(mu_);
  cv_.wait_for(lock.native(), timeout, [&]() REQUIRES(mu_) { return closed_ || version_ != seen; });
  return version_;
}

void ChangeFeed::Close() {
  {
    MutexLock lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool ChangeFeed::closed() const {
  MutexLock lock(mu_);
  return closed_;
}

}  // namespace offstage::common
