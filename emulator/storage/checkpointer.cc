#include "emulator/storage/checkpointer.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

namespace offstage::storage {
namespace {

constexpr int64_t kTruncateBytes = int64_t{256} << 20;  // of WAL (the writer restarts at 128)

}  // namespace

Checkpointer::Checkpointer(std::string path, int busy_interval_ms, int idle_interval_ms)
    : path_(std::move(path)),
      busy_interval_ms_(busy_interval_ms),
      idle_interval_ms_(idle_interval_ms),
      thread_([this] { Run(); }) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Stop() {
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t Checkpointer::checkpoints() const {
  common::MutexLock lock(mu_);
  return checkpoints_;
}

void Checkpointer::Run() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 1000);
  // A connection learns the database is in WAL mode when it first reads it; until then a
  // checkpoint does nothing (it reports -1 frames).
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  int page_size = 4096;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) > 0) {
    page_size = sqlite3_column_int(stmt, 0);
  }
  sqlite3_finalize(stmt);
  const int64_t truncate_frames = kTruncateBytes / page_size;
  int last_log_frames = -1;
  int wait_ms = idle_interval_ms_;
  while (true) {
    {
      common::MutexLock lock(mu_);
      cv_.wait_for(lock.native(), std::chrono::milliseconds(wait_ms),
                   [&]() REQUIRES(mu_) { return stopping_; });
      if (stopping_) break;
    }
    int log_frames = 0;
    int checkpointed = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                             &checkpointed);
    if (rc == SQLITE_OK && log_frames > truncate_frames) {
      // The writer could not start the WAL over (a reader kept an old snapshot): make room once,
      // holding the writer for as long as it takes.
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
    // While commits keep coming, stay close behind them: the writer's own checkpoint, which
    // lets the WAL start over, then has only a few milliseconds of frames left to copy.
    const bool busy = rc == SQLITE_OK && log_frames != last_log_frames;
    last_log_frames = rc == SQLITE_OK ? log_frames : last_log_frames;
    wait_ms = busy ? busy_interval_ms_ : std::min(wait_ms * 2, idle_interval_ms_);
    if (rc == SQLITE_OK && checkpointed > 0) {
      common::MutexLock lock(mu_);
      ++checkpoints_;
    }
  }
  sqlite3_close(db);
}

}  // namespace offstage::storage
