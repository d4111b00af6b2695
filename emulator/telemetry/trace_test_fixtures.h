// Shared fixtures of the telemetry trace tests (trace_test.cc: building a Trace and its
// verdict; render_test.cc: the renderers): the epoch and trace id every figure is relative to,
// the span-row builder Row(), the seed pattern's offloaded trace, and text helpers. A test-only
// header, included by those two files alone.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "emulator/common/json.h"
#include "emulator/telemetry/trace.h"

namespace offstage::telemetry::trace_test {

using nlohmann::json;

inline constexpr int64_t kMs = 1'000'000;
// A realistic epoch in nanoseconds (2026-11): every figure is relative to it.
inline constexpr int64_t kBase = 1'795'790'580'000'000'000;
inline const char* const kTraceId = "1-6b0996f4-e77c41363b2bff745969f2a6";

inline storage::SpanRow Row(const std::string& id, const std::string& kind,
                            const std::optional<std::string>& parent, const std::string& name,
                            int64_t start_ns, std::optional<int64_t> end_ns,
                            const std::string& status, const json& attrs = json::object()) {
  storage::SpanRow row;
  row.id = id;
  row.kind = kind;
  row.trace_id = kTraceId;
  row.parent_id = parent;
  row.name = name;
  row.start_ns = kBase + start_ns;
  if (end_ns) row.end_ns = kBase + *end_ns;
  row.status = status;
  row.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  return row;
}

// The seed pattern, offloaded: front-api (0-13 ms) publishes to "jobs" (5-6 ms); the lambda
// delivery (6 ms) queues an asynchronous event for the worker (6-1000 ms), whose first attempt
// fails after a cold start (init 4 ms from 6 ms, run 10-300 ms) and whose second succeeds
// (400-1000 ms).
inline std::vector<storage::SpanRow> OffloadedRows() {
  return {
      Row("req-front", "invocation", std::nullopt, "front-api", 0, 13 * kMs, "success",
          {{"request_id", "req-front"}, {"cold", false}, {"duration_ms", 13.0}}),
      Row("msg-1", "publish", "req-front", "jobs", 5 * kMs, 6 * kMs, "committed",
          {{"message_id", "msg-1"}, {"topic_arn", "arn:aws:sns:us-east-1:000000000000:jobs"}}),
      Row("dlv-1", "delivery", "msg-1", "lambda worker", 6 * kMs, 6 * kMs, "invoked",
          {{"protocol", "lambda"}, {"request_id", "evt-1"}}),
      Row("evt-1", "event", "dlv-1", "worker", 6 * kMs, 1000 * kMs, "succeeded",
          {{"request_id", "evt-1"}, {"attempts", 2}, {"source", "sns"}}),
      Row("evt-1#1", "invocation", "evt-1", "worker", 10 * kMs, 300 * kMs, "error",
          {{"request_id", "evt-1"},
           {"attempt", 1},
           {"cold", true},
           {"init_ns", 4 * kMs},
           {"error_type", "Error"}}),
      Row("evt-1#2", "invocation", "evt-1", "worker", 400 * kMs, 1000 * kMs, "success",
          {{"request_id", "evt-1"}, {"attempt", 2}, {"cold", false}}),
  };
}

inline Trace OffloadedTrace() {
  auto rows = OffloadedRows();
  // The store answers in no particular order: BuildTrace must not depend on it.
  std::mt19937 shuffle_seed(7);
  std::shuffle(rows.begin(), rows.end(), shuffle_seed);
  return BuildTrace(kTraceId, std::move(rows));
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace offstage::telemetry::trace_test
