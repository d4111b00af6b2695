// Mutex and MutexLock: std::mutex with Clang thread-safety annotations, so that GUARDED_BY
// members are checked where the compiler supports it (GCC ignores the attributes). One per
// stateful class; never held across I/O or a call into another component (DESIGN 9).
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define OFFSTAGE_TSA(x) __attribute__((x))
#else
#define OFFSTAGE_TSA(x)
#endif

#define CAPABILITY(x) OFFSTAGE_TSA(capability(x))
#define SCOPED_CAPABILITY OFFSTAGE_TSA(scoped_lockable)
#define GUARDED_BY(x) OFFSTAGE_TSA(guarded_by(x))
#define ACQUIRE(...) OFFSTAGE_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) OFFSTAGE_TSA(release_capability(__VA_ARGS__))
#define REQUIRES(...) OFFSTAGE_TSA(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) OFFSTAGE_TSA(locks_excluded(__VA_ARGS__))

namespace offstage::common {

class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.native()) {}
  ~MutexLock() RELEASE() {}
  // For condition variables.
  std::unique_lock<std::mutex>& native() { return lock_; }
  // Lets the mutex go around a call that takes it itself, and takes it back: unlike native()'s,
  // the analysis sees both.
  void Unlock() RELEASE() { lock_.unlock(); }
  void Lock() ACQUIRE() { lock_.lock(); }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace offstage::common
