#include "emulator/sns/sns_service.h"

#include <doctest/doctest.h>

#include "emulator/sns/lambda_event_signer.h"
#include "emulator/sns/sns_test_fixture.h"

namespace offstage::sns {
namespace {

struct Fixture : testing::SnsFixture {
  void Break(const std::string& table, const std::string& op) { storage.Break(table, op); }
  void Heal() { storage.Heal(); }
  std::string Topic(const std::string& name, AttributeList attributes = {}) {
    auto arn = service->CreateTopic(ctx, CreateTopicInput{name, std::move(attributes), {}, {}});
    REQUIRE(arn.has_value());
    return *arn;
  }
};

PublishInput Message(const std::string& topic, const std::string& body) {
  PublishInput in;
  in.topic_arn = topic;
  in.message = body;
  return in;
}

}  // namespace

TEST_CASE("CreateTopic is idempotent and refuses contradictions") {
  Fixture f;
  const std::string arn = f.Topic("orders", {{"DisplayName", "Orders"}});
  CHECK(arn == "arn:aws:sns:us-east-1:000000000000:orders");
  CHECK(f.Topic("orders") == arn);
  CHECK(f.Topic("orders", {{"DisplayName", "Orders"}}) == arn);
  auto clash =
      f.service->CreateTopic(f.ctx, CreateTopicInput{"orders", {{"DisplayName", "X"}}, {}, {}});
  REQUIRE_FALSE(clash.has_value());
  CHECK(clash.error().message ==
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes");
  CHECK(f.service->counts().topics == 1);
}

TEST_CASE("FIFO publish: group id required, sequence numbers grow, duplicates deduplicated") {
  Fixture f;
  const std::string arn = f.Topic("o.fifo", {{"FifoTopic", "true"}});
  auto missing_group = f.service->Publish(f.ctx, Message(arn, "a"));
  REQUIRE_FALSE(missing_group.has_value());
  CHECK(missing_group.error().message ==
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");

  PublishInput in = Message(arn, "a");
  in.message_group_id = "g";
  auto no_dedup = f.service->Publish(f.ctx, in);
  REQUIRE_FALSE(no_dedup.has_value());

  in.message_deduplication_id = "d1";
  auto first = f.service->Publish(f.ctx, in);
  REQUIRE(first.has_value());
  REQUIRE(first->sequence_number.has_value());
  auto again = f.service->Publish(f.ctx, in);
  REQUIRE(again.has_value());
  CHECK(again->message_id == first->message_id);
  CHECK(f.service->counts().messages == 1);

  in.message_deduplication_id = "d2";
  auto second = f.service->Publish(f.ctx, in);
  REQUIRE(second.has_value());
  CHECK(*second->sequence_number > *first->sequence_number);

  // After the 5-minute window the same id is a new message.
  f.clock.Advance(5LL * 60 * 1'000'000'000 + 1);
  in.message_deduplication_id = "d1";
  auto later = f.service->Publish(f.ctx, in);
  REQUIRE(later.has_value());
  CHECK(later->message_id != first->message_id);
}

TEST_CASE("A FIFO message whose commit failed is not a duplicate on retry (issue #15)") {
  Fixture f;
  const std::string arn = f.Topic("o.fifo", {{"FifoTopic", "true"}});
  PublishInput in = Message(arn, "a");
  in.message_group_id = "g";
  in.message_deduplication_id = "d1";
  f.Break("messages", "INSERT");
  auto failed = f.service->Publish(f.ctx, in);
  REQUIRE_FALSE(failed.has_value());
  CHECK(f.service->counts().messages == 0);
  // The retry while the disk is still full fails too: not answered as a stored duplicate.
  CHECK_FALSE(f.service->Publish(f.ctx, in).has_value());
  PublishBatchEntry entry{"e1", in};
  CHECK_FALSE(f.service->PublishBatch(f.ctx, arn, {entry}).has_value());
  f.Heal();

  auto retry = f.service->Publish(f.ctx, in);
  REQUIRE(retry.has_value());
  // A new message, stored, with the sequence number the failed attempts gave back.
  CHECK(retry->sequence_number == "10000000000000001000");
  CHECK(f.service->counts().messages == 1);
  auto stored = f.writer->Query([&](storage::Database& database) -> Status {
    auto found = storage::FindMessage(database, retry->message_id);
    if (!found) return common::Fail(found.error());
    CHECK(found->has_value());
    return {};
  });
  CHECK(stored.has_value());
  auto again = f.service->Publish(f.ctx, in);
  REQUIRE(again.has_value());
  CHECK(again->message_id == retry->message_id);  // now a true duplicate

  // The same for a batch.
  in.message_deduplication_id = "d2";
  f.Break("messages", "INSERT");
  CHECK_FALSE(f.service->PublishBatch(f.ctx, arn, {PublishBatchEntry{"e1", in}}).has_value());
  f.Heal();
  auto batch = f.service->PublishBatch(f.ctx, arn, {PublishBatchEntry{"e1", in}});
  REQUIRE(batch.has_value());
  REQUIRE(batch->successful.size() == 1);
  CHECK(batch->successful[0].sequence_number == "10000000000000002000");
  CHECK(f.service->counts().messages == 2);
}

TEST_CASE("A topic or subscription change whose commit failed leaves memory as it was") {
  Fixture f;
  const std::string arn = f.Topic("t", {{"DisplayName", "Before"}});
  REQUIRE(f.service->TagResource(f.ctx, arn, {{"env", "dev"}}).has_value());
  f.Break("topics", "UPDATE");
  f.Break("topics", "INSERT");
  f.Break("topics", "DELETE");
  CHECK_FALSE(f.service->SetTopicAttributes(f.ctx, arn, "DisplayName", "After").has_value());
  CHECK(f.service->GetTopicAttributes(f.ctx, arn)->at("DisplayName") == "Before");
  CHECK_FALSE(f.service->TagResource(f.ctx, arn, {{"env", "prod"}}).has_value());
  CHECK_FALSE(f.service->UntagResource(f.ctx, arn, {"env"}).has_value());
  CHECK(f.service->ListTagsForResource(f.ctx, arn)->at(0).value == "dev");
  AddPermissionInput permission{arn, "label", {"111122223333"}, {"Publish"}};
  CHECK_FALSE(f.service->AddPermission(f.ctx, permission).has_value());
  CHECK(f.service->GetTopicAttributes(f.ctx, arn)->at("Policy").find("label") == std::string::npos);
  CHECK_FALSE(f.service->PutDataProtectionPolicy(f.ctx, arn, "{}").has_value());
  CHECK(f.service->GetDataProtectionPolicy(f.ctx, arn)->empty());
  CHECK_FALSE(f.service->CreateTopic(f.ctx, CreateTopicInput{"other", {}, {}, {}}).has_value());
  CHECK_FALSE(f.service->DeleteTopic(f.ctx, arn).has_value());
  CHECK(f.service->counts().topics == 1);
  CHECK(f.service->GetTopicAttributes(f.ctx, arn).has_value());

  f.Break("subscriptions", "INSERT");
  SubscribeInput http{arn, "http", "http://localhost:9/hook", {}, true};
  CHECK_FALSE(f.service->Subscribe(f.ctx, http).has_value());
  CHECK(f.service->counts().subscriptions == 0);
  f.Heal();

  auto sub = f.service->Subscribe(f.ctx, http);
  REQUIRE(sub.has_value());
  f.Break("subscriptions", "UPDATE");
  f.Break("subscriptions", "DELETE");
  CHECK_FALSE(
      f.service->SetSubscriptionAttributes(f.ctx, *sub, "RawMessageDelivery", "true").has_value());
  CHECK(f.service->GetSubscriptionAttributes(f.ctx, *sub)->at("RawMessageDelivery") == "false");
  CHECK_FALSE(f.service->Unsubscribe(f.ctx, *sub).has_value());
  CHECK(f.service->counts().subscriptions == 1);
  f.Heal();
  // Memory and database agree: a reload sees what the service answers.
  auto reloaded_service = f.MakeService();
  SnsService& reloaded = *reloaded_service;
  REQUIRE(reloaded.Load().has_value());
  CHECK(reloaded.counts().topics == 1);
  CHECK(reloaded.counts().subscriptions == 1);
  CHECK(reloaded.GetTopicAttributes(f.ctx, arn)->at("DisplayName") == "Before");
}

TEST_CASE("Publish checks the topic, the region and the message") {
  Fixture f;
  const std::string arn = f.Topic("t");
  CHECK(f.service->Publish(f.ctx, Message(arn, "hello")).has_value());
  auto missing = f.service->Publish(f.ctx, Message(arn + "x", "hello"));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == common::ErrorCode::kNotFound);
  auto other_region =
      f.service->Publish(f.ctx, Message("arn:aws:sns:eu-west-1:000000000000:t", "x"));
  REQUIRE_FALSE(other_region.has_value());
  CHECK(other_region.error().message == "Invalid parameter: TopicArn");
  auto empty = f.service->Publish(f.ctx, Message(arn, ""));
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message == "Invalid parameter: Empty message");
  auto too_long = f.service->Publish(f.ctx, Message(arn, std::string(262'145, 'x')));
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().message == "Invalid parameter: Message too long");
  CHECK(f.service->Publish(f.ctx, Message(arn, std::string(262'144, 'x'))).has_value());
}

TEST_CASE("Subscriptions: lambda confirmed, http pending, idempotent, listed, deleted with topic") {
  Fixture f;
  const std::string arn = f.Topic("t");
  SubscribeInput lambda{
      arn, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", {}, false};
  auto sub = f.service->Subscribe(f.ctx, lambda);
  REQUIRE(sub.has_value());
  CHECK(sub->starts_with(arn + ":"));
  CHECK(f.service->Subscribe(f.ctx, lambda).value() == *sub);

  SubscribeInput http{arn, "http", "http://localhost:9/hook", {}, false};
  CHECK(f.service->Subscribe(f.ctx, http).value() == "pending confirmation");
  auto attributes = f.service->GetTopicAttributes(f.ctx, arn);
  REQUIRE(attributes.has_value());
  CHECK(attributes->at("SubscriptionsConfirmed") == "1");
  CHECK(attributes->at("SubscriptionsPending") == "1");

  auto page = f.service->ListSubscriptionsByTopic(f.ctx, arn, std::nullopt);
  REQUIRE(page.has_value());
  CHECK(page->items.size() == 2);

  SubscribeInput raw = lambda;
  raw.attributes = {{"RawMessageDelivery", "true"}};
  auto refused = f.service->Subscribe(f.ctx, raw);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message ==
        "Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw "
        "message delivery.");

  REQUIRE(f.service->DeleteTopic(f.ctx, arn).has_value());
  CHECK(f.service->counts().subscriptions == 0);
  CHECK(f.service->DeleteTopic(f.ctx, arn).has_value());  // idempotent
}

TEST_CASE("State survives a reload from the same database") {
  Fixture f;
  const std::string arn = f.Topic("keep", {{"DisplayName", "Keep"}});
  REQUIRE(f.service->TagResource(f.ctx, arn, {{"env", "dev"}}).has_value());
  REQUIRE(f.service->Publish(f.ctx, Message(arn, "m")).has_value());
  auto reloaded_service = f.MakeService();
  SnsService& reloaded = *reloaded_service;
  REQUIRE(reloaded.Load().has_value());
  CHECK(reloaded.counts().topics == 1);
  CHECK(reloaded.counts().messages == 1);
  CHECK(reloaded.GetTopicAttributes(f.ctx, arn)->at("DisplayName") == "Keep");
  CHECK(reloaded.ListTagsForResource(f.ctx, arn)->at(0).value == "dev");
}

}  // namespace offstage::sns

namespace offstage::sns {

TEST_CASE("Lambda deliveries are signed at dispatch: the empty Signature filled, nothing else") {
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  Signer signer("");  // an in-memory key
  LambdaEventSigner lambda_signer(signer, log);
  MessageView message;
  message.message_id = "0190a4a1-9a2b-7c3d-8e4f-a1b2c3d4e5f6";
  message.topic_arn = "arn:aws:sns:us-east-1:000000000000:orders";
  message.body = "caf\xc3\xa9 \"quoted\"\n";
  message.timestamp = "2026-11-27T19:00:00.000Z";
  message.signature_version = "2";
  const std::string sub = message.topic_arn + ":sub";
  const std::string unsigned_event =
      LambdaEvent(message, sub, message.body, Signed{"", "http://cert", "http://unsub"});

  const std::string signed_event = lambda_signer.Sign(unsigned_event);
  auto direct = signer.Sign(StringToSign("Notification", message.body, message.message_id, nullptr,
                                         message.timestamp, message.topic_arn),
                            "2");
  REQUIRE(direct.has_value());
  // Byte for byte the event LambdaEvent would have made with the signature in place.
  CHECK(signed_event ==
        LambdaEvent(message, sub, message.body, Signed{*direct, "http://cert", "http://unsub"}));
  // Deterministic, and an event already signed (or not an SNS event) is left alone.
  CHECK(lambda_signer.Sign(unsigned_event) == signed_event);
  // As Lambda's EventFinalizer: SNS's own events are signed, any other source's pass unchanged.
  CHECK(lambda_signer.Finalize(kLambdaEventSource, unsigned_event) == signed_event);
  CHECK(lambda_signer.Finalize("invoke", unsigned_event) == unsigned_event);
  CHECK(lambda_signer.Sign(signed_event) == signed_event);
  CHECK(lambda_signer.Sign(R"({"Signature":""})") == R"({"Signature":""})");
  CHECK(lambda_signer.Sign("not json \"Signature\":\"\"") == "not json \"Signature\":\"\"");

  message.subject = "With subject";
  const std::string with_subject =
      LambdaEvent(message, sub, message.body, Signed{"", "http://cert", "http://unsub"});
  auto subject_signature =
      signer.Sign(StringToSign("Notification", message.body, message.message_id, &*message.subject,
                               message.timestamp, message.topic_arn),
                  "2");
  REQUIRE(subject_signature.has_value());
  CHECK(lambda_signer.Sign(with_subject) ==
        LambdaEvent(message, sub, message.body,
                    Signed{*subject_signature, "http://cert", "http://unsub"}));
}

TEST_CASE("HTTP notifications are signed as they are sent; raw bodies are left alone") {
  Signer signer("");
  MessageView message;
  message.message_id = "0190a4a1-9a2b-7c3d-8e4f-a1b2c3d4e5f6";
  message.topic_arn = "arn:aws:sns:us-east-1:000000000000:orders";
  message.body = "{\"Signature\":\"\"}";  // a body that looks like one must not matter
  message.subject = "s";
  message.timestamp = "2026-11-27T19:00:00.000Z";
  const Signed unsigned_sig{"", "http://cert", "http://unsub"};
  std::string error;
  const std::string body = HttpNotification(message, message.body, unsigned_sig);
  auto direct = signer.Sign(StringToSign("Notification", message.body, message.message_id,
                                         &*message.subject, message.timestamp, message.topic_arn),
                            "1");
  REQUIRE(direct.has_value());
  CHECK(SignHttpNotification(body, signer, error) ==
        HttpNotification(message, message.body, Signed{*direct, "http://cert", "http://unsub"}));
  CHECK(error.empty());
  // A raw delivery's body is the message itself: its "Signature" is the publisher's text.
  CHECK(SignHttpNotification(message.body, signer, error) == message.body);
}

}  // namespace offstage::sns
