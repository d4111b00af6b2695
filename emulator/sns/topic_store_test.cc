// TopicStore: a change is validated on a copy, committed, and only then visible; a change that
// fails, or whose commit fails, leaves memory and database as they were; subscriptions follow
// their topic (re-planned when its DeliveryPolicy changes, deleted with it); Load restores what
// was committed. In-memory database, real Writer.
#include "emulator/sns/topic_store.h"

#include <doctest/doctest.h>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::sns {
namespace {

const std::string kArn = "arn:aws:sns:us-east-1:000000000000:t";

struct Fixture {
  common::testing::FakeClock clock;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  storage::testing::TestDatabase storage{clock};
  TopicStore store{*storage.writer, log};

  Status Create(const std::string& arn, AttributeMap attributes = {}) {
    return store.UpdateTopic(arn, [&](const TopicState&, std::optional<Topic>& topic) {
      topic = Topic{arn,
                    arn.substr(arn.rfind(':') + 1),
                    "us-east-1",
                    "000000000000",
                    std::move(attributes),
                    {},
                    1};
      return Result<bool>(true);
    });
  }
  Status Subscribe(const std::string& sub_arn, const std::string& protocol, bool confirmed,
                   AttributeMap attributes = {}) {
    return store.UpdateSubscription(
        sub_arn, [&](const TopicState& state, std::optional<Subscription>& sub) -> Result<bool> {
          const std::string topic_arn = sub_arn.substr(0, sub_arn.rfind(':'));
          if (!state.topic(topic_arn)) return common::Fail(common::InvalidParameter("no topic"));
          sub.emplace();
          sub->arn = sub_arn;
          sub->topic_arn = topic_arn;
          sub->protocol = protocol;
          sub->endpoint = protocol == "lambda" ? "arn:aws:lambda:us-east-1:000000000000:function:f"
                                               : "http://127.0.0.1:9/hook";
          sub->confirmed = confirmed;
          if (!confirmed) sub->token = "ab12";
          sub->attributes = std::move(attributes);
          return true;
        });
  }
  size_t Topics() {
    return store.Read([](const TopicState& state) { return state.topics.size(); });
  }
  size_t Subscriptions() {
    return store.Read([](const TopicState& state) { return state.subscriptions.size(); });
  }
  std::string Attribute(const std::string& arn, const std::string& name) {
    return store.Read([&](const TopicState& state) {
      const Topic* topic = state.topic(arn);
      if (!topic) return std::string("<none>");
      auto it = topic->attributes.find(name);
      return it == topic->attributes.end() ? std::string("<unset>") : it->second;
    });
  }
};

}  // namespace

TEST_CASE("A topic change is visible only once committed; a failed commit changes nothing") {
  Fixture f;
  f.storage.BreakWrites("topics");
  CHECK_FALSE(f.Create(kArn).has_value());
  CHECK(f.Topics() == 0);
  f.storage.Heal();
  REQUIRE(f.Create(kArn, {{"DisplayName", "Before"}}).has_value());
  CHECK(f.Topics() == 1);

  auto set = [&](const std::string& value) {
    return f.store.UpdateTopic(kArn, [&](const TopicState&, std::optional<Topic>& topic) {
      topic->attributes["DisplayName"] = value;
      return Result<bool>(true);
    });
  };
  f.storage.BreakWrites("topics");
  CHECK_FALSE(set("After").has_value());
  CHECK(f.Attribute(kArn, "DisplayName") == "Before");
  // A delete whose commit fails keeps the topic.
  CHECK_FALSE(f.store
                  .UpdateTopic(kArn,
                               [](const TopicState&, std::optional<Topic>& topic) {
                                 topic.reset();
                                 return Result<bool>(true);
                               })
                  .has_value());
  CHECK(f.Topics() == 1);
  f.storage.Heal();
  REQUIRE(set("After").has_value());
  CHECK(f.Attribute(kArn, "DisplayName") == "After");
}

TEST_CASE("A change that fails, or has nothing to commit, writes nothing") {
  Fixture f;
  REQUIRE(f.Create(kArn, {{"DisplayName", "Before"}}).has_value());
  // With every write broken, a change that commits would fail: these two never commit.
  f.storage.BreakWrites("topics");
  auto refused = f.store.UpdateTopic(kArn, [](const TopicState&, std::optional<Topic>& topic) {
    topic->attributes["DisplayName"] = "Edited before the refusal";
    return Result<bool>(common::Fail(common::InvalidParameter("refused")));
  });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "refused");
  CHECK(f.Attribute(kArn, "DisplayName") == "Before");
  auto unchanged = f.store.UpdateTopic(kArn, [](const TopicState&, std::optional<Topic>& topic) {
    topic->attributes["DisplayName"] = "Edited, but not to be kept";
    return Result<bool>(false);
  });
  CHECK(unchanged.has_value());
  CHECK(f.Attribute(kArn, "DisplayName") == "Before");
  // Deleting what does not exist commits nothing either.
  CHECK(f.store
            .UpdateTopic(kArn + "-missing",
                         [](const TopicState&, std::optional<Topic>& topic) {
                           topic.reset();
                           return Result<bool>(true);
                         })
            .has_value());
}

TEST_CASE("Subscriptions: tokens kept for pending ones, plans follow the topic, gone with it") {
  Fixture f;
  REQUIRE(f.Create(kArn).has_value());
  const std::string http = kArn + ":1";
  const std::string lambda = kArn + ":2";
  REQUIRE(f.Subscribe(http, "http", /*confirmed=*/false).has_value());
  REQUIRE(f.Subscribe(lambda, "lambda", /*confirmed=*/true,
                      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:x:1:dlq"})"}})
              .has_value());
  // A subscription to a topic that does not exist is the change's to refuse.
  CHECK_FALSE(f.Subscribe(kArn + "-missing:3", "lambda", true).has_value());
  CHECK(f.Subscriptions() == 2);
  f.store.Read([&](const TopicState& state) {
    CHECK(state.tokens.at("ab12") == http);
    REQUIRE(state.subscription(http)->http_plan != nullptr);
    CHECK(state.subscription(http)->http_plan->retry_delays_ns.size() == 3);  // AWS's default
    CHECK(state.subscription(lambda)->dead_letter_target == "arn:aws:sqs:x:1:dlq");
    CHECK(state.subscription(lambda)->http_plan == nullptr);
    return 0;
  });

  // The topic's DeliveryPolicy re-plans its http subscriptions.
  REQUIRE(f.store
              .UpdateTopic(kArn,
                           [](const TopicState&, std::optional<Topic>& topic) {
                             topic->attributes["DeliveryPolicy"] =
                                 R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":5,)"
                                 R"("numNoDelayRetries":5}}})";
                             return Result<bool>(true);
                           })
              .has_value());
  f.store.Read([&](const TopicState& state) {
    CHECK(state.subscription(http)->http_plan->retry_delays_ns.size() == 5);
    return 0;
  });

  // Confirmed: its token leaves the index (it stays on the subscription).
  REQUIRE(f.store
              .UpdateSubscription(http,
                                  [](const TopicState&, std::optional<Subscription>& sub) {
                                    sub->confirmed = true;
                                    return Result<bool>(true);
                                  })
              .has_value());
  f.store.Read([&](const TopicState& state) {
    CHECK(state.tokens.empty());
    CHECK(state.subscription(http)->token == "ab12");
    return 0;
  });

  // Deleting the topic deletes its subscriptions, in memory and in the database.
  REQUIRE(f.store
              .UpdateTopic(kArn,
                           [](const TopicState&, std::optional<Topic>& topic) {
                             topic.reset();
                             return Result<bool>(true);
                           })
              .has_value());
  CHECK(f.Topics() == 0);
  CHECK(f.Subscriptions() == 0);
  TopicStore reloaded(*f.storage.writer, f.log);
  REQUIRE(reloaded.Load().has_value());
  CHECK(reloaded.Read([](const TopicState& state) { return state.subscriptions.size(); }) == 0);
}

TEST_CASE("Load restores what was committed, plans and pending tokens included") {
  Fixture f;
  REQUIRE(
      f.Create(kArn, {{"DeliveryPolicy", R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":4,)"
                                         R"("numNoDelayRetries":4}}})"}})
          .has_value());
  REQUIRE(
      f.Subscribe(kArn + ":1", "http", /*confirmed=*/false, {{"FilterPolicy", R"({"kind":["a"]})"}})
          .has_value());
  f.storage.BreakWrites("subscriptions");
  CHECK_FALSE(f.Subscribe(kArn + ":2", "lambda", true).has_value());  // never committed
  f.storage.Heal();

  TopicStore reloaded(*f.storage.writer, f.log);
  REQUIRE(reloaded.Load().has_value());
  reloaded.Read([&](const TopicState& state) {
    CHECK(state.topics.size() == 1);
    REQUIRE(state.subscriptions.size() == 1);
    const Subscription* sub = state.subscription(kArn + ":1");
    REQUIRE(sub != nullptr);
    CHECK(sub->filter != nullptr);
    REQUIRE(sub->http_plan != nullptr);
    CHECK(sub->http_plan->retry_delays_ns.size() == 4);
    CHECK(state.tokens.at("ab12") == kArn + ":1");
    return 0;
  });
}

}  // namespace offstage::sns
