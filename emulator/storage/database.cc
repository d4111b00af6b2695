#include "emulator/storage/database.h"

#include <sqlite3.h>

#include "emulator/storage/migrations.h"

namespace offstage::storage {
namespace {

common::ApiError DbError(sqlite3* db, std::string_view what) {
  return common::Internal("database error (" + std::string(what) + "): " + sqlite3_errmsg(db));
}

}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::BindOptional(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto error = DbError(db_, "step");
  sqlite3_reset(stmt_);
  return common::Fail(std::move(error));
}

Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row) return common::Fail(row.error());
    if (!*row) break;
  }
  Reset();
  return {};
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return text ? std::string(text, static_cast<size_t>(size)) : std::string();
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, bool auto_checkpoint) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return common::Fail(common::Internal("cannot open database " + path + ": " + message));
  }
  std::unique_ptr<Database> db(new Database(raw));
  sqlite3_busy_timeout(raw, 5000);
  // WAL + synchronous=NORMAL: a commit is in the WAL (the OS's page cache) when COMMIT returns,
  // so kill -9 of the daemon loses nothing acknowledged; only a power loss could (DESIGN 3).
  // The page size stays SQLite's 4 KiB. 1 KiB pages cut the bytes a Publish writes to the WAL
  // from 32.5 to 11.9 KB (2 KiB: 19.1), but Publish's p99.9 at 5,000/s went from 9-12 ms to
  // 17-26 ms in A/B runs (docs/benchmarks.md, "Counting the work"): a figure users see was not
  // worth a counter.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY"}) {
    if (auto status = db->Exec(pragma); !status) return common::Fail(status.error());
  }
  if (!auto_checkpoint) {
    // Checkpoints run beside the writer (Checkpointer); the writer lets the WAL start over at
    // 128 MiB (Writer). A WAL file grown past 256 MiB (a reader held an old snapshot) is cut
    // back to that when it starts over.
    for (const char* pragma :
         {"PRAGMA wal_autocheckpoint=0", "PRAGMA journal_size_limit=268435456"}) {
      if (auto status = db->Exec(pragma); !status) return common::Fail(status.error());
    }
    // Replaces the (disabled) autocheckpoint hook: only counts the frames.
    sqlite3_wal_hook(
        raw,
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<Database*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        db.get());
  }
  if (auto status = db->Migrate(); !status) return common::Fail(status.error());
  return db;
}

Result<bool> Database::CheckpointAll() {
  int log_frames = 0;
  int copied = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
  if (rc == SQLITE_BUSY) return false;
  if (rc != SQLITE_OK) {
    return common::Fail(common::Internal(std::string("checkpoint: ") + sqlite3_errmsg(db_)));
  }
  if (log_frames != copied) return false;
  wal_frames_ = 0;
  return true;
}

Database::~Database() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close(db_);
}

int64_t Database::TotalChanges() const { return sqlite3_total_changes64(db_); }

Status Database::Exec(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return common::Fail(common::Internal("database error: " + message));
  }
  return {};
}

int Database::PageSize() {
  auto stmt = Prepare("PRAGMA page_size");
  if (!stmt) return 4096;
  auto row = (*stmt)->Step();
  const int size = row && *row ? static_cast<int>((*stmt)->ColumnInt(0)) : 4096;
  (*stmt)->Reset();
  return size > 0 ? size : 4096;
}

Status Database::ExecCached(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return common::Fail(stmt.error());
  return (*stmt)->Run();
}

Result<Statement*> Database::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, key.c_str(), static_cast<int>(key.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return common::Fail(DbError(db_, "prepare"));
  }
  auto owned = std::make_unique<Statement>(db_, stmt);
  Statement* out = owned.get();
  cache_.emplace(std::move(key), std::move(owned));
  return out;
}

Status Database::Migrate() {
  auto version_stmt = Prepare("PRAGMA user_version");
  if (!version_stmt) return common::Fail(version_stmt.error());
  auto row = (*version_stmt)->Step();
  if (!row) return common::Fail(row.error());
  int version = static_cast<int>((*version_stmt)->ColumnInt(0));
  (*version_stmt)->Reset();
  const auto migrations = Migrations();
  if (version > static_cast<int>(migrations.size())) {
    return common::Fail(common::Internal(
        "the database was written by a newer offstage (schema version " + std::to_string(version) +
        ", this build knows " + std::to_string(migrations.size()) + ")"));
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    const std::string sql = "BEGIN;" + std::string(migrations[i]) +
                            "PRAGMA user_version=" + std::to_string(i + 1) + ";COMMIT;";
    if (auto status = Exec(sql); !status) {
      (void)Exec("ROLLBACK");
      return status;
    }
  }
  schema_version_ = static_cast<int>(migrations.size());
  return {};
}

}  // namespace offstage::storage
