// Clock: nanosecond timestamps from one monotonic clock, anchored to wall time once at
// construction (DESIGN decision 7), so timestamps are comparable and never go backwards.
// Owned by app::Daemon and injected; SystemClock is immutable after construction and safe on
// any thread. Tests use testing::FakeClock.
#pragma once

#include <cstdint>
#include <string>

namespace offstage::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch, advancing monotonically.
  virtual int64_t NowNanos() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemClock();
  int64_t NowNanos() const override;

 private:
  int64_t anchor_wall_ns_;
  int64_t anchor_mono_ns_;
};

// "2026-11-27T13:48:00.123Z" (SNS Timestamp, ISO-8601 UTC with milliseconds).
std::string IsoMillis(int64_t unix_nanos);
// "2026-11-27T13:48:00.123+0000" (Lambda LastModified).
std::string IsoMillisOffset(int64_t unix_nanos);

}  // namespace offstage::common
