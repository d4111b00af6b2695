// LogRouter: the runtime's LogSink. Prints each environment's log line live on the daemon's
// console, prefixed with the function name (coloured on a TTY, never with NO_COLOR), and
// stores it in SQLite through the writer (batched with everything else, never waited for).
// Owned by app::Daemon; safe on any thread (the Logger and the Writer queue have their own
// leaf mutexes).
#pragma once

#include "emulator/common/log.h"
#include "emulator/runtime/log_sink.h"
#include "emulator/storage/writer.h"

namespace offstage::app {

class LogRouter final : public runtime::LogSink {
 public:
  LogRouter(common::Logger& console, storage::Writer& writer, bool echo);
  void Write(const runtime::LogLine& line) override;

 private:
  common::Logger& console_;
  storage::Writer& writer_;
  const bool echo_;
  const bool color_;
};

}  // namespace offstage::app
