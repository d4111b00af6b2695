#include "emulator/telemetry/trace_queries.h"

namespace offstage::telemetry {

common::Result<std::vector<storage::TraceSummaryRow>> TraceQueries::Recent(int limit) {
  std::vector<storage::TraceSummaryRow> out;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto rows = storage::RecentTraces(db, limit);
    if (!rows) return common::Fail(rows.error());
    out = std::move(*rows);
    return {};
  });
  if (!status) return common::Fail(status.error());
  return out;
}

common::Result<std::optional<Trace>> TraceQueries::Get(const std::string& trace_id) {
  std::vector<storage::SpanRow> rows;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto spans = storage::SpansOfTrace(db, trace_id);
    if (!spans) return common::Fail(spans.error());
    rows = std::move(*spans);
    return {};
  });
  if (!status) return common::Fail(status.error());
  if (rows.empty()) return std::optional<Trace>();
  return std::optional<Trace>(BuildTrace(trace_id, std::move(rows)));
}

common::Result<std::optional<storage::SpanRow>> TraceQueries::Span(const std::string& request_id) {
  std::optional<storage::SpanRow> out;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto span = storage::FindSpan(db, request_id);
    if (!span) return common::Fail(span.error());
    out = std::move(*span);
    return {};
  });
  if (!status) return common::Fail(status.error());
  return out;
}

}  // namespace offstage::telemetry
