// Verdict: what a trace proves about its root and the background work it caused. Every piece of
// that work is judged by its final outcome (an asynchronous event after its retries, an HTTP
// delivery after its retries, a delivery that could not be made, a message that matched no
// subscription), not only by when it ended, so a front whose worker fails can never pass as
// "offloaded" (DESIGN 15; docs/tracing.md "The verdict"). Pure functions over a built Trace.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace offstage::telemetry {

struct Trace;

enum class WorkOutcome { kSucceeded, kFailed, kPending };

// One piece of background work: the unit whose outcome the verdict counts.
struct WorkItem {
  size_t span = 0;   // index into Trace::spans
  std::string what;  // e.g. "worker", "http http://127.0.0.1:9/hook", "topic jobs"
  WorkOutcome outcome = WorkOutcome::kPending;
  bool ran = false;    // a handler ran, or an HTTP request was sent
  std::string detail;  // e.g. "1 of 1 attempts, Error: worker broken"
};

struct Assessment {
  bool root_succeeded = true;
  std::string root_problem;  // why not, e.g. "ERROR (Error: boom)"
  bool replay = false;       // the root is a replay: it returns nothing to a caller
  std::vector<WorkItem> work;
  int ran = 0;
  int succeeded = 0;
  int failed = 0;
  int pending = 0;
  // Why `offstage trace --assert-offloaded` refuses the trace; empty when it passes. With
  // timing_only (--allow-failures) outcomes are not counted: only quiescence, descendants and
  // the root returning first.
  std::vector<std::string> refusals;
  std::vector<std::string> timing_refusals;
  std::string text;  // the one-line verdict
};

// Judges `trace` (whose figures BuildTrace has computed).
Assessment Assess(const Trace& trace);

}  // namespace offstage::telemetry
