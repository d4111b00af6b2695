// DeliverySpan: the trace span of one SNS delivery (kind "delivery", child of the message's
// publish span), built from its row in one place: the fan-out records it when the delivery is
// planned, HttpDeliverer again when an HTTP/S delivery ends (same id, so the second replaces
// the first). Pure; no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/storage/delivery_store.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::sns {

// Name: the protocol and the endpoint's last ARN component (a function, queue or topic name),
// or the whole endpoint when it is not an ARN (a URL, an address). Status: the row's. Ends at
// `end_ns`, or not yet while the row is pending.
// `injected`: the faults injected into it (offstage faults), each described; `attrs.injected`.
telemetry::Span DeliverySpan(const storage::DeliveryRow& row, const std::string& trace_id,
                             int64_t start_ns, std::optional<int64_t> end_ns,
                             const std::vector<std::string>& injected = {});

}  // namespace offstage::sns
