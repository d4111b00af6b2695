#include "emulator/telemetry/log_queries.h"

namespace offstage::telemetry {

common::Result<std::vector<LogEntry>> LogQueries::Lines(const std::string& function_name,
                                                        int64_t since_ns, int64_t after_seq,
                                                        int limit, bool newest) {
  std::vector<LogEntry> out;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    std::vector<int64_t> seqs;
    auto rows =
        storage::QueryLogLines(db, function_name, since_ns, after_seq, limit, &seqs, newest);
    if (!rows) return common::Fail(rows.error());
    for (size_t i = 0; i < rows->size(); ++i) {
      out.push_back(LogEntry{seqs[i], std::move((*rows)[i])});
    }
    return {};
  });
  if (!status) return common::Fail(status.error());
  return out;
}

}  // namespace offstage::telemetry
