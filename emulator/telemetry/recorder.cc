#include "emulator/telemetry/recorder.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::telemetry {

void Recorder::Record(Span span) {
  writer_.Post(
      [span = std::move(span)](storage::Database& db) { return storage::UpsertSpan(db, span); });
}

Span ReplaySpan(std::string id, std::string trace_id, std::string name, int64_t now_ns,
                std::string attrs_json) {
  Span span;
  span.id = std::move(id);
  span.kind = SpanKindName(SpanKind::kReplay);
  span.trace_id = std::move(trace_id);
  span.name = std::move(name);
  span.start_ns = now_ns;
  span.end_ns = now_ns;
  span.status = SpanStatusName(SpanStatus::kSent);
  span.attrs_json = std::move(attrs_json);
  return span;
}

Span SimulatedSpan(std::string id, std::string trace_id, std::string parent, std::string_view hop,
                   int64_t start_ns, int64_t delay_ns) {
  Span span;
  span.id = std::move(id);
  span.kind = SpanKindName(SpanKind::kSimulated);
  span.trace_id = std::move(trace_id);
  if (!parent.empty()) span.parent_id = std::move(parent);
  span.name = "simulated " + std::string(hop) + " latency";
  span.start_ns = start_ns;
  span.end_ns = start_ns + delay_ns;
  span.status = SpanStatusName(SpanStatus::kSimulated);
  span.attrs_json = nlohmann::json{{"hop", hop}, {"simulated_ns", delay_ns}}.dump(
      -1, ' ', false, common::kReplaceInvalidUtf8);
  return span;
}

std::string NewTraceId(int64_t now_ns, const std::string& random_hex16) {
  char time[32];
  std::snprintf(time, sizeof time, "%08llx-%08llx",
                static_cast<unsigned long long>(now_ns / 1'000'000'000),
                static_cast<unsigned long long>(now_ns % 1'000'000'000));
  return "1-" + std::string(time) + random_hex16;
}

std::string NewTraceId(const common::Clock& clock, common::IdGenerator& ids) {
  return NewTraceId(clock.NowNanos(), ids.Hex(8));
}

std::string TraceRootOf(const std::string& header) {
  const size_t root = header.find("Root=");
  if (root == std::string::npos) return "";
  const size_t start = root + 5;
  const size_t end = header.find(';', start);
  std::string id = header.substr(start, end == std::string::npos ? std::string::npos : end - start);
  // X-Ray's ids are "1-<8 hex>-<24 hex>"; anything of letters, digits and hyphens up to 64
  // names a trace too. Other text (bytes that are not UTF-8, spaces, quotes) is not an id:
  // the request starts a trace of its own.
  const bool id_shaped =
      !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      });
  return id_shaped ? id : "";
}

}  // namespace offstage::telemetry
