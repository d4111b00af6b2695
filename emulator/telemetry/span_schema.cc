#include "emulator/telemetry/span_schema.h"

#include <array>
#include <utility>

#include "emulator/common/enum_names.h"

namespace offstage::telemetry {
namespace {

constexpr std::array<std::pair<SpanKind, std::string_view>, 6> kKinds = {{
    {SpanKind::kInvocation, "invocation"},
    {SpanKind::kEvent, "event"},
    {SpanKind::kPublish, "publish"},
    {SpanKind::kDelivery, "delivery"},
    {SpanKind::kReplay, "replay"},
    {SpanKind::kSimulated, "simulated"},
}};

constexpr std::array<std::pair<SpanStatus, std::string_view>, 20> kStatuses = {{
    {SpanStatus::kRunning, "running"},     {SpanStatus::kSuccess, "success"},
    {SpanStatus::kError, "error"},         {SpanStatus::kTimeout, "timeout"},
    {SpanStatus::kCrash, "crash"},         {SpanStatus::kAborted, "aborted"},
    {SpanStatus::kThrottled, "throttled"}, {SpanStatus::kQueued, "queued"},
    {SpanStatus::kRetrying, "retrying"},   {SpanStatus::kSucceeded, "succeeded"},
    {SpanStatus::kFailed, "failed"},       {SpanStatus::kExpired, "expired"},
    {SpanStatus::kCommitted, "committed"}, {SpanStatus::kPending, "pending"},
    {SpanStatus::kDelivered, "delivered"}, {SpanStatus::kFiltered, "filtered"},
    {SpanStatus::kInvoked, "invoked"},     {SpanStatus::kNotEmulated, "not_emulated"},
    {SpanStatus::kSent, "sent"},           {SpanStatus::kSimulated, "simulated"},
}};

}  // namespace

std::string_view SpanKindName(SpanKind kind) { return common::EnumName(kKinds, kind); }
SpanKind ParseSpanKind(std::string_view name) {
  return common::ParseEnum<SpanKind>(kKinds, name).value_or(SpanKind::kUnknown);
}
std::string_view SpanStatusName(SpanStatus status) { return common::EnumName(kStatuses, status); }
SpanStatus ParseSpanStatus(std::string_view name) {
  return common::ParseEnum<SpanStatus>(kStatuses, name).value_or(SpanStatus::kUnknown);
}

}  // namespace offstage::telemetry
