// Checkpointer: moves the WAL's pages into the database file from a thread of its own, on a
// connection of its own, so the writer never stalls on a checkpoint (SQLite's automatic
// checkpoints run inside the committing transaction and fsync; measured here as ~1 s stalls
// of every Publish under load). PASSIVE checkpoints never block the writer. While commits keep
// coming it runs every `busy_interval_ms`, so that the writer's own checkpoint (Writer,
// Database::CheckpointAll), the one that lets the WAL start over, has little left to copy;
// when idle it backs off to `idle_interval_ms`. Owned by app::Daemon; nothing to do for an
// in-memory database. Thread model: one thread; Stop() joins.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <string>
#include <thread>

#include "emulator/common/mutex.h"

namespace offstage::storage {

class Checkpointer {
 public:
  // `path` is the database file.
  explicit Checkpointer(std::string path, int busy_interval_ms = 10, int idle_interval_ms = 250);
  ~Checkpointer();  // Stop()
  void Stop();
  uint64_t checkpoints() const;

 private:
  void Run();

  const std::string path_;
  const int busy_interval_ms_;
  const int idle_interval_ms_;
  mutable common::Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  uint64_t checkpoints_ GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace offstage::storage
