#include "emulator/storage/checkpointer.h"

#include <sqlite3.h>

#include <chrono>

namespace offstage::storage {
namespace {

constexpr int kTruncateFrames = 32768;  // about 128 MiB of WAL

}  // namespace

Checkpointer::Checkpointer(std::string path, int interval_ms)
    : path_(std::move(path)), interval_ms_(interval_ms), thread_([this] { Run(); }) {}

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
  while (true) {
    {
      common::MutexLock lock(mu_);
      cv_.wait_for(lock.native(), std::chrono::milliseconds(interval_ms_),
                   [&]() REQUIRES(mu_) { return stopping_; });
      if (stopping_) break;
    }
    int log_frames = 0;
    int checkpointed = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                             &checkpointed);

    if (rc == SQLITE_OK && log_frames > kTruncateFrames) {
      // Writes outpace the passive checkpoints: make room once, briefly holding the writer.
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
    if (rc == SQLITE_OK && checkpointed > 0) {
      common::MutexLock lock(mu_);
      ++checkpoints_;
    }
  }
  sqlite3_close(db);
}

}  // namespace offstage::storage
