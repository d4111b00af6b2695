// Daemon console log: one line per call to stderr, written whole under a mutex so lines from
// different threads never interleave. Owned by app::Daemon (a Logger instance, no globals);
// safe on any thread.
#pragma once

#include <string_view>

#include "emulator/common/mutex.h"

namespace offstage::common {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

class Logger {
 public:
  explicit Logger(LogLevel min_level = LogLevel::kInfo, bool quiet = false);
  void Log(LogLevel level, std::string_view line);
  void Info(std::string_view line) { Log(LogLevel::kInfo, line); }
  void Warn(std::string_view line) { Log(LogLevel::kWarn, line); }
  void Error(std::string_view line) { Log(LogLevel::kError, line); }

 private:
  const LogLevel min_level_;
  const bool quiet_;
  const bool color_;
  Mutex mu_;
};

}  // namespace offstage::common
