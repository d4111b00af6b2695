#include "emulator/telemetry/delivery_stats.h"

#include <doctest/doctest.h>

namespace offstage::telemetry {
namespace {

storage::SpanRow Delivery(const std::string& subscription, const std::string& status) {
  storage::SpanRow row;
  row.kind = "delivery";
  row.name = "delivery";
  row.status = status;
  row.attrs_json = subscription.empty() ? "{}" : R"({"subscription_arn":")" + subscription + "\"}";
  return row;
}

TEST_CASE("SummarizeDeliveries counts each subscription's deliveries by status") {
  std::vector<storage::SpanRow> spans = {
      Delivery("arn:a", "delivered"), Delivery("arn:a", "delivered"), Delivery("arn:a", "failed"),
      Delivery("arn:b", "filtered"),  Delivery("arn:b", "invoked"),   Delivery("arn:b", "odd"),
      Delivery("", "delivered"),  // no subscription: not counted
  };
  storage::SpanRow invocation = Delivery("arn:a", "success");
  invocation.kind = "invocation";
  spans.push_back(invocation);
  storage::SpanRow broken = Delivery("arn:a", "delivered");
  broken.attrs_json = "not json";
  spans.push_back(broken);

  auto stats = SummarizeDeliveries(spans);
  REQUIRE(stats.size() == 2);
  CHECK(stats["arn:a"] == std::map<std::string, int>{{"delivered", 2}, {"failed", 1}});
  CHECK(stats["arn:b"] ==
        std::map<std::string, int>{{"filtered", 1}, {"invoked", 1}, {"unknown", 1}});
}

}  // namespace
}  // namespace offstage::telemetry
