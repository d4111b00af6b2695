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

common::Result<std::vector<Trace>> TraceQueries::RecentBuilt(int limit) {
  std::vector<std::pair<std::string, std::vector<storage::SpanRow>>> found;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto rows = storage::RecentTraces(db, limit);
    if (!rows) return common::Fail(rows.error());
    for (const auto& row : *rows) {
      auto spans = storage::SpansOfTrace(db, row.trace_id);
      if (!spans) return common::Fail(spans.error());
      found.emplace_back(row.trace_id, std::move(*spans));
    }
    return {};
  });
  if (!status) return common::Fail(status.error());
  std::vector<Trace> out;
  out.reserve(found.size());
  for (auto& [id, spans] : found) out.push_back(BuildTrace(id, std::move(spans)));
  return out;
}

common::Result<std::map<std::string, FunctionStats>> TraceQueries::InvocationStats(int64_t since_ns,
                                                                                   int max_spans) {
  std::vector<storage::SpanRow> spans;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto rows =
        storage::SpansOfKindSince(db, SpanKindName(SpanKind::kInvocation), since_ns, max_spans);
    if (!rows) return common::Fail(rows.error());
    spans = std::move(*rows);
    return {};
  });
  if (!status) return common::Fail(status.error());
  return SummarizeInvocations(spans);
}

common::Result<std::map<std::string, std::map<std::string, int>>> TraceQueries::DeliveryStats(
    int64_t since_ns, int max_spans) {
  std::vector<storage::SpanRow> spans;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto rows =
        storage::SpansOfKindSince(db, SpanKindName(SpanKind::kDelivery), since_ns, max_spans);
    if (!rows) return common::Fail(rows.error());
    spans = std::move(*rows);
    return {};
  });
  if (!status) return common::Fail(status.error());
  return SummarizeDeliveries(spans);
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
