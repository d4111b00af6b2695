#include "emulator/storage/delivery_store.h"

#include <array>
#include <utility>

#include "emulator/common/enum_names.h"

namespace offstage::storage {
namespace {

constexpr std::array<std::pair<DeliveryStatus, std::string_view>, 6> kStatusNames = {{
    {DeliveryStatus::kPending, "pending"},
    {DeliveryStatus::kDelivered, "delivered"},
    {DeliveryStatus::kFailed, "failed"},
    {DeliveryStatus::kFiltered, "filtered"},
    {DeliveryStatus::kInvoked, "invoked"},
    {DeliveryStatus::kNotEmulated, "not_emulated"},
}};

constexpr const char* kColumns =
    "id, message_id, subscription_arn, protocol, endpoint, status, reason, async_request_id, "
    "attempts, created_ns, updated_ns, next_attempt_ns, request";

Result<DeliveryRow> Read(const Statement& s) {
  DeliveryRow r;
  r.id = s.ColumnText(0);
  r.message_id = s.ColumnText(1);
  r.subscription_arn = s.ColumnText(2);
  r.protocol = s.ColumnText(3);
  r.endpoint = s.ColumnText(4);
  const std::string status = s.ColumnText(5);
  auto parsed = ParseDeliveryStatus(status);
  if (!parsed) {
    return common::Fail(common::ErrorCode::kInternalError,
                        "deliveries row " + r.id + " has the unknown status '" + status +
                            "' (written by a newer offstage?)");
  }
  r.status = *parsed;
  if (!s.ColumnIsNull(6)) r.reason = s.ColumnText(6);
  if (!s.ColumnIsNull(7)) r.async_request_id = s.ColumnText(7);
  r.attempts = static_cast<int>(s.ColumnInt(8));
  r.created_ns = s.ColumnInt(9);
  r.updated_ns = s.ColumnInt(10);
  if (!s.ColumnIsNull(11)) r.next_attempt_ns = s.ColumnInt(11);
  if (!s.ColumnIsNull(12)) r.request = s.ColumnText(12);
  return r;
}

Result<std::vector<DeliveryRow>> Query(Database& db, const std::string& where,
                                       const std::optional<std::string>& arg) {
  auto stmt = db.Prepare(std::string("SELECT ") + kColumns + " FROM deliveries WHERE " + where);
  if (!stmt) return common::Fail(stmt.error());
  if (arg) (*stmt)->Bind(1, *arg);
  return CollectRows(**stmt, Read);
}

}  // namespace

std::string_view DeliveryStatusName(DeliveryStatus status) {
  return common::EnumName(kStatusNames, status);
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) {
  return common::ParseEnum<DeliveryStatus>(kStatusNames, name);
}

const std::string& PendingDeliverySql() {
  static const std::string sql =
      "status = '" + std::string(DeliveryStatusName(DeliveryStatus::kPending)) + "'";
  return sql;
}

Status InsertDelivery(Database& db, const DeliveryRow& row) {
  auto stmt = db.Prepare(std::string("INSERT INTO deliveries (") + kColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!stmt) return common::Fail(stmt.error());
  Statement& s = **stmt;
  s.Bind(1, row.id)
      .Bind(2, row.message_id)
      .Bind(3, row.subscription_arn)
      .Bind(4, row.protocol)
      .Bind(5, row.endpoint)
      .Bind(6, DeliveryStatusName(row.status))
      .BindOptional(7, row.reason)
      .BindOptional(8, row.async_request_id)
      .Bind(9, int64_t{row.attempts})
      .Bind(10, row.created_ns)
      .Bind(11, row.updated_ns);
  if (row.next_attempt_ns) {
    s.Bind(12, *row.next_attempt_ns);
  } else {
    s.BindNull(12);
  }
  s.BindOptional(13, row.request);
  return s.Run();
}

Status UpdateDelivery(Database& db, const DeliveryRow& row) {
  auto stmt = db.Prepare(
      "UPDATE deliveries SET status = ?2, reason = ?3, attempts = ?4, updated_ns = ?5, "
      "next_attempt_ns = ?6 WHERE id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  Statement& s = **stmt;
  s.Bind(1, row.id)
      .Bind(2, DeliveryStatusName(row.status))
      .BindOptional(3, row.reason)
      .Bind(4, int64_t{row.attempts});
  s.Bind(5, row.updated_ns);
  if (row.next_attempt_ns) {
    s.Bind(6, *row.next_attempt_ns);
  } else {
    s.BindNull(6);
  }
  return s.Run();
}

Result<std::vector<DeliveryRow>> PendingDeliveries(Database& db) {
  return Query(db, PendingDeliverySql() + " ORDER BY created_ns", std::nullopt);
}

Result<std::vector<DeliveryRow>> FailedDeliveries(Database& db, int limit) {
  return Query(db,
               "status = '" + std::string(DeliveryStatusName(DeliveryStatus::kFailed)) +
                   "' ORDER BY updated_ns DESC LIMIT " + std::to_string(limit),
               std::nullopt);
}

}  // namespace offstage::storage
