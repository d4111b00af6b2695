#include "emulator/common/clock.h"

#include <time.h>

#include <cstdio>

namespace offstage::common {
namespace {

int64_t ReadClock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string Format(int64_t unix_nanos, const char* zone) {
  const time_t secs = static_cast<time_t>(unix_nanos / 1'000'000'000);
  const int millis = static_cast<int>((unix_nanos / 1'000'000) % 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis, zone);
  return buf;
}

}  // namespace

SystemClock::SystemClock()
    : anchor_wall_ns_(ReadClock(CLOCK_REALTIME)), anchor_mono_ns_(ReadClock(CLOCK_MONOTONIC)) {}

int64_t SystemClock::NowNanos() const {
  return anchor_wall_ns_ + (ReadClock(CLOCK_MONOTONIC) - anchor_mono_ns_);
}

std::string IsoMillis(int64_t unix_nanos) { return Format(unix_nanos, "Z"); }
std::string IsoMillisOffset(int64_t unix_nanos) { return Format(unix_nanos, "+0000"); }

}  // namespace offstage::common
