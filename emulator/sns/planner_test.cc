// The planner: what a topic's message owes (confirmed subscriptions only, each with its parsed
// filter and plan), a replay narrowed to one subscription (its filter dropped), and a filter
// policy refused with AWS's wording. Pure functions over a hand-built TopicState.
#include "emulator/sns/planner.h"

#include <doctest/doctest.h>

namespace offstage::sns {

TEST_CASE("TargetsOf: the confirmed subscriptions of the topic, as planned") {
  TopicState state;
  const std::string topic = "arn:aws:sns:us-east-1:000000000000:t";
  state.topics[topic] = Topic{topic, "t", "us-east-1", "000000000000", {}, {}, 1};
  auto add = [&](const std::string& arn, bool confirmed, AttributeMap attributes) {
    Subscription sub;
    sub.arn = arn;
    sub.topic_arn = arn.substr(0, arn.rfind(':'));
    sub.protocol = "http";
    sub.endpoint = "http://127.0.0.1:9/";
    sub.confirmed = confirmed;
    sub.attributes = std::move(attributes);
    auto filter = ParseFilter(sub.attributes, "");
    REQUIRE(filter.has_value());
    sub.filter = *filter;
    Replan(sub, state.topic(sub.topic_arn));
    state.subscriptions[arn] = std::move(sub);
  };
  add(topic + ":1", true, {{"RawMessageDelivery", "true"}, {"FilterPolicy", R"({"a":["x"]})"}});
  add(topic + ":2", false, {});
  add(topic + "2:3", true, {});  // another topic whose ARN starts the same
  auto targets = TargetsOf(state, topic);
  REQUIRE(targets.size() == 1);
  CHECK(targets[0].subscription_arn == topic + ":1");
  CHECK(targets[0].raw);
  CHECK(targets[0].filter != nullptr);
  REQUIRE(targets[0].http_plan != nullptr);
  CHECK(targets[0].http_plan->retry_delays_ns.size() == 3);

  KeepOnly(targets, topic + ":1");
  REQUIRE(targets.size() == 1);
  CHECK(targets[0].filter == nullptr);  // a replay to one subscription ignores its filter
  KeepOnly(targets, topic + ":2");
  CHECK(targets.empty());
}

TEST_CASE("ParseFilter: none, valid, and refused with the reason's prefix") {
  CHECK(*ParseFilter({}, "") == nullptr);
  CHECK(*ParseFilter({{"FilterPolicy", R"({"a":["x"]})"}}, "") != nullptr);
  auto refused = ParseFilter({{"FilterPolicy", R"({"a":"x"})"}}, "Attributes Reason: ");
  REQUIRE_FALSE(refused.has_value());
  CHECK(
      refused.error().message.starts_with("Invalid parameter: Attributes Reason: FilterPolicy: "));
}

}  // namespace offstage::sns
