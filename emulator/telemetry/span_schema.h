// The span schema telemetry owns: the kinds of span and the statuses each takes, as enums
// beside the names the spans table stores (and lambda/, sns/ write: an event's status is a
// storage::AsyncEventState name, a delivery's a storage::DeliveryStatus name; unit tests pin
// both). A trace's figures and verdict read the enums, parsed once per span (BuildTrace); a
// name this build does not know is kUnknown, never guessed. Pure; no state.
#pragma once

#include <string_view>

namespace offstage::telemetry {

// kSimulated: a delay a latency profile added on purpose (serve --latency; docs/realism.md),
// never part of a measured span.
enum class SpanKind { kInvocation, kEvent, kPublish, kDelivery, kReplay, kSimulated, kUnknown };

enum class SpanStatus {
  // invocation
  kRunning,
  kSuccess,
  kError,
  kTimeout,
  kCrash,
  kAborted,
  kThrottled,
  // event (storage::AsyncEventState)
  kQueued,
  kRetrying,
  kSucceeded,
  kFailed,  // also a delivery's
  kExpired,
  // publish
  kCommitted,
  // delivery (storage::DeliveryStatus)
  kPending,
  kDelivered,
  kFiltered,
  kInvoked,
  kNotEmulated,
  // replay
  kSent,
  // simulated
  kSimulated,
  kUnknown,
};

std::string_view SpanKindName(SpanKind kind);
SpanKind ParseSpanKind(std::string_view name);
std::string_view SpanStatusName(SpanStatus status);
SpanStatus ParseSpanStatus(std::string_view name);

}  // namespace offstage::telemetry
