// Trace: the spans of one trace arranged as a causal tree, with the figures that answer "did
// the front function return before the work it handed off finished, and by how much?":
// the root's own duration, the end-to-end time until its last descendant finished, whether it
// offloaded, and the margin. Built from stored spans (TraceQueries) or from the JSON the
// control API sends (the CLI renders it). Plain values; pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/storage/span_store.h"
#include "emulator/telemetry/span_schema.h"
#include "emulator/telemetry/verdict.h"

namespace offstage::telemetry {

struct TraceSpan {
  storage::SpanRow span;
  SpanKind kind = SpanKind::kUnknown;        // span.kind, parsed
  SpanStatus status = SpanStatus::kUnknown;  // span.status, parsed
  nlohmann::json attrs;                      // parsed span.attrs_json
  int depth = 0;
  std::vector<size_t> children;  // indices into Trace::spans
  // The earliest moment the span accounts for. For an invocation: when its caller's request
  // arrived (attrs.received_ns, synchronous invokes) or the daemon began looking for an
  // environment (attrs.invoked_ns), before any cold start (attrs.init_ns before start_ns); the
  // caller waited from here. For every other span, start_ns.
  int64_t begin_ns = 0;
};

struct Trace {
  std::string trace_id;
  std::vector<TraceSpan> spans;  // depth-first, children after their parent, by start time
  bool quiescent = true;         // nothing queued, running or awaiting a retry
  int64_t start_ns = 0;          // the earliest begin_ns
  int64_t end_ns = 0;            // the latest end seen
  // Figures about the root (the first span without a parent in the trace).
  std::string root_name;
  std::string root_kind;
  int64_t root_duration_ns = 0;  // as its caller saw it: root begin_ns -> root end (the
                                 // critical path), cold start and queueing included
  int descendants = 0;
  int64_t end_to_end_ns = 0;  // root begin_ns -> last descendant end (or root end)
  bool offloaded = false;     // the root ended before its last descendant (timing only)
  int64_t margin_ns = 0;      // last descendant end - root end (when offloaded)
  Assessment assessment;      // every piece of background work by its outcome (verdict.h)
};

Trace BuildTrace(const std::string& trace_id, std::vector<storage::SpanRow> rows);
// The trace as it would be without the latency profile's simulated delays (trace
// --without-simulated): the simulated spans removed, and every time after one of them, on the
// causal path it delayed (its parent and the parent's descendants), moved earlier by its length.
Trace WithoutSimulated(const Trace& trace);
nlohmann::json TraceToJson(const Trace& trace);
Trace TraceFromJson(const nlohmann::json& json);

// The one-line verdict, e.g. "front-api returned 987.0 ms before the background work finished
// (critical path 13.0 ms of 1000.0 ms)", or "background work FAILED: worker, 1 of 1 attempts,
// Error: worker broken. front-api returned ..." (trace.assessment.text).
std::string Verdict(const Trace& trace);

struct RenderOptions {
  int width = 100;
  bool color = false;
};
std::string RenderText(const Trace& trace, const RenderOptions& options);
std::string RenderChrome(const Trace& trace);
std::string RenderHtml(const Trace& trace);
// RenderHtml's body without the page around it (the verdict, legend, waterfall and background
// work): the dashboard shows it inside its own page. Every recorded string in it is escaped.
std::string RenderHtmlFragment(const Trace& trace);

}  // namespace offstage::telemetry
