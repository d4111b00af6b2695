#include "emulator/storage/async_store.h"

#include <array>
#include <utility>

#include "emulator/common/enum_names.h"

namespace offstage::storage {
namespace {

constexpr std::array<std::pair<AsyncEventState, std::string_view>, 5> kStateNames = {{
    {AsyncEventState::kQueued, "queued"},
    {AsyncEventState::kRetrying, "retrying"},
    {AsyncEventState::kSucceeded, "succeeded"},
    {AsyncEventState::kFailed, "failed"},
    {AsyncEventState::kExpired, "expired"},
}};

std::optional<int64_t> OptInt(const Statement& s, int i) {
  if (s.ColumnIsNull(i)) return std::nullopt;
  return s.ColumnInt(i);
}

std::optional<std::string> OptText(const Statement& s, int i) {
  if (s.ColumnIsNull(i)) return std::nullopt;
  return s.ColumnText(i);
}

Statement& BindOptInt(Statement& s, int i, const std::optional<int64_t>& v) {
  return v ? s.Bind(i, *v) : s.BindNull(i);
}

constexpr const char* kEventColumns =
    "request_id, function_arn, invoked_arn, payload, trace_id, source, source_id, state, "
    "attempts, enqueued_ns, next_attempt_ns, finished_ns, disposition, last_error, parent_span";

Result<AsyncEventRow> ReadEvent(const Statement& s) {
  AsyncEventRow r;
  r.request_id = s.ColumnText(0);
  r.function_arn = s.ColumnText(1);
  r.invoked_arn = s.ColumnText(2);
  r.payload = s.ColumnText(3);
  r.trace_id = s.ColumnText(4);
  r.source = s.ColumnText(5);
  r.source_id = s.ColumnText(6);
  const std::string state = s.ColumnText(7);
  auto parsed = ParseAsyncEventState(state);
  if (!parsed) {
    return common::Fail(common::ErrorCode::kInternalError, "async_events row " + r.request_id +
                                                               " has the unknown state '" + state +
                                                               "' (written by a newer offstage?)");
  }
  r.state = *parsed;
  r.attempts = static_cast<int>(s.ColumnInt(8));
  r.enqueued_ns = s.ColumnInt(9);
  r.next_attempt_ns = s.ColumnInt(10);
  r.finished_ns = OptInt(s, 11);
  r.disposition = OptText(s, 12);
  r.last_error = OptText(s, 13);
  r.parent_span = s.ColumnText(14);
  return r;
}

}  // namespace

std::string_view AsyncEventStateName(AsyncEventState state) {
  return common::EnumName(kStateNames, state);
}

std::optional<AsyncEventState> ParseAsyncEventState(std::string_view name) {
  return common::ParseEnum<AsyncEventState>(kStateNames, name);
}

const std::string& UnfinishedAsyncStatesSql() {
  static const std::string sql =
      "('" + std::string(AsyncEventStateName(AsyncEventState::kQueued)) + "', '" +
      std::string(AsyncEventStateName(AsyncEventState::kRetrying)) + "')";
  return sql;
}

Status InsertAsyncEvent(Database& db, const AsyncEventRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO async_events (request_id, function_arn, invoked_arn, payload, trace_id, "
      "source, source_id, state, attempts, enqueued_ns, next_attempt_ns, parent_span) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, row.request_id)
      .Bind(2, row.function_arn)
      .Bind(3, row.invoked_arn)
      .Bind(4, row.payload)
      .Bind(5, row.trace_id)
      .Bind(6, row.source)
      .Bind(7, row.source_id)
      .Bind(8, AsyncEventStateName(row.state))
      .Bind(9, int64_t{row.attempts})
      .Bind(10, row.enqueued_ns)
      .Bind(11, row.next_attempt_ns)
      .Bind(12, row.parent_span);
  return (*stmt)->Run();
}

Status UpdateAsyncEvent(Database& db, const AsyncEventRow& row) {
  auto stmt = db.Prepare(
      "UPDATE async_events SET state = ?2, attempts = ?3, next_attempt_ns = ?4, finished_ns = ?5, "
      "disposition = ?6, last_error = ?7 WHERE request_id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  Statement& s = **stmt;
  s.Bind(1, row.request_id)
      .Bind(2, AsyncEventStateName(row.state))
      .Bind(3, int64_t{row.attempts})
      .Bind(4, row.next_attempt_ns);
  BindOptInt(s, 5, row.finished_ns);
  s.BindOptional(6, row.disposition).BindOptional(7, row.last_error);
  return s.Run();
}

Status InsertAsyncAttempt(Database& db, const AsyncAttemptRow& row) {
  auto stmt = db.Prepare(
      "INSERT OR REPLACE INTO async_attempts (request_id, attempt, dispatched_ns, started_ns, "
      "finished_ns, outcome, error_type, next_retry_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!stmt) return common::Fail(stmt.error());
  Statement& s = **stmt;
  s.Bind(1, row.request_id).Bind(2, int64_t{row.attempt}).Bind(3, row.dispatched_ns);
  BindOptInt(s, 4, row.started_ns);
  s.Bind(5, row.finished_ns).Bind(6, row.outcome).BindOptional(7, row.error_type);
  BindOptInt(s, 8, row.next_retry_ns);
  return s.Run();
}

Result<std::vector<AsyncEventRow>> UnfinishedAsyncEvents(Database& db) {
  auto stmt =
      db.Prepare(std::string("SELECT ") + kEventColumns + " FROM async_events WHERE state IN " +
                 UnfinishedAsyncStatesSql() + " ORDER BY enqueued_ns");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, ReadEvent);
}

Result<std::vector<AsyncEventRow>> FailedAsyncEvents(Database& db, const std::string& function_arn,
                                                     int64_t since_ns) {
  auto stmt = db.Prepare(std::string("SELECT ") + kEventColumns +
                         " FROM async_events WHERE function_arn = ?1 AND state IN ('" +
                         std::string(AsyncEventStateName(AsyncEventState::kFailed)) + "', '" +
                         std::string(AsyncEventStateName(AsyncEventState::kExpired)) +
                         "') AND finished_ns >= ?2 AND redriven_by IS NULL ORDER BY enqueued_ns");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, function_arn).Bind(2, since_ns);
  return CollectRows(**stmt, ReadEvent);
}

Result<std::vector<AsyncEventRow>> RecentFailedAsyncEvents(Database& db, int limit) {
  auto stmt =
      db.Prepare(std::string("SELECT ") + kEventColumns + " FROM async_events WHERE state IN ('" +
                 std::string(AsyncEventStateName(AsyncEventState::kFailed)) + "', '" +
                 std::string(AsyncEventStateName(AsyncEventState::kExpired)) +
                 "') AND redriven_by IS NULL ORDER BY finished_ns DESC LIMIT ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, int64_t{limit});
  return CollectRows(**stmt, ReadEvent);
}

Status MarkRedriven(Database& db, const std::string& request_id, const std::string& replay_id) {
  auto stmt = db.Prepare("UPDATE async_events SET redriven_by = ?2 WHERE request_id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, request_id).Bind(2, replay_id);
  return (*stmt)->Run();
}

Result<std::optional<AsyncEventRow>> FindAsyncEvent(Database& db, const std::string& request_id) {
  auto stmt = db.Prepare(std::string("SELECT ") + kEventColumns +
                         " FROM async_events WHERE request_id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, request_id);
  return FirstRow(**stmt, ReadEvent);
}

Status InsertPayload(Database& db, const std::string& request_id, const std::string& function_arn,
                     const std::string& payload, int64_t ts_ns) {
  auto stmt = db.Prepare(
      "INSERT OR REPLACE INTO payloads (request_id, function_arn, payload, ts_ns) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, request_id).Bind(2, function_arn).Bind(3, payload).Bind(4, ts_ns);
  return (*stmt)->Run();
}

Result<std::optional<std::pair<std::string, std::string>>> FindPayload(
    Database& db, const std::string& request_id) {
  auto stmt = db.Prepare("SELECT function_arn, payload FROM payloads WHERE request_id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, request_id);
  return FirstRow(
      **stmt, [](const Statement& s) { return std::make_pair(s.ColumnText(0), s.ColumnText(1)); });
}

Result<std::vector<AsyncAttemptRow>> AsyncAttempts(Database& db, const std::string& request_id) {
  auto stmt = db.Prepare(
      "SELECT request_id, attempt, dispatched_ns, started_ns, finished_ns, outcome, error_type, "
      "next_retry_ns FROM async_attempts WHERE request_id = ?1 ORDER BY attempt");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, request_id);
  return CollectRows(**stmt, [](const Statement& s) {
    return AsyncAttemptRow{s.ColumnText(0), static_cast<int>(s.ColumnInt(1)),
                           s.ColumnInt(2),  OptInt(s, 3),
                           s.ColumnInt(4),  s.ColumnText(5),
                           OptText(s, 6),   OptInt(s, 7)};
  });
}

}  // namespace offstage::storage
