// The handler's own run, as its runtime client reports it (Offstage-Handler-Run), put on the
// daemon's clock. Pure functions of their arguments and the clocks; safe on any thread.
#pragma once

#include <cstdint>
#include <string>

#include "emulator/common/clock.h"
#include "emulator/runtime/environment.h"

namespace offstage::runtime {

// CLOCK_MONOTONIC now, in nanoseconds (the clock runtime clients report in).
int64_t MonotonicNow();

// How far apart MonotonicToClock's two monotonic reads may be for its answer to count.
inline constexpr int64_t kReadGapNs = 20'000;

// What to add to a CLOCK_MONOTONIC reading to put it on `clock`: the two clocks read back to
// back, and again when this thread was preempted between the reads (it runs at nice 19, and on
// a busy machine a preemption lasts milliseconds: a run converted across one was recorded that
// much early, or refused as starting before its event). Accurate to within kReadGapNs unless
// 100 attempts in a row were preempted.
int64_t MonotonicToClock(const common::Clock& clock);

// Parses `header` ("start,end", the runtime's CLOCK_MONOTONIC nanoseconds when it called the
// handler and when the outcome was known) into outcome.handler_start_ns/handler_end_ns on
// `clock`. `taken_ns` is when this side took the event for the runtime (before writing it):
// nothing of the handler can precede it, so a report that does is ignored (as is a malformed
// one). The handover timestamp proper is taken after the event's bytes were written; if this
// thread was preempted in between, the runtime may have started the handler before it:
// handed_over_ns then moves to the handler's start, since the event was certainly handed over
// by then. The end is clipped to outcome.finished_ns.
void HandlerRun(const std::string& header, int64_t taken_ns, const common::Clock& clock,
                InvocationOutcome& outcome);

}  // namespace offstage::runtime
