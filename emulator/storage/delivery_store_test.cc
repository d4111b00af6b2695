// Unit tests of delivery_store: the delivery status's names (the only spelling of them, also
// in the migrations' partial index) and which rows a restart resumes.
#include "emulator/storage/delivery_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "emulator/storage/testing/test_database.h"

namespace offstage::storage {
namespace {

TEST_CASE("every delivery status has one name, parsed back to itself") {
  for (DeliveryStatus status :
       {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kFailed,
        DeliveryStatus::kFiltered, DeliveryStatus::kInvoked, DeliveryStatus::kNotEmulated}) {
    const std::string_view name = DeliveryStatusName(status);
    CHECK(name != "unknown");
    CHECK(ParseDeliveryStatus(name) == status);
  }
  CHECK(DeliveryStatusName(DeliveryStatus::kNotEmulated) == "not_emulated");
  CHECK_FALSE(ParseDeliveryStatus("Pending").has_value());
  // CREATE INDEX deliveries_pending ... WHERE status = 'pending' (migration 4).
  CHECK(PendingDeliverySql() == "status = 'pending'");
}

TEST_CASE("only pending deliveries are resumed, with their status") {
  auto opened = testing::OpenMemoryDatabase();
  Database& db = *opened;
  int64_t t = 0;
  for (DeliveryStatus status : {DeliveryStatus::kPending, DeliveryStatus::kDelivered,
                                DeliveryStatus::kFiltered, DeliveryStatus::kPending}) {
    DeliveryRow row;
    row.id = "d" + std::to_string(++t);
    row.message_id = "m";
    row.subscription_arn = "arn:aws:sns:us-east-1:000000000000:t:s";
    row.protocol = "http";
    row.endpoint = "http://127.0.0.1:1/";
    row.status = status;
    row.created_ns = row.updated_ns = t;
    REQUIRE(InsertDelivery(db, row).has_value());
  }
  DeliveryRow failed;
  failed.id = "d4";
  failed.status = DeliveryStatus::kFailed;
  failed.attempts = 3;
  failed.updated_ns = 9;
  REQUIRE(UpdateDelivery(db, failed).has_value());

  auto pending = PendingDeliveries(db);
  REQUIRE(pending.has_value());
  REQUIRE(pending->size() == 1);
  CHECK((*pending)[0].id == "d1");
  CHECK((*pending)[0].status == DeliveryStatus::kPending);
}

}  // namespace
}  // namespace offstage::storage
