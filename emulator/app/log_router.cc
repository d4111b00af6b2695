#include "emulator/app/log_router.h"

#include <unistd.h>

#include <cstdlib>
#include <functional>

#include "emulator/storage/lambda_store.h"

namespace offstage::app {
namespace {

const char* StreamName(runtime::LogStream stream) {
  switch (stream) {
    case runtime::LogStream::kStdout:
      return "stdout";
    case runtime::LogStream::kStderr:
      return "stderr";
    case runtime::LogStream::kPlatform:
      return "platform";
  }
  return "stdout";
}

}  // namespace

LogRouter::LogRouter(common::Logger& console, storage::Writer& writer, bool echo)
    : console_(console),
      writer_(writer),
      echo_(echo),
      color_(isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr) {}

void LogRouter::Write(const runtime::LogLine& line) {
  if (echo_) {
    std::string text;
    if (color_) {
      // A stable colour per function name, from the six readable ANSI colours.
      const int colour = 31 + static_cast<int>(std::hash<std::string>{}(line.function_name) % 6);
      text = "\x1b[" + std::to_string(colour) + "m[" + line.function_name + "]\x1b[0m ";
    } else {
      text = "[" + line.function_name + "] ";
    }
    // Multi-line messages from the runtimes arrive with '\r' between lines (one log event).
    for (char c : line.text) text.push_back(c == '\r' ? '\n' : c);
    console_.Info(text);
  }
  storage::LogRow row{line.function_name, line.request_id, StreamName(line.stream),
                      line.timestamp_ns, line.text};
  writer_.Post(
      [row = std::move(row)](storage::Database& db) { return storage::InsertLogLines(db, {row}); });
}

}  // namespace offstage::app
