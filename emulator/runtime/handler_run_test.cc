#include "emulator/runtime/handler_run.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

namespace offstage::runtime {
namespace {

constexpr int64_t kOffset = 1'700'000'000'000'000'000;  // this clock's epoch vs CLOCK_MONOTONIC

// CLOCK_MONOTONIC + kOffset, whose reads numbered in `stalls` (0 first) pause 5 ms right after
// reading, as a nice-19 thread preempted just after it read the clock does on a busy machine.
class StallingClock final : public common::Clock {
 public:
  explicit StallingClock(std::set<int> stalls) : stalls_(std::move(stalls)) {}
  int64_t NowNanos() const override {
    const int64_t now = MonotonicNow() + kOffset;
    if (stalls_.contains(calls_++)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return now;
  }
  int calls() const { return calls_; }

 private:
  const std::set<int> stalls_;
  mutable std::atomic<int> calls_{0};
};

TEST_CASE("MonotonicToClock reads again when it was preempted between its reads") {
  StallingClock clock({0, 1});
  const int64_t offset = MonotonicToClock(clock);
  // Both stalled reads were read again; a real preemption of the third (a busy machine, a
  // sanitizer build: seen once in the ASan suite) is read again too, so at least 3.
  CHECK(clock.calls() >= 3);
  CHECK(offset >= kOffset - kReadGapNs);
  CHECK(offset <= kOffset + kReadGapNs);
}

TEST_CASE("HandlerRun puts the reported run on the daemon's clock, preempted or not") {
  // The event was taken, the handler ran 1 ms from 0.5 ms later, the answer arrived.
  const int64_t taken_mono = MonotonicNow();
  const int64_t start = taken_mono + 500'000;
  const int64_t end = start + 1'000'000;
  while (MonotonicNow() < end + 100'000) {
  }
  for (const auto& stalls : {std::set<int>{}, std::set<int>{0}, std::set<int>{0, 1, 2}}) {
    CAPTURE(stalls.size());
    // Read 0 is the answer's arrival (finished_ns); a preemption right after it used to shift
    // the conversion by its length: this run was then refused as starting before its event.
    StallingClock clock(stalls);
    InvocationOutcome outcome;
    outcome.finished_ns = clock.NowNanos();
    outcome.handed_over_ns = taken_mono + kOffset + 200'000;  // the write ended after the take
    HandlerRun(std::to_string(start) + "," + std::to_string(end), taken_mono + kOffset, clock,
               outcome);
    REQUIRE(outcome.handler_start_ns != 0);
    CHECK(outcome.handler_start_ns >= start + kOffset - kReadGapNs);
    CHECK(outcome.handler_start_ns <= start + kOffset + kReadGapNs);
    CHECK(outcome.handler_end_ns >= end + kOffset - kReadGapNs);
    CHECK(outcome.handler_end_ns <= end + kOffset + kReadGapNs);
    CHECK(outcome.handed_over_ns == taken_mono + kOffset + 200'000);
  }
}

TEST_CASE("HandlerRun ignores a run before the event was taken, and malformed reports") {
  StallingClock clock({});
  const int64_t taken_mono = MonotonicNow();
  const int64_t now_mono = taken_mono + 2'000'000;
  while (MonotonicNow() < now_mono) {
  }
  for (const std::string& header :
       {std::to_string(taken_mono - 1'000'000) + "," + std::to_string(taken_mono + 500'000),
        std::string(""), std::string("12"), std::string("5,4"), std::string("1,2,3"),
        std::string("x,y"), std::to_string(taken_mono) + "," + std::to_string(now_mono * 2)}) {
    CAPTURE(header);
    InvocationOutcome outcome;
    outcome.finished_ns = clock.NowNanos();
    outcome.handed_over_ns = taken_mono + kOffset;
    HandlerRun(header, taken_mono + kOffset, clock, outcome);
    CHECK(outcome.handler_start_ns == 0);
    CHECK(outcome.handler_end_ns == 0);
    CHECK(outcome.handed_over_ns == taken_mono + kOffset);
  }
}

TEST_CASE("HandlerRun moves the handover back to a handler that started before it") {
  // The daemon's thread was preempted between writing the event and reading the clock.
  StallingClock clock({});
  const int64_t taken_mono = MonotonicNow();
  const int64_t start = taken_mono + 100'000;
  const int64_t end = start + 300'000;
  while (MonotonicNow() < end) {
  }
  InvocationOutcome outcome;
  outcome.finished_ns = clock.NowNanos();
  outcome.handed_over_ns = taken_mono + kOffset + 250'000;
  HandlerRun(std::to_string(start) + "," + std::to_string(end), taken_mono + kOffset, clock,
             outcome);
  REQUIRE(outcome.handler_start_ns != 0);
  CHECK(outcome.handed_over_ns == outcome.handler_start_ns);
  CHECK(outcome.handed_over_ns < taken_mono + kOffset + 250'000);
}

}  // namespace
}  // namespace offstage::runtime
