// LogSink: where an environment's log lines go (the function's stdout/stderr, and the START /
// END / REPORT lines the platform writes). runtime/ owns the interface; app/ wires it to the
// console and to storage. Implementations must be safe to call from any environment's I/O
// thread and must not block for long.
#pragma once

#include <cstdint>
#include <string>

namespace offstage::runtime {

enum class LogStream { kStdout, kStderr, kPlatform };

struct LogLine {
  std::string function_name;
  std::string request_id;  // the invocation running when the line was written; may be empty
  LogStream stream = LogStream::kStdout;
  int64_t timestamp_ns = 0;
  std::string text;  // without the trailing newline
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(const LogLine& line) = 0;
};

}  // namespace offstage::runtime
