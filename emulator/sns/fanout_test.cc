// Unit tests of Fanout, SNS's dispatcher, on the path the daemon ships: Publish commits the
// message and queues its fan-out; the Fanout's worker plans the deliveries, lets Lambda write
// its events in the same Writer job, and activates them.
#include "emulator/sns/fanout.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "emulator/sns/sns_test_fixture.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

struct DeliveryRead {
  std::string status;
  std::string reason;
  std::string async_request_id;
};

// The deliveries committed so far, by subscription ARN (read after every queued write).
std::map<std::string, DeliveryRead> Deliveries(storage::Writer& writer) {
  std::map<std::string, DeliveryRead> out;
  REQUIRE(writer
              .Query([&](storage::Database& db) -> common::Status {
                auto stmt = db.Prepare(
                    "SELECT subscription_arn, status, coalesce(reason, ''), "
                    "coalesce(async_request_id, '') FROM deliveries");
                if (!stmt) return common::Fail(stmt.error());
                auto rows = storage::CollectRows(**stmt, [](const storage::Statement& s) {
                  return std::make_pair(
                      s.ColumnText(0),
                      DeliveryRead{s.ColumnText(1), s.ColumnText(2), s.ColumnText(3)});
                });
                if (!rows) return common::Fail(rows.error());
                out.insert(rows->begin(), rows->end());
                return {};
              })
              .has_value());
  return out;
}

size_t OwedFanouts(storage::Writer& writer) {
  size_t owed = 0;
  REQUIRE(writer
              .Query([&](storage::Database& db) -> common::Status {
                auto pending = storage::PendingFanouts(db);
                if (!pending) return common::Fail(pending.error());
                owed = pending->size();
                return {};
              })
              .has_value());
  return owed;
}

std::string Subscribe(testing::SnsFixture& f, const std::string& topic, const std::string& protocol,
                      const std::string& endpoint, AttributeList attributes = {}) {
  SubscribeInput in{topic, protocol, endpoint, std::move(attributes), true};
  auto arn = f.service->Subscribe(f.ctx, in);
  REQUIRE(arn.has_value());
  return *arn;
}

TEST_CASE(
    "a Publish's fan-out runs on the Fanout: every outcome committed, Lambda's events "
    "written in the same job and activated") {
  testing::SnsFixture f;
  auto topic = f.service->CreateTopic(f.ctx, CreateTopicInput{"orders", {}, {}, {}});
  REQUIRE(topic.has_value());
  const std::string fn = "arn:aws:lambda:us-east-1:000000000000:function:";
  const std::string worker = Subscribe(f, *topic, "lambda", fn + "worker");
  const std::string filtered =
      Subscribe(f, *topic, "lambda", fn + "audit", {{"FilterPolicy", R"({"kind":["old"]})"}});
  const std::string missing = Subscribe(f, *topic, "lambda", fn + "missing-fn");
  const std::string queue = Subscribe(f, *topic, "sqs", "arn:aws:sqs:us-east-1:000000000000:q");

  PublishInput in;
  in.topic_arn = *topic;
  in.message = "hello";
  in.message_attributes["kind"] = MessageAttributeValue{"String", "new", {}};
  auto published = f.service->Publish(f.ctx, in);
  REQUIRE(published.has_value());

  // Answered, durable, and owing its fan-out until the Fanout runs it.
  CHECK(OwedFanouts(*f.writer) == 1);
  CHECK(Deliveries(*f.writer).empty());

  f.fanout->Start();
  const auto events = f.intake.WaitActivated(1);
  REQUIRE(events.size() == 1);
  const lambda::AsyncEvent& event = events[0];
  CHECK(event.function_arn == fn + "worker");
  CHECK(event.source == kLambdaEventSource);
  CHECK(event.source_id == published->message_id);
  // Queued unsigned: Lambda's EventFinalizer (LambdaEventSigner) signs it at dispatch.
  CHECK(event.payload.find(R"("Signature":"")") != std::string::npos);
  CHECK(event.payload.find(R"("Message":"hello")") != std::string::npos);

  auto deliveries = Deliveries(*f.writer);
  REQUIRE(deliveries.size() == 4);
  CHECK(deliveries[worker].status == "invoked");
  CHECK(deliveries[worker].async_request_id == event.request_id);
  CHECK(deliveries[filtered].status == "filtered");
  CHECK(deliveries[missing].status == "failed");
  CHECK(deliveries[missing].reason.find("missing-fn") != std::string::npos);
  CHECK(deliveries[queue].status == "not_emulated");
  CHECK(OwedFanouts(*f.writer) == 0);
  bool written = false;
  REQUIRE(f.writer
              ->Query([&](storage::Database& db) -> common::Status {
                auto found = storage::FindAsyncEvent(db, event.request_id);
                if (!found) return common::Fail(found.error());
                written = found->has_value();
                return {};
              })
              .has_value());
  CHECK(written);
}

TEST_CASE("a fan-out owed at a stop is queued by Load and finished when the Fanout starts") {
  testing::SnsFixture f;
  auto topic = f.service->CreateTopic(f.ctx, CreateTopicInput{"jobs", {}, {}, {}});
  REQUIRE(topic.has_value());
  Subscribe(f, *topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:worker");
  PublishInput in;
  in.topic_arn = *topic;
  in.message = "owed";
  REQUIRE(f.service->Publish(f.ctx, in).has_value());
  // A stop before the Fanout ran: the job is dropped from memory, the mark stays.
  f.fanout.reset();
  f.service.reset();
  f.queue = std::make_unique<FanoutQueue>(f.clock);
  REQUIRE(OwedFanouts(*f.writer) == 1);

  // The restart: a new service loads the owed message and queues it; the new Fanout runs it.
  f.service = f.MakeService();
  REQUIRE(f.service->Load().has_value());
  f.fanout = std::make_unique<Fanout>(*f.queue, f.intake, *f.http, f.delivery, *f.writer,
                                      *f.recorder, f.clock, f.ids, f.log);
  f.fanout->Start();
  REQUIRE(f.intake.WaitActivated(1).size() == 1);
  CHECK(Deliveries(*f.writer).size() == 1);
  CHECK(OwedFanouts(*f.writer) == 0);
}

}  // namespace
}  // namespace offstage::sns
