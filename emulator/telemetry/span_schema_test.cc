// Unit tests of the span schema: each name round-trips, and the statuses lambda/ and sns/
// write from the storage enums are statuses this schema knows (so no verdict reads an event or
// a delivery as kUnknown).
#include "emulator/telemetry/span_schema.h"

#include <doctest/doctest.h>

#include "emulator/storage/async_store.h"
#include "emulator/storage/delivery_store.h"

namespace offstage::telemetry {
namespace {

TEST_CASE("every span kind and status has one name, parsed back to itself") {
  for (int i = 0; i < static_cast<int>(SpanKind::kUnknown); ++i) {
    const auto kind = static_cast<SpanKind>(i);
    CAPTURE(i);
    CHECK(SpanKindName(kind) != "unknown");
    CHECK(ParseSpanKind(SpanKindName(kind)) == kind);
  }
  for (int i = 0; i < static_cast<int>(SpanStatus::kUnknown); ++i) {
    const auto status = static_cast<SpanStatus>(i);
    CAPTURE(i);
    CHECK(SpanStatusName(status) != "unknown");
    CHECK(ParseSpanStatus(SpanStatusName(status)) == status);
  }
  CHECK(ParseSpanKind("Invocation") == SpanKind::kUnknown);
  CHECK(ParseSpanStatus("") == SpanStatus::kUnknown);
}

TEST_CASE("an event's and a delivery's stored names are statuses of the schema") {
  using storage::AsyncEventState;
  CHECK(ParseSpanStatus(storage::AsyncEventStateName(AsyncEventState::kQueued)) ==
        SpanStatus::kQueued);
  CHECK(ParseSpanStatus(storage::AsyncEventStateName(AsyncEventState::kRetrying)) ==
        SpanStatus::kRetrying);
  CHECK(ParseSpanStatus(storage::AsyncEventStateName(AsyncEventState::kSucceeded)) ==
        SpanStatus::kSucceeded);
  CHECK(ParseSpanStatus(storage::AsyncEventStateName(AsyncEventState::kFailed)) ==
        SpanStatus::kFailed);
  CHECK(ParseSpanStatus(storage::AsyncEventStateName(AsyncEventState::kExpired)) ==
        SpanStatus::kExpired);
  using storage::DeliveryStatus;
  CHECK(ParseSpanStatus(storage::DeliveryStatusName(DeliveryStatus::kPending)) ==
        SpanStatus::kPending);
  CHECK(ParseSpanStatus(storage::DeliveryStatusName(DeliveryStatus::kDelivered)) ==
        SpanStatus::kDelivered);
  CHECK(ParseSpanStatus(storage::DeliveryStatusName(DeliveryStatus::kFailed)) ==
        SpanStatus::kFailed);
  CHECK(ParseSpanStatus(storage::DeliveryStatusName(DeliveryStatus::kFiltered)) ==
        SpanStatus::kFiltered);
  CHECK(ParseSpanStatus(storage::DeliveryStatusName(DeliveryStatus::kInvoked)) ==
        SpanStatus::kInvoked);
  CHECK(ParseSpanStatus(storage::DeliveryStatusName(DeliveryStatus::kNotEmulated)) ==
        SpanStatus::kNotEmulated);
}

}  // namespace
}  // namespace offstage::telemetry
