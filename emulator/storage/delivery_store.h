// SQL for SNS deliveries (one row per message and subscription), as plain rows. Runs on the
// Writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/storage/database.h"

namespace offstage::storage {

struct DeliveryRow {
  std::string id;
  std::string message_id;
  std::string subscription_arn;
  std::string protocol;
  std::string endpoint;
  std::string status;
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
Result<std::vector<DeliveryRow>> DeliveriesOfMessage(Database& db, const std::string& message_id);

}  // namespace offstage::storage
