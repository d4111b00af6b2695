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

namespace offstage::telemetry {

struct TraceSpan {
  storage::SpanRow span;
  nlohmann::json attrs;  // parsed span.attrs_json
  int depth = 0;
  std::vector<size_t> children;  // indices into Trace::spans
};

struct Trace {
  std::string trace_id;
  std::vector<TraceSpan> spans;  // depth-first, children after their parent, by start time
  bool quiescent = true;         // nothing queued, running or awaiting a retry
  int64_t start_ns = 0;          // the earliest start
  int64_t end_ns = 0;            // the latest end seen
  // Figures about the root (the first span without a parent in the trace).
  std::string root_name;
  std::string root_kind;
  int64_t root_duration_ns = 0;
  int descendants = 0;
  int64_t end_to_end_ns = 0;  // root start -> last descendant end (or root end)
  bool offloaded = false;     // the root ended before its last descendant
  int64_t margin_ns = 0;      // last descendant end - root end (when offloaded)
};

Trace BuildTrace(const std::string& trace_id, std::vector<storage::SpanRow> rows);
nlohmann::json TraceToJson(const Trace& trace);
Trace TraceFromJson(const nlohmann::json& json);

// The one-line verdict, e.g. "front-api returned 987.0 ms before the background work finished
// (critical path 13.0 ms of 1000.0 ms)".
std::string Verdict(const Trace& trace);

struct RenderOptions {
  int width = 100;
  bool color = false;
};
std::string RenderText(const Trace& trace, const RenderOptions& options);
std::string RenderChrome(const Trace& trace);
std::string RenderHtml(const Trace& trace);

}  // namespace offstage::telemetry
