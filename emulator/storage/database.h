// Database and Statement: RAII over sqlite3 and its prepared statements; the only place that
// includes sqlite3.h (DESIGN layout). A Database is used by one thread at a time: the Writer
// thread owns it while the daemon runs (see writer.h); before that, app/ loads state from it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "emulator/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace offstage::storage {

using common::Result;
using common::Status;

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding is 1-based as in SQLite. Returns *this for chaining.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindNull(int index);
  Statement& BindOptional(int index, const std::optional<std::string>& text);

  // Steps once: true while a row is available, false when done. Errors become InternalError.
  Result<bool> Step();
  // Step to completion, then reset for reuse.
  Status Run();
  void Reset();

  int64_t ColumnInt(int index) const;
  std::string ColumnText(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A row reader returns a value, or a Result of one when a stored value can be refused (an
// enum column holding a name this build does not know).
template <typename T>
struct RowValue {
  using type = T;
};
template <typename T>
struct RowValue<Result<T>> {
  using type = T;
};
template <typename Read>
using RowOf = typename RowValue<std::invoke_result_t<Read, const Statement&>>::type;

// Steps `stmt` to its end, turning each row into a value with `read(const Statement&)`, then
// resets it for reuse. The first row `read` refuses fails the whole query.
template <typename Read>
auto CollectRows(Statement& stmt, Read read) -> Result<std::vector<RowOf<Read>>> {
  std::vector<RowOf<Read>> rows;
  while (true) {
    auto row = stmt.Step();
    if (!row) {
      stmt.Reset();
      return common::Fail(row.error());
    }
    if (!*row) break;
    Result<RowOf<Read>> value = read(static_cast<const Statement&>(stmt));
    if (!value) {
      stmt.Reset();
      return common::Fail(value.error());
    }
    rows.push_back(std::move(*value));
  }
  stmt.Reset();
  return rows;
}

// The first row only, or nullopt when there is none.
template <typename Read>
auto FirstRow(Statement& stmt, Read read) -> Result<std::optional<RowOf<Read>>> {
  auto row = stmt.Step();
  if (!row) {
    stmt.Reset();
    return common::Fail(row.error());
  }
  std::optional<RowOf<Read>> out;
  if (*row) {
    Result<RowOf<Read>> value = read(static_cast<const Statement&>(stmt));
    if (!value) {
      stmt.Reset();
      return common::Fail(value.error());
    }
    out = std::move(*value);
  }
  stmt.Reset();
  return out;
}

class Database {
 public:
  // path ":memory:" for an in-memory database. Applies WAL and the numbered migrations.
  // `auto_checkpoint` false leaves checkpoints to a Checkpointer (the daemon's writer).
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                bool auto_checkpoint = true);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Status Exec(std::string_view sql);
  // One statement, prepared once and kept (the writer's BEGIN, SAVEPOINT, RELEASE, COMMIT:
  // parsed at every use by Exec, they were a visible share of a small commit's CPU).
  Status ExecCached(std::string_view sql);
  // Prepared statements are cached by their SQL text and reset before reuse.
  Result<Statement*> Prepare(std::string_view sql);
  int SchemaVersion() const { return schema_version_; }
  // Rows inserted, updated or deleted on this connection since it opened (sqlite3_total_changes64):
  // a batch that moved it wrote something.
  int64_t TotalChanges() const;

  // With auto_checkpoint off: frames in the WAL after the last commit (0 before any, or once a
  // checkpoint found nothing left to copy, so the next commit starts the WAL over).
  int WalFrames() const { return wal_frames_; }
  // The database's page size in bytes (a WAL frame holds one page).
  int PageSize();
  // A PASSIVE checkpoint on this connection, between transactions: copies whatever the
  // Checkpointer has not yet copied, so the next transaction can start the WAL from its
  // beginning (SQLite restarts it only once every frame is in the database file; under
  // continuous writes a checkpoint on another connection never gets there). Returns whether
  // everything was copied. SQLITE_BUSY (the Checkpointer is mid-checkpoint) is false, not an
  // error.
  Result<bool> CheckpointAll();

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  Status Migrate();

  sqlite3* db_;
  int schema_version_ = 0;
  int wal_frames_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace offstage::storage
