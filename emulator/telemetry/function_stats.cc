#include "emulator/telemetry/function_stats.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "emulator/telemetry/span_schema.h"

namespace offstage::telemetry {

int64_t Percentile(std::vector<int64_t>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, double(values.size()))) - 1;
  return values[index];
}

std::map<std::string, FunctionStats> SummarizeInvocations(
    const std::vector<storage::SpanRow>& spans) {
  std::map<std::string, FunctionStats> out;
  std::map<std::string, std::vector<int64_t>> durations;
  for (const auto& span : spans) {
    if (ParseSpanKind(span.kind) != SpanKind::kInvocation) continue;
    FunctionStats& stats = out[span.name];
    const SpanStatus status = ParseSpanStatus(span.status);
    if (!span.end_ns || status == SpanStatus::kRunning) {
      ++stats.running;
      continue;
    }
    ++stats.invocations;
    switch (status) {
      case SpanStatus::kThrottled:
        ++stats.throttles;
        continue;  // it never ran: no duration, no cold start
      case SpanStatus::kSuccess:
        break;
      default:
        ++stats.errors;
        break;
    }
    const auto attrs = nlohmann::json::parse(span.attrs_json, nullptr, /*allow_exceptions=*/false);
    if (attrs.is_object()) {
      auto cold = attrs.find("cold");
      if (cold != attrs.end() && cold->is_boolean() && cold->get<bool>()) ++stats.cold_starts;
    }
    durations[span.name].push_back(*span.end_ns - span.start_ns);
  }
  for (auto& [name, values] : durations) {
    out[name].p99_ns = Percentile(values, 99);
    out[name].p50_ns = Percentile(values, 50);
  }
  return out;
}

}  // namespace offstage::telemetry
