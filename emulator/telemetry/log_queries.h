// LogQueries: reads the stored log lines of functions for the control API and `offstage logs`.
// Runs its SQL on the writer thread (the one owner of the database), so a query waits behind
// at most one batch. Owned by app::Daemon; safe on any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/storage/lambda_store.h"
#include "emulator/storage/writer.h"

namespace offstage::telemetry {

struct LogEntry {
  int64_t seq = 0;
  storage::LogRow row;
};

class LogQueries {
 public:
  explicit LogQueries(storage::Writer& writer) : writer_(writer) {}

  // Lines of `function_name` ("": every function's) with timestamp >= since_ns and seq >
  // after_seq, oldest first: the first `limit` of them, or with `newest` the last `limit`.
  common::Result<std::vector<LogEntry>> Lines(const std::string& function_name, int64_t since_ns,
                                              int64_t after_seq, int limit, bool newest = false);

 private:
  storage::Writer& writer_;
};

}  // namespace offstage::telemetry
