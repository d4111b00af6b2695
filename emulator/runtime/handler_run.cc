#include "emulator/runtime/handler_run.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace offstage::runtime {

int64_t MonotonicNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The midpoint of two monotonic reads is the moment of the clock read between them.
int64_t MonotonicToClock(const common::Clock& clock) {
  int64_t offset = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int64_t before = MonotonicNow();
    const int64_t now = clock.NowNanos();
    const int64_t after = MonotonicNow();
    offset = now - before - (after - before) / 2;
    if (after - before <= kReadGapNs) break;
  }
  return offset;
}

void HandlerRun(const std::string& header, int64_t taken_ns, const common::Clock& clock,
                InvocationOutcome& outcome) {
  constexpr int64_t kClockSlackNs = 100'000;  // conversion error allowed (> kReadGapNs)
  long long start = 0;
  long long end = 0;
  char extra = 0;
  if (header.empty() || std::sscanf(header.c_str(), "%lld,%lld%c", &start, &end, &extra) != 2) {
    return;
  }
  if (start <= 0 || end < start || end > MonotonicNow()) return;
  const int64_t offset = MonotonicToClock(clock);
  const int64_t handler_start = start + offset;
  const int64_t handler_end = end + offset;
  if (handler_start < taken_ns - kClockSlackNs) return;
  outcome.handler_start_ns = std::max(handler_start, taken_ns);
  outcome.handler_end_ns = std::min(handler_end, outcome.finished_ns);
  outcome.handed_over_ns = std::min(outcome.handed_over_ns, outcome.handler_start_ns);
}

}  // namespace offstage::runtime
