// SpanStore (see span_store.h): the SQL of telemetry spans. Runs on the Writer thread.
#include "emulator/storage/span_store.h"

#include <set>

namespace offstage::storage {
namespace {

SpanRow Read(const Statement& s) {
  SpanRow r;
  r.id = s.ColumnText(0);
  r.kind = s.ColumnText(1);
  r.trace_id = s.ColumnText(2);
  if (!s.ColumnIsNull(3)) r.parent_id = s.ColumnText(3);
  r.name = s.ColumnText(4);
  r.start_ns = s.ColumnInt(5);
  if (!s.ColumnIsNull(6)) r.end_ns = s.ColumnInt(6);
  r.status = s.ColumnText(7);
  r.attrs_json = s.ColumnText(8);
  return r;
}

constexpr const char* kColumns =
    "id, kind, trace_id, parent_id, name, start_ns, end_ns, status, attrs";

}  // namespace

Status UpsertSpan(Database& db, const SpanRow& row) {
  auto stmt = db.Prepare(std::string("INSERT OR REPLACE INTO spans (") + kColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!stmt) return common::Fail(stmt.error());
  Statement& s = **stmt;
  s.Bind(1, row.id).Bind(2, row.kind).Bind(3, row.trace_id).BindOptional(4, row.parent_id);
  s.Bind(5, row.name).Bind(6, row.start_ns);
  if (row.end_ns) {
    s.Bind(7, *row.end_ns);
  } else {
    s.BindNull(7);
  }
  s.Bind(8, row.status).Bind(9, row.attrs_json);
  return s.Run();
}

Result<std::vector<SpanRow>> SpansOfTrace(Database& db, const std::string& trace_id) {
  auto stmt = db.Prepare(std::string("SELECT ") + kColumns +
                         " FROM spans WHERE trace_id = ?1 ORDER BY start_ns, id");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, trace_id);
  return CollectRows(**stmt, Read);
}

Result<std::optional<SpanRow>> FindSpan(Database& db, const std::string& id) {
  auto stmt = db.Prepare(std::string("SELECT ") + kColumns + " FROM spans WHERE id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, id);
  return FirstRow(**stmt, Read);
}

std::string_view RecentRootsSql() {
  return "SELECT trace_id FROM spans WHERE parent_id IS NULL ORDER BY start_ns DESC "
         "LIMIT ?1";
}

Result<std::vector<TraceSummaryRow>> RecentTraces(Database& db, int limit) {
  std::vector<TraceSummaryRow> out;
  if (limit <= 0) return out;
  // The newest root spans, from the partial index spans_roots (migration 8): a read of `window`
  // index entries, where grouping every span by trace read the whole table (98 ms at 500,000
  // spans against 0.4 ms). A trace can have several roots (clients that send one
  // X-Amzn-Trace-Id root with every request), so the window grows until it holds `limit`
  // distinct traces or every root.
  auto roots = db.Prepare(std::string(RecentRootsSql()));
  if (!roots) return common::Fail(roots.error());
  std::vector<std::string> traces;
  for (int64_t window = limit;; window *= 2) {
    (*roots)->Bind(1, window);
    auto ids = CollectRows(**roots, [](const Statement& s) { return s.ColumnText(0); });
    if (!ids) return common::Fail(ids.error());
    traces.clear();
    std::set<std::string> seen;
    for (auto& id : *ids) {
      if (static_cast<int>(traces.size()) == limit) break;
      if (seen.insert(id).second) traces.push_back(std::move(id));
    }
    if (static_cast<int>(traces.size()) == limit || static_cast<int64_t>(ids->size()) < window) {
      break;
    }
  }
  // Per trace, from spans_by_trace: its first start, its span count, and its first root.
  auto stats = db.Prepare(
      "SELECT MIN(start_ns), COUNT(*), "
      "(SELECT r.name FROM spans r WHERE r.trace_id = ?1 AND r.parent_id IS NULL "
      " ORDER BY r.start_ns, r.id LIMIT 1), "
      "(SELECT r.kind FROM spans r WHERE r.trace_id = ?1 AND r.parent_id IS NULL "
      " ORDER BY r.start_ns, r.id LIMIT 1) "
      "FROM spans WHERE trace_id = ?1");
  if (!stats) return common::Fail(stats.error());
  for (const auto& trace_id : traces) {
    (*stats)->Bind(1, trace_id);
    auto row = FirstRow(**stats, [&](const Statement& s) {
      return TraceSummaryRow{trace_id, s.ColumnInt(0), s.ColumnInt(1), s.ColumnText(2),
                             s.ColumnText(3)};
    });
    if (!row) return common::Fail(row.error());
    if (*row && (*row)->spans > 0) out.push_back(std::move(**row));  // pruned meanwhile
  }
  return out;
}

std::optional<std::string> SpansOfKindSinceSql(std::string_view kind) {
  if (kind != "invocation" && kind != "delivery") return std::nullopt;
  // The kind is written into the SQL, not bound: only then can SQLite use the kind's partial
  // index (migration 13), whose WHERE the query's must repeat.
  return std::string("SELECT ") + kColumns + " FROM spans WHERE kind = '" + std::string(kind) +
         "' AND start_ns >= ?1 ORDER BY start_ns DESC LIMIT ?2";
}

Result<std::vector<SpanRow>> SpansOfKindSince(Database& db, std::string_view kind, int64_t since_ns,
                                              int limit) {
  const auto sql = SpansOfKindSinceSql(kind);
  if (!sql) {
    return common::Fail(
        common::ErrorCode::kInternalError,
        "spans by start are indexed for invocations and deliveries only, not " + std::string(kind));
  }
  auto stmt = db.Prepare(*sql);
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, since_ns).Bind(2, int64_t{limit});
  return CollectRows(**stmt, Read);
}

}  // namespace offstage::storage
