// SQL for SNS deliveries (one row per message and subscription), as plain rows; the delivery's
// status as an enum, whose names are the only spelling of it (in rows, in this file's SQL, the
// pruner's and a delivery span's status). Runs on the Writer thread;
// DeliveryStatusName/ParseDeliveryStatus are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/storage/database.h"

namespace offstage::storage {

// Pending: an HTTP/S delivery with attempts still to make (the only unfinished status).
// Delivered/Failed: its outcome. Filtered: the filter policy did not match. Invoked: a
// Lambda subscription's asynchronous event was accepted (its own state is the event's).
// NotEmulated: a protocol offstage does not deliver to (email, sms, ...).
enum class DeliveryStatus { kPending, kDelivered, kFailed, kFiltered, kInvoked, kNotEmulated };

// "pending", "delivered", "failed", "filtered", "invoked", "not_emulated".
std::string_view DeliveryStatusName(DeliveryStatus status);
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);
// The SQL condition of an unfinished delivery: "status = 'pending'".
const std::string& PendingDeliverySql();

struct DeliveryRow {
  std::string id;
  std::string message_id;
  std::string subscription_arn;
  std::string protocol;
  std::string endpoint;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::optional<std::string> reason;
  std::optional<std::string> async_request_id;
  int attempts = 0;
  int64_t created_ns = 0;
  int64_t updated_ns = 0;
  std::optional<int64_t> next_attempt_ns;
  std::optional<std::string> request;  // JSON
};

Status InsertDelivery(Database& db, const DeliveryRow& row);
// Updates status, reason, attempts, updated_ns and next_attempt_ns.
Status UpdateDelivery(Database& db, const DeliveryRow& row);
Result<std::vector<DeliveryRow>> PendingDeliveries(Database& db);
// Deliveries that ended failed (HTTP/S retries exhausted), the most recently updated first, at
// most `limit`.
Result<std::vector<DeliveryRow>> FailedDeliveries(Database& db, int limit);

}  // namespace offstage::storage
