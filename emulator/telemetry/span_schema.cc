#include "emulator/telemetry/span_schema.h"

#include <array>
#include <utility>

namespace offstage::telemetry {
namespace {

constexpr std::array<std::pair<SpanKind, std::string_view>, 5> kKinds = {{
    {SpanKind::kInvocation, "invocation"},
    {SpanKind::kEvent, "event"},
    {SpanKind::kPublish, "publish"},
    {SpanKind::kDelivery, "delivery"},
    {SpanKind::kReplay, "replay"},
}};

constexpr std::array<std::pair<SpanStatus, std::string_view>, 19> kStatuses = {{
    {SpanStatus::kRunning, "running"},     {SpanStatus::kSuccess, "success"},
    {SpanStatus::kError, "error"},         {SpanStatus::kTimeout, "timeout"},
    {SpanStatus::kCrash, "crash"},         {SpanStatus::kAborted, "aborted"},
    {SpanStatus::kThrottled, "throttled"}, {SpanStatus::kQueued, "queued"},
    {SpanStatus::kRetrying, "retrying"},   {SpanStatus::kSucceeded, "succeeded"},
    {SpanStatus::kFailed, "failed"},       {SpanStatus::kExpired, "expired"},
    {SpanStatus::kCommitted, "committed"}, {SpanStatus::kPending, "pending"},
    {SpanStatus::kDelivered, "delivered"}, {SpanStatus::kFiltered, "filtered"},
    {SpanStatus::kInvoked, "invoked"},     {SpanStatus::kNotEmulated, "not_emulated"},
    {SpanStatus::kSent, "sent"},
}};

template <typename Table, typename Enum>
std::string_view NameIn(const Table& table, Enum value) {
  for (const auto& [known, name] : table) {
    if (known == value) return name;
  }
  return "unknown";
}

template <typename Table, typename Enum>
Enum ParseIn(const Table& table, std::string_view name, Enum unknown) {
  for (const auto& [value, known] : table) {
    if (known == name) return value;
  }
  return unknown;
}

}  // namespace

std::string_view SpanKindName(SpanKind kind) { return NameIn(kKinds, kind); }
SpanKind ParseSpanKind(std::string_view name) { return ParseIn(kKinds, name, SpanKind::kUnknown); }
std::string_view SpanStatusName(SpanStatus status) { return NameIn(kStatuses, status); }
SpanStatus ParseSpanStatus(std::string_view name) {
  return ParseIn(kStatuses, name, SpanStatus::kUnknown);
}

}  // namespace offstage::telemetry
