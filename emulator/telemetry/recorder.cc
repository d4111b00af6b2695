#include "emulator/telemetry/recorder.h"

#include <cstdio>

namespace offstage::telemetry {

void Recorder::Record(Span span) {
  writer_.Post(
      [span = std::move(span)](storage::Database& db) { return storage::UpsertSpan(db, span); });
}

std::string NewTraceId(int64_t now_ns, const std::string& random_hex24) {
  char epoch[16];
  std::snprintf(epoch, sizeof epoch, "%08llx",
                static_cast<unsigned long long>(now_ns / 1'000'000'000));
  return "1-" + std::string(epoch) + "-" + random_hex24;
}

std::string TraceRootOf(const std::string& header) {
  const size_t root = header.find("Root=");
  if (root == std::string::npos) return "";
  const size_t start = root + 5;
  const size_t end = header.find(';', start);
  return header.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace offstage::telemetry
