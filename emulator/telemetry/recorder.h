// Recorder: where every timed step is written as a span (an invocation, a queued asynchronous
// event, a publish, a delivery), with its trace and causal parent. Recording never blocks the
// caller: spans go to the writer thread as fire-and-forget jobs, batched into its transactions
// (DESIGN 8). Owned by app::Daemon; safe on any thread; no state of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/storage/span_store.h"
#include "emulator/storage/writer.h"

namespace offstage::telemetry {

using Span = storage::SpanRow;

class Recorder {
 public:
  explicit Recorder(storage::Writer& writer) : writer_(writer) {}
  // Writes (or rewrites, by id) a span.
  void Record(Span span);

 private:
  storage::Writer& writer_;
};

// The root span of a replay's new trace (offstage replay), naming what it replays in `attrs`.
Span ReplaySpan(std::string id, std::string trace_id, std::string name, int64_t now_ns,
                std::string attrs_json);

// A delay of a latency profile (serve --latency), as its own span: kind and status
// "simulated", a child of `parent`, from `start_ns` for `delay_ns`, named after its hop.
Span SimulatedSpan(std::string id, std::string trace_id, std::string parent, std::string_view hop,
                   int64_t start_ns, int64_t delay_ns);

// A new trace id in X-Ray's shape, "1-<8 hex seconds>-<24 hex>": the 24 hex digits are the
// nanoseconds within the second (8) and `random_hex16`, so ids made one after another sort in
// time order and the spans' trace index grows at its end instead of at a random leaf each
// (docs/benchmarks.md, "Trace ids in time order").
std::string NewTraceId(int64_t now_ns, const std::string& random_hex16);
// The same, now on `clock`, with 8 random bytes from `ids`: what every new trace takes.
std::string NewTraceId(const common::Clock& clock, common::IdGenerator& ids);
// The Root=... of an X-Amzn-Trace-Id / Lambda trace header, or "" if none or not an id
// (letters, digits and hyphens, at most 64).
std::string TraceRootOf(const std::string& header);

}  // namespace offstage::telemetry
