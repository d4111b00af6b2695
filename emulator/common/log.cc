#include "emulator/common/log.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace offstage::common {

Logger::Logger(LogLevel min_level, bool quiet)
    : min_level_(min_level),
      quiet_(quiet),
      color_(isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr) {}

void Logger::Log(LogLevel level, std::string_view line) {
  if (quiet_ || level < min_level_) return;
  std::string out;
  switch (level) {
    case LogLevel::kDebug:
      out = "debug: ";
      break;
    case LogLevel::kInfo:
      break;
    case LogLevel::kWarn:
      out = color_ ? "\x1b[33mwarning:\x1b[0m " : "warning: ";
      break;
    case LogLevel::kError:
      out = color_ ? "\x1b[31merror:\x1b[0m " : "error: ";
      break;
  }
  out.append(line);
  out.push_back('\n');
  MutexLock lock(mu_);
  // One write(2) per line: whole lines even if another process shares the terminal.
  [[maybe_unused]] ssize_t written = write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace offstage::common
