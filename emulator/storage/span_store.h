// SQL for telemetry spans, as plain rows. Runs on the Writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/storage/database.h"

namespace offstage::storage {

struct SpanRow {
  std::string id;
  std::string kind;
  std::string trace_id;
  std::optional<std::string> parent_id;
  std::string name;
  int64_t start_ns = 0;
  std::optional<int64_t> end_ns;
  std::string status;
  std::string attrs_json = "{}";
};

// Inserts, or replaces the span with the same id (a span is written when it starts and again
// when it ends).
Status UpsertSpan(Database& db, const SpanRow& row);
Result<std::vector<SpanRow>> SpansOfTrace(Database& db, const std::string& trace_id);
Result<std::optional<SpanRow>> FindSpan(Database& db, const std::string& id);
// A trace in a listing: its id, its first span's start, its span count and its first root.
struct TraceSummaryRow {
  std::string trace_id;
  int64_t start_ns = 0;
  int64_t spans = 0;
  std::string root_name;
  std::string root_kind;
};
// The `limit` traces with the newest root spans (a span without a parent), newest first. A trace
// whose every root was pruned while later spans remain is not listed.
Result<std::vector<TraceSummaryRow>> RecentTraces(Database& db, int limit);
// Its read of the newest roots (?1: how many), answered from the index spans_roots.
std::string_view RecentRootsSql();
// Spans of `kind` that started at or after `since_ns`, the newest first, at most `limit`. Only
// "invocation" and "delivery" spans are indexed by start (migration 13); another kind is refused.
Result<std::vector<SpanRow>> SpansOfKindSince(Database& db, std::string_view kind, int64_t since_ns,
                                              int limit);
// Its read (?1: since, ?2: limit), answered from the kind's partial index; nullopt for a kind
// without one.
std::optional<std::string> SpansOfKindSinceSql(std::string_view kind);

}  // namespace offstage::storage
