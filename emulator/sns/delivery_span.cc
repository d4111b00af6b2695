#include "emulator/sns/delivery_span.h"

#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::sns {

telemetry::Span DeliverySpan(const storage::DeliveryRow& row, const std::string& trace_id,
                             int64_t start_ns, std::optional<int64_t> end_ns,
                             const std::vector<std::string>& injected) {
  telemetry::Span span;
  span.id = row.id;
  span.kind = telemetry::SpanKindName(telemetry::SpanKind::kDelivery);
  span.trace_id = trace_id;
  span.parent_id = row.message_id;
  const bool arn = row.endpoint.starts_with("arn:");
  span.name =
      row.protocol + " " + (arn ? row.endpoint.substr(row.endpoint.rfind(':') + 1) : row.endpoint);
  span.start_ns = start_ns;
  if (row.status != storage::DeliveryStatus::kPending) span.end_ns = end_ns;
  span.status = storage::DeliveryStatusName(row.status);
  nlohmann::json attrs = {{"subscription_arn", row.subscription_arn},
                          {"endpoint", row.endpoint},
                          {"protocol", row.protocol}};
  if (row.reason) attrs["reason"] = *row.reason;
  if (row.async_request_id) attrs["request_id"] = *row.async_request_id;
  if (row.attempts > 0) attrs["attempts"] = row.attempts;
  if (!injected.empty()) {
    std::string text;
    for (const std::string& what : injected) text += (text.empty() ? "" : "; ") + what;
    attrs["injected"] = text;
  }
  span.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  return span;
}

}  // namespace offstage::sns
