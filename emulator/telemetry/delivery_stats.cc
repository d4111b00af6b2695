#include "emulator/telemetry/delivery_stats.h"

#include <nlohmann/json.hpp>

#include "emulator/telemetry/span_schema.h"

namespace offstage::telemetry {

std::map<std::string, std::map<std::string, int>> SummarizeDeliveries(
    const std::vector<storage::SpanRow>& spans) {
  std::map<std::string, std::map<std::string, int>> out;
  for (const auto& span : spans) {
    if (ParseSpanKind(span.kind) != SpanKind::kDelivery) continue;
    const auto attrs = nlohmann::json::parse(span.attrs_json, nullptr, /*allow_exceptions=*/false);
    if (!attrs.is_object()) continue;
    auto it = attrs.find("subscription_arn");
    if (it == attrs.end() || !it->is_string()) continue;
    const SpanStatus status = ParseSpanStatus(span.status);
    const std::string name =
        status == SpanStatus::kUnknown ? "unknown" : std::string(SpanStatusName(status));
    ++out[it->get<std::string>()][name];
  }
  return out;
}

}  // namespace offstage::telemetry
