// DeliveryStats: what a subscription's recent delivery spans say about it (the dashboard's
// Topics view): how many messages it was delivered, filtered out, failed, and so on, counted by
// the delivery's final status. Pure: no state, safe on any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "emulator/storage/span_store.h"

namespace offstage::telemetry {

// Subscription ARN -> (a delivery status name, e.g. "delivered", "filtered", "failed" ->
// count), from the delivery spans given. Spans of other kinds, or without a subscription, are
// ignored; a status this build does not know is counted as "unknown".
std::map<std::string, std::map<std::string, int>> SummarizeDeliveries(
    const std::vector<storage::SpanRow>& spans);

}  // namespace offstage::telemetry
