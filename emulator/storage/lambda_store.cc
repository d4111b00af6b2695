#include "emulator/storage/lambda_store.h"

#include <algorithm>

namespace offstage::storage {

namespace {

// `table` is "functions" or "layers": the two share one shape.
Status Upsert(Database& db, const char* table, const FunctionRow& row) {
  auto stmt =
      db.Prepare(std::string("INSERT INTO ") + table +
                 " (arn, name, region, account, config, created_ns) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(arn) DO UPDATE SET config = ?5");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, row.arn)
      .Bind(2, row.name)
      .Bind(3, row.region)
      .Bind(4, row.account)
      .Bind(5, row.config_json)
      .Bind(6, row.created_ns);
  return (*stmt)->Run();
}

Status Delete(Database& db, const char* table, const std::string& arn) {
  auto stmt = db.Prepare(std::string("DELETE FROM ") + table + " WHERE arn = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, arn);
  return (*stmt)->Run();
}

Result<std::vector<FunctionRow>> Load(Database& db, const char* table) {
  auto stmt =
      db.Prepare(std::string("SELECT arn, name, region, account, config, created_ns FROM ") +
                 table + " ORDER BY arn");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    return FunctionRow{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2),
                       s.ColumnText(3), s.ColumnText(4), s.ColumnInt(5)};
  });
}

}  // namespace

Status UpsertFunction(Database& db, const FunctionRow& row) { return Upsert(db, "functions", row); }
Status DeleteFunction(Database& db, const std::string& arn) { return Delete(db, "functions", arn); }
Result<std::vector<FunctionRow>> LoadFunctions(Database& db) { return Load(db, "functions"); }
Status UpsertLayer(Database& db, const LayerRow& row) { return Upsert(db, "layers", row); }
Status DeleteLayer(Database& db, const std::string& arn) { return Delete(db, "layers", arn); }
Result<std::vector<LayerRow>> LoadLayers(Database& db) { return Load(db, "layers"); }

Status InsertLogLines(Database& db, const std::vector<LogRow>& rows) {
  auto stmt = db.Prepare(
      "INSERT INTO log_lines (function_name, request_id, stream, ts_ns, text) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return common::Fail(stmt.error());
  for (const LogRow& row : rows) {
    (*stmt)
        ->Bind(1, row.function_name)
        .Bind(2, row.request_id)
        .Bind(3, row.stream)
        .Bind(4, row.ts_ns)
        .Bind(5, row.text);
    if (auto status = (*stmt)->Run(); !status) return status;
  }
  return {};
}

Result<std::vector<LogRow>> QueryLogLines(Database& db, const std::string& function_name,
                                          int64_t since_ns, int64_t after_seq, int limit,
                                          std::vector<int64_t>* seqs, bool newest) {
  std::string sql =
      "SELECT seq, function_name, request_id, stream, ts_ns, text FROM log_lines WHERE "
      "ts_ns >= ?2 AND seq > ?3";
  if (!function_name.empty()) sql += " AND function_name = ?1";
  sql += newest ? " ORDER BY seq DESC LIMIT ?4" : " ORDER BY seq LIMIT ?4";
  auto stmt = db.Prepare(sql);
  if (!stmt) return common::Fail(stmt.error());
  if (!function_name.empty()) (*stmt)->Bind(1, function_name);
  (*stmt)->Bind(2, since_ns).Bind(3, after_seq).Bind(4, int64_t{limit});
  std::vector<LogRow> rows;
  std::vector<int64_t> found;
  while (true) {
    auto row = (*stmt)->Step();
    if (!row) return common::Fail(row.error());
    if (!*row) break;
    Statement& s = **stmt;
    found.push_back(s.ColumnInt(0));
    rows.push_back(
        LogRow{s.ColumnText(1), s.ColumnText(2), s.ColumnText(3), s.ColumnInt(4), s.ColumnText(5)});
  }
  (*stmt)->Reset();
  if (newest) {
    std::reverse(rows.begin(), rows.end());
    std::reverse(found.begin(), found.end());
  }
  if (seqs) seqs->insert(seqs->end(), found.begin(), found.end());
  return rows;
}

}  // namespace offstage::storage
