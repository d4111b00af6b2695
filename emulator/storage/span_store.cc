#include "emulator/storage/span_store.h"

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

Result<std::vector<TraceSummaryRow>> RecentTraces(Database& db, int limit) {
  auto stmt = db.Prepare(
      "SELECT s.trace_id, MIN(s.start_ns), COUNT(*), "
      "(SELECT r.name FROM spans r WHERE r.trace_id = s.trace_id AND r.parent_id IS NULL "
      " ORDER BY r.start_ns LIMIT 1), "
      "(SELECT r.kind FROM spans r WHERE r.trace_id = s.trace_id AND r.parent_id IS NULL "
      " ORDER BY r.start_ns LIMIT 1) "
      "FROM spans s GROUP BY s.trace_id ORDER BY MIN(s.start_ns) DESC LIMIT ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, int64_t{limit});
  return CollectRows(**stmt, [](const Statement& s) {
    return TraceSummaryRow{s.ColumnText(0), s.ColumnInt(1), s.ColumnInt(2), s.ColumnText(3),
                           s.ColumnText(4)};
  });
}

Result<std::vector<SpanRow>> SpansOfKindSince(Database& db, std::string_view kind, int64_t since_ns,
                                              int limit) {
  auto stmt = db.Prepare(std::string("SELECT ") + kColumns +
                         " FROM spans WHERE start_ns >= ?2 AND kind = ?1 ORDER BY start_ns DESC "
                         "LIMIT ?3");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, kind).Bind(2, since_ns).Bind(3, int64_t{limit});
  return CollectRows(**stmt, Read);
}

}  // namespace offstage::storage
