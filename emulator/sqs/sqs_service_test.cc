// Unit tests of SqsService over its stores (issue #18): visibility timeouts and receipt handles,
// FIFO message groups and deduplication, redrive into a dead-letter queue, what survives a
// reload from the database, the long poll (woken by a send, ended by Interrupt), a failed
// commit, and AWS's errors for batches and missing queues. An in-memory database behind a real
// storage::Writer and a FakeClock: time moves only when a test advances it.
#include "emulator/sqs/sqs_service.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::sqs {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

struct Fixture {
  common::testing::FakeClock clock;
  common::testing::SequentialIds ids;
  common::Logger log{common::LogLevel::kError};
  storage::testing::TestDatabase db{clock};
  telemetry::Recorder recorder{*db.writer};
  std::unique_ptr<SqsService> service = Make();
  common::RequestContext ctx = [] {
    common::RequestContext c;
    c.region = "us-east-1";
    c.account = "000000000000";
    c.access_key_id = "AKIDEXAMPLE";
    return c;
  }();

  std::unique_ptr<SqsService> Make() {
    auto made = std::make_unique<SqsService>(*db.writer, recorder, clock, ids, log);
    REQUIRE(made->Load().has_value());
    return made;
  }
  std::string Create(const std::string& name, std::map<std::string, std::string> attributes = {}) {
    auto queue = service->CreateQueue(ctx, name, attributes, {});
    REQUIRE(queue.has_value());
    return queue->arn;
  }
  SendResult Send(const std::string& arn, const std::string& body, std::string group = "",
                  std::string dedup = "") {
    SendEntry entry;
    entry.body = body;
    if (!group.empty()) entry.group_id = group;
    if (!dedup.empty()) entry.dedup_id = dedup;
    auto sent = service->SendMessage(ctx, arn, entry);
    REQUIRE(sent.has_value());
    return *sent;
  }
  std::vector<ReceivedMessage> Receive(const std::string& arn, int64_t max = 10) {
    ReceiveRequest request;
    request.max_messages = max;
    request.attribute_names = {"All"};
    auto got = service->ReceiveMessage(arn, request);
    REQUIRE(got.has_value());
    return *got;
  }
  void Flush() {
    REQUIRE(db.writer->Query([](storage::Database&) { return common::Status(); }).has_value());
  }
};

TEST_CASE("a received message is invisible for its visibility timeout, then received again") {
  Fixture f;
  const std::string q = f.Create("work", {{"VisibilityTimeout", "30"}});
  const SendResult sent = f.Send(q, "job");
  CHECK(sent.md5_body == Md5Hex("job"));
  auto first = f.Receive(q);
  REQUIRE(first.size() == 1);
  CHECK(first[0].id == sent.id);
  CHECK(first[0].attributes.at("ApproximateReceiveCount") == "1");
  CHECK(first[0].attributes.at("SenderId") == "AKIDEXAMPLE");
  CHECK(f.Receive(q).empty());
  auto counts = f.service->CountsOf(*f.service->Find(q));
  CHECK(counts.in_flight == 1);
  CHECK(counts.visible == 0);
  f.clock.Advance(31 * kSecond);
  auto second = f.Receive(q);
  REQUIRE(second.size() == 1);
  CHECK(second[0].attributes.at("ApproximateReceiveCount") == "2");
  CHECK(second[0].receipt_handle != first[0].receipt_handle);
  // The older handle no longer deletes it (AWS: the request succeeds, nothing is deleted).
  CHECK(f.service->DeleteMessage(q, first[0].receipt_handle).has_value());
  f.clock.Advance(31 * kSecond);
  auto third = f.Receive(q);
  REQUIRE(third.size() == 1);
  CHECK(f.service->DeleteMessage(q, third[0].receipt_handle).has_value());
  f.clock.Advance(31 * kSecond);
  CHECK(f.Receive(q).empty());
  auto bogus = f.service->DeleteMessage(q, "not-a-handle");
  REQUIRE_FALSE(bogus.has_value());
  CHECK(bogus.error().code == common::ErrorCode::kSqsReceiptHandleIsInvalid);
}

TEST_CASE("ChangeMessageVisibility: 0 makes a message visible now; a stale handle is refused") {
  Fixture f;
  const std::string q = f.Create("work");
  f.Send(q, "job");
  auto got = f.Receive(q);
  REQUIRE(got.size() == 1);
  REQUIRE(f.service->ChangeMessageVisibility(q, got[0].receipt_handle, 0).has_value());
  auto again = f.Receive(q);
  REQUIRE(again.size() == 1);
  auto stale = f.service->ChangeMessageVisibility(q, got[0].receipt_handle, 10);
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == common::ErrorCode::kSqsMessageNotInflight);
  auto range = f.service->ChangeMessageVisibility(q, again[0].receipt_handle, 43201);
  REQUIRE_FALSE(range.has_value());
  CHECK(range.error().code == common::ErrorCode::kSqsInvalidParameterValue);
}

TEST_CASE("FIFO: a group's next message waits for the one in flight; groups are independent") {
  Fixture f;
  const std::string q =
      f.Create("orders.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  const SendResult a = f.Send(q, "a", "g1");
  const SendResult b = f.Send(q, "b", "g1");
  const SendResult c = f.Send(q, "c", "g2");
  CHECK(a.sequence_number < b.sequence_number);
  CHECK(b.sequence_number < c.sequence_number);
  auto first = f.Receive(q, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].body == "a");
  auto next = f.Receive(q);
  REQUIRE(next.size() == 1);
  CHECK(next[0].body == "c");  // g1 is held by "a"
  REQUIRE(f.service->DeleteMessage(q, first[0].receipt_handle).has_value());
  auto then = f.Receive(q);
  REQUIRE(then.size() == 1);
  CHECK(then[0].body == "b");
  CHECK(then[0].attributes.at("MessageGroupId") == "g1");
  CHECK(then[0].attributes.at("SequenceNumber") == b.sequence_number);
}

TEST_CASE("FIFO: a duplicate within five minutes answers the first id and is not queued") {
  Fixture f;
  const std::string q = f.Create("d.fifo", {{"FifoQueue", "true"}});
  const SendResult one = f.Send(q, "x", "g", "id-1");
  const SendResult two = f.Send(q, "other body", "g", "id-1");
  CHECK(two.id == one.id);
  CHECK(f.service->CountsOf(*f.service->Find(q)).visible == 1);
  f.clock.Advance(301 * kSecond);
  const SendResult three = f.Send(q, "x", "g", "id-1");
  CHECK(three.id != one.id);
  CHECK(f.service->CountsOf(*f.service->Find(q)).visible == 2);
  // Without content-based deduplication a dedup id is required.
  SendEntry bare;
  bare.body = "y";
  bare.group_id = "g";
  auto refused = f.service->SendMessage(f.ctx, q, bare);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message ==
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly");
  bare.group_id.reset();
  bare.dedup_id = "z";
  auto no_group = f.service->SendMessage(f.ctx, q, bare);
  REQUIRE_FALSE(no_group.has_value());
  CHECK(no_group.error().code == common::ErrorCode::kSqsMissingParameter);
}

TEST_CASE("redrive: received maxReceiveCount times, a message moves to the dead-letter queue") {
  Fixture f;
  const std::string dlq = f.Create("dlq");
  const std::string q = f.Create("src", {{"VisibilityTimeout", "10"},
                                         {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq +
                                                               R"(","maxReceiveCount":2})"}});
  const SendResult sent = f.Send(q, "poison");
  for (int i = 0; i < 2; ++i) {
    REQUIRE(f.Receive(q).size() == 1);
    f.clock.Advance(11 * kSecond);
  }
  CHECK(f.Receive(q).empty());
  auto dead = f.Receive(dlq);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].id == sent.id);
  CHECK(dead[0].body == "poison");
  auto sources = f.service->ListDeadLetterSourceQueues(dlq);
  REQUIRE(sources.has_value());
  REQUIRE(sources->size() == 1);
  CHECK((*sources)[0].arn == q);
  // A RedrivePolicy naming a queue that does not exist is refused.
  auto missing = f.service->SetQueueAttributes(
      q,
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":2})"}});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == common::ErrorCode::kSqsInvalidParameterValue);
}

TEST_CASE("a reload keeps queues, messages and what is in flight") {
  Fixture f;
  const std::string q = f.Create("keep", {{"VisibilityTimeout", "60"}});
  f.Send(q, "one");
  f.Send(q, "two");
  auto got = f.Receive(q, 1);
  REQUIRE(got.size() == 1);
  f.Flush();
  f.service = f.Make();
  auto queue = f.service->Find(q);
  REQUIRE(queue.has_value());
  CHECK(queue->visibility_timeout_s() == 60);
  auto counts = f.service->CountsOf(*queue);
  CHECK(counts.visible == 1);
  CHECK(counts.in_flight == 1);
  // The receipt handle from before the reload still deletes its message.
  REQUIRE(f.service->DeleteMessage(q, got[0].receipt_handle).has_value());
  CHECK(f.service->CountsOf(*queue).in_flight == 0);
  REQUIRE(f.service->DeleteQueue(q).has_value());
  f.service = f.Make();
  CHECK_FALSE(f.service->Find(q).has_value());
}

TEST_CASE("a send whose commit fails is refused and leaves nothing to receive") {
  Fixture f;
  const std::string q = f.Create("full");
  f.db.Break("sqs_messages", "INSERT");
  SendEntry entry;
  entry.body = "lost?";
  auto sent = f.service->SendMessage(f.ctx, q, entry);
  REQUIRE_FALSE(sent.has_value());
  CHECK(sent.error().code == common::ErrorCode::kInternalError);
  f.db.Heal();
  CHECK(f.Receive(q).empty());
}

TEST_CASE("the long poll: woken by a send, ended by Interrupt") {
  Fixture f;
  const std::string q = f.Create("poll");
  ReceiveRequest request;
  request.wait_s = 20;
  auto waiting =
      std::async(std::launch::async, [&] { return f.service->ReceiveMessage(q, request); });
  CHECK(waiting.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  f.Send(q, "wake");
  REQUIRE(waiting.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto got = waiting.get();
  REQUIRE(got.has_value());
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].body == "wake");

  auto ended =
      std::async(std::launch::async, [&] { return f.service->ReceiveMessage(q, request); });
  CHECK(ended.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  f.service->Interrupt();
  REQUIRE(ended.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(ended.get()->empty());
}

TEST_CASE("AWS's errors: missing queue, existing name with other attributes, batch rules") {
  Fixture f;
  const std::string q = f.Create("q", {{"VisibilityTimeout", "5"}});
  auto missing = f.service->ReceiveMessage("arn:aws:sqs:us-east-1:000000000000:nope", {});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == common::ErrorCode::kSqsQueueDoesNotExist);
  CHECK(missing.error().message == "The specified queue does not exist.");
  auto same = f.service->CreateQueue(f.ctx, "q", {{"VisibilityTimeout", "5"}}, {});
  REQUIRE(same.has_value());
  auto other = f.service->CreateQueue(f.ctx, "q", {{"VisibilityTimeout", "6"}}, {});
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == common::ErrorCode::kSqsQueueNameExists);
  CHECK(f.service->SendMessageBatch(f.ctx, q, {}).error().code ==
        common::ErrorCode::kSqsEmptyBatchRequest);
  std::vector<SendEntry> eleven(11);
  for (size_t i = 0; i < eleven.size(); ++i) {
    eleven[i].id = "e" + std::to_string(i);
    eleven[i].body = "b";
  }
  auto too_many = f.service->SendMessageBatch(f.ctx, q, eleven);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().message ==
        "Maximum number of entries per request are 10. You have sent 11.");
  std::vector<SendEntry> twice(2);
  twice[0].id = twice[1].id = "same";
  twice[0].body = twice[1].body = "b";
  CHECK(f.service->SendMessageBatch(f.ctx, q, twice).error().code ==
        common::ErrorCode::kSqsBatchEntryIdsNotDistinct);
  std::vector<SendEntry> bad_id(1);
  bad_id[0].id = "no spaces";
  bad_id[0].body = "b";
  CHECK(f.service->SendMessageBatch(f.ctx, q, bad_id).error().code ==
        common::ErrorCode::kSqsInvalidBatchEntryId);
  // One bad entry fails alone.
  std::vector<SendEntry> mixed(2);
  mixed[0].id = "good";
  mixed[0].body = "b";
  mixed[1].id = "late";
  mixed[1].body = "b";
  mixed[1].delay_s = 901;
  auto result = f.service->SendMessageBatch(f.ctx, q, mixed);
  REQUIRE(result.has_value());
  REQUIRE(result->successful.size() == 1);
  REQUIRE(result->failed.size() == 1);
  CHECK(result->failed[0].id == "late");
  CHECK(result->failed[0].code == "InvalidParameterValue");
  SendEntry big;
  big.body = std::string(262145, 'x');
  auto too_big = f.service->SendMessage(f.ctx, q, big);
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().message ==
        "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.");
}

TEST_CASE("across a restart: FIFO deduplication in either scope, growing sequence numbers") {
  Fixture f;
  const std::string q =
      f.Create("g.fifo", {{"FifoQueue", "true"}, {"DeduplicationScope", "messageGroup"}});
  const SendResult first = f.Send(q, "x", "g", "d1");
  f.Flush();
  f.service = f.Make();
  // The rebuilt window answers the same id in the messageGroup scope (it missed before).
  CHECK(f.Send(q, "x", "g", "d1").id == first.id);
  auto got = f.Receive(q);
  REQUIRE(got.size() == 1);
  REQUIRE(f.service->DeleteMessage(q, got[0].receipt_handle).has_value());
  f.Flush();
  f.service = f.Make();
  f.clock.Advance(1);
  // Nothing left to rebuild the counter from: the next number still comes after the first.
  const SendResult later = f.Send(q, "y", "g", "d2");
  CHECK(later.sequence_number > first.sequence_number);
}

TEST_CASE("a reload drops the messages of a queue that no longer exists") {
  Fixture f;
  const std::string ghost = "arn:aws:sqs:us-east-1:000000000000:ghost";
  Message orphan;
  orphan.queue_arn = ghost;
  orphan.seq = 1;
  orphan.id = "orphan";
  orphan.body = "sent while its queue was deleted";
  orphan.sent_ns = f.clock.NowNanos();
  orphan.visible_ns = orphan.sent_ns;
  REQUIRE(f.db.writer
              ->Call([row = orphan.ToRow()](storage::Database& db) {
                return storage::InsertSqsMessage(db, row);
              })
              .has_value());
  f.service = f.Make();
  const std::string q = f.Create("ghost");
  REQUIRE(q == ghost);
  CHECK(f.Receive(q).empty());
  f.Flush();
  f.service = f.Make();
  CHECK(f.Receive(q).empty());  // and its row is gone, not waiting for the next restart
}

// Message move tasks run on a thread of their own: wait (real time, bounded) for the task to
// leave RUNNING, and answer it.
MoveTask AwaitTask(Fixture& f, const std::string& source) {
  for (int i = 0; i < 500; ++i) {
    auto tasks = f.service->ListMessageMoveTasks(source, 1);
    REQUIRE(tasks.has_value());
    REQUIRE(tasks->size() == 1);
    if ((*tasks)[0].status != "RUNNING" && (*tasks)[0].status != "CANCELLING") return (*tasks)[0];
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the move task did not end");
  return {};
}

// A source queue with maxReceiveCount 1 and its dead-letter queue holding `bodies`.
std::pair<std::string, std::string> DeadLettered(Fixture& f,
                                                 const std::vector<std::string>& bodies) {
  const std::string dlq = f.Create("dead");
  const std::string q = f.Create("work", {{"VisibilityTimeout", "10"},
                                          {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq +
                                                                R"(","maxReceiveCount":1})"}});
  for (const auto& body : bodies) f.Send(q, body);
  for (size_t i = 0; i < bodies.size(); ++i) REQUIRE(f.Receive(q, 1).size() == 1);
  f.clock.Advance(11 * kSecond);
  CHECK(f.Receive(q).empty());  // each received once already: to the dead-letter queue
  return {q, dlq};
}

TEST_CASE("a move task returns dead letters to their source queue as new messages, once") {
  Fixture f;
  auto [q, dlq] = DeadLettered(f, {"one", "two", "three"});
  auto dead = f.Receive(dlq);
  REQUIRE(dead.size() == 3);
  CHECK(dead[0].attributes.at("DeadLetterQueueSourceArn") == q);
  f.clock.Advance(31 * kSecond);  // the dead-letter queue's own visibility timeout (30 s)

  auto handle = f.service->StartMessageMoveTask(dlq, "", std::nullopt);
  REQUIRE(handle.has_value());
  const MoveTask done = AwaitTask(f, dlq);
  CHECK(done.status == "COMPLETED");
  CHECK(done.moved == 3);
  CHECK(done.to_move == 3);
  CHECK(done.destination_arn.empty());
  CHECK(f.Receive(dlq).empty());
  auto back = f.Receive(q);
  REQUIRE(back.size() == 3);
  std::set<std::string> bodies;
  for (const auto& m : back) {
    bodies.insert(m.body);
    CHECK(m.attributes.at("ApproximateReceiveCount") == "1");  // a new message
    CHECK_FALSE(m.attributes.contains("DeadLetterQueueSourceArn"));
    for (const auto& d : dead) CHECK(m.id != d.id);  // new ids, as AWS's redrive
  }
  CHECK(bodies == std::set<std::string>{"one", "two", "three"});
  // Committed: a reload sees them in the source queue, none in the dead-letter queue.
  f.Flush();
  f.service = f.Make();
  auto source = f.service->Find(q);
  REQUIRE(source.has_value());
  CHECK(f.service->CountsOf(*source).in_flight == 3);
  CHECK(f.service->CountsOf(*f.service->Find(dlq)).visible == 0);
}

TEST_CASE("move tasks: AWS's errors, one task at a time, cancel, no source to return to") {
  Fixture f;
  auto [q, dlq] = DeadLettered(f, {"a", "b", "c"});
  const std::string other = f.Create("other");
  using common::ErrorCode;
  auto code = [](const auto& result) { return result.error().code; };
  auto missing = f.service->StartMessageMoveTask(q + "-nope", "", std::nullopt);
  REQUIRE_FALSE(missing.has_value());
  CHECK(code(missing) == ErrorCode::kSqsResourceNotFound);
  auto not_dlq = f.service->StartMessageMoveTask(other, "", std::nullopt);
  REQUIRE_FALSE(not_dlq.has_value());
  CHECK(code(not_dlq) == ErrorCode::kSqsInvalidParameterValue);
  CHECK(not_dlq.error().message == "Source queue must be configured as a Dead Letter Queue.");
  auto same = f.service->StartMessageMoveTask(dlq, dlq, std::nullopt);
  REQUIRE_FALSE(same.has_value());
  CHECK(code(same) == ErrorCode::kSqsInvalidParameterValue);
  auto fifo = f.service->StartMessageMoveTask(dlq, f.Create("f.fifo", {{"FifoQueue", "true"}}),
                                              std::nullopt);
  REQUIRE_FALSE(fifo.has_value());
  CHECK(code(fifo) == ErrorCode::kSqsInvalidParameterValue);
  for (int64_t rate : {0, 501}) {
    auto bad = f.service->StartMessageMoveTask(dlq, "", rate);
    REQUIRE_FALSE(bad.has_value());
    CHECK(code(bad) == ErrorCode::kSqsInvalidParameterValue);
  }
  auto too_many = f.service->ListMessageMoveTasks(dlq, 11);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(code(too_many) == ErrorCode::kSqsInvalidParameterValue);
  REQUIRE(f.service->ListMessageMoveTasks(dlq, std::nullopt)->empty());

  // One message a second: the first step moves one, then the task waits; a second task on the
  // same source is refused meanwhile, and a cancel ends it after its current step.
  f.clock.Advance(31 * kSecond);
  auto handle = f.service->StartMessageMoveTask(dlq, other, 1);
  REQUIRE(handle.has_value());
  auto again = f.service->StartMessageMoveTask(dlq, "", std::nullopt);
  REQUIRE_FALSE(again.has_value());
  CHECK(code(again) == ErrorCode::kSqsUnsupportedOperation);
  auto listed = f.service->ListMessageMoveTasks(dlq, 10);
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].max_per_second == 1);
  CHECK((*listed)[0].destination_arn == other);
  for (int i = 0; i < 500 && f.service->ListMessageMoveTasks(dlq, 1)->front().moved == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // its first step
  }
  REQUIRE(f.service->CancelMessageMoveTask(*handle).has_value());
  const MoveTask cancelled = AwaitTask(f, dlq);
  CHECK(cancelled.status == "CANCELLED");
  CHECK(cancelled.moved >= 1);
  CHECK(cancelled.moved < 3);
  // Nothing lost, nothing doubled: every message is in exactly one of the two queues.
  const int in_other = static_cast<int>(f.Receive(other).size());
  const int in_dlq = static_cast<int>(f.Receive(dlq).size());
  CHECK(in_other == cancelled.moved);
  CHECK(in_other + in_dlq == 3);
  auto twice = f.service->CancelMessageMoveTask(*handle);
  REQUIRE_FALSE(twice.has_value());
  CHECK(code(twice) == ErrorCode::kSqsUnsupportedOperation);
  CHECK(code(f.service->CancelMessageMoveTask("bogus")) == ErrorCode::kSqsResourceNotFound);

  // A message sent to the dead-letter queue directly has no source queue to return to.
  f.clock.Advance(31 * kSecond);
  f.Send(dlq, "stray");
  REQUIRE(f.service->StartMessageMoveTask(dlq, "", std::nullopt).has_value());
  const MoveTask failed = AwaitTask(f, dlq);
  CHECK(failed.status == "FAILED");
  CHECK(failed.failure_reason.find("no source queue") != std::string::npos);
  CHECK(f.service->ListMessageMoveTasks(dlq, 10)->size() == 2);
}

TEST_CASE("a move whose commit fails leaves the messages in the dead-letter queue") {
  Fixture f;
  auto [q, dlq] = DeadLettered(f, {"keep me"});
  f.Flush();
  f.db.Break("sqs_messages", "INSERT");
  REQUIRE(f.service->StartMessageMoveTask(dlq, "", std::nullopt).has_value());
  const MoveTask failed = AwaitTask(f, dlq);
  f.db.Heal();
  CHECK(failed.status == "FAILED");
  CHECK(failed.moved == 0);
  auto still = f.Receive(dlq);
  REQUIRE(still.size() == 1);
  CHECK(still[0].body == "keep me");
  CHECK(f.Receive(q).empty());
}

TEST_CASE("FIFO: a message moved to a FIFO dead-letter queue takes its id as deduplication id") {
  Fixture f;
  const std::string dlq = f.Create("dead.fifo", {{"FifoQueue", "true"}});
  const std::string q = f.Create(
      "work.fifo",
      {{"FifoQueue", "true"},
       {"VisibilityTimeout", "10"},
       {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq + R"(","maxReceiveCount":1})"}});
  const SendResult sent = f.Send(q, "x", "g", "shared-dedup-id");
  REQUIRE(f.Receive(q).size() == 1);
  f.clock.Advance(11 * kSecond);
  CHECK(f.Receive(q).empty());
  auto dead = f.Receive(dlq);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].attributes.at("MessageDeduplicationId") == sent.id);
  CHECK(dead[0].attributes.at("MessageGroupId") == "g");
}

TEST_CASE("PurgeQueue: one a minute per queue, as AWS") {
  Fixture f;
  const std::string q = f.Create("purged");
  f.Send(q, "a");
  REQUIRE(f.service->PurgeQueue(q).has_value());
  f.Send(q, "b");
  f.clock.Advance(59 * kSecond);
  auto again = f.service->PurgeQueue(q);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == common::ErrorCode::kSqsPurgeQueueInProgress);
  CHECK(again.error().message ==
        "Only one PurgeQueue operation on purged is allowed every 60 seconds.");
  CHECK(f.Receive(q).size() == 1);  // the refused purge deleted nothing
  f.clock.Advance(2 * kSecond);
  REQUIRE(f.service->PurgeQueue(q).has_value());
  CHECK(f.Receive(q).empty());
}

TEST_CASE("retention: each message expires on its own send time, a dead letter's too") {
  Fixture f;
  const std::string dlq = f.Create("old-dead", {{"MessageRetentionPeriod", "60"}});
  const std::string q = f.Create(
      "old-work",
      {{"MessageRetentionPeriod", "60"},
       {"VisibilityTimeout", "10"},
       {"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq + R"(","maxReceiveCount":1})"}});
  f.Send(q, "first");  // t = 0
  REQUIRE(f.Receive(q).size() == 1);
  f.clock.Advance(30 * kSecond);
  f.Send(q, "second");                         // t = 30
  f.Send(dlq, "direct");                       // t = 30, in the dead-letter queue from the start
  CHECK(f.Receive(q, 1)[0].body == "second");  // "first" moved to the DLQ, keeping t = 0
  f.clock.Advance(31 * kSecond);               // t = 61: "first" is past 60 s, wherever it is
  auto dead = f.Receive(dlq);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].body == "direct");
  f.clock.Advance(30 * kSecond);  // t = 91: "second" and "direct" too
  CHECK(f.Receive(q).empty());
  CHECK(f.Receive(dlq).empty());
  CHECK(f.service->CountsOf(*f.service->Find(q)).in_flight == 0);
}

TEST_CASE("move tasks: a paced step moves the rate's messages, up to 500 a second") {
  Fixture f;
  std::vector<std::string> bodies;
  for (int i = 0; i < 300; ++i) bodies.push_back("m" + std::to_string(i));
  auto [q, dlq] = DeadLettered(f, bodies);
  f.clock.Advance(31 * kSecond);
  REQUIRE(f.service->StartMessageMoveTask(dlq, "", 500).has_value());
  // The first step's count, as soon as it is there (each step's moves land at once).
  int64_t moved = 0;
  for (int i = 0; i < 500 && moved == 0; ++i) {
    moved = f.service->ListMessageMoveTasks(dlq, 1)->front().moved;
    if (moved == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(moved == 300);  // was 100: steps were capped at 100 a second whatever the rate
  CHECK(AwaitTask(f, dlq).status == "COMPLETED");
}

TEST_CASE("move tasks: a deleted source queue takes its tasks with it") {
  Fixture f;
  auto [q, dlq] = DeadLettered(f, {"a", "b", "c"});
  f.clock.Advance(31 * kSecond);
  REQUIRE(f.service->StartMessageMoveTask(dlq, "", 1).has_value());
  REQUIRE(f.service->DeleteQueue(dlq).has_value());
  const std::string again = f.Create("dead");  // the same name, so the same ARN
  REQUIRE(again == dlq);
  // The queue made again has no task, running or ended; a task can start on it at once.
  CHECK(f.service->ListMessageMoveTasks(dlq, 10)->empty());
  REQUIRE(f.service->StartMessageMoveTask(dlq, "", std::nullopt).has_value());
  CHECK(AwaitTask(f, dlq).status == "COMPLETED");
}

TEST_CASE("Release: a received message goes back as if never received") {
  Fixture f;
  const std::string q = f.Create("released", {{"VisibilityTimeout", "60"}});
  f.Send(q, "x");
  auto got = f.Receive(q);
  REQUIRE(got.size() == 1);
  REQUIRE(f.service->ReleaseMessage(q, got[0].receipt_handle).has_value());
  auto again = f.Receive(q);
  REQUIRE(again.size() == 1);
  CHECK(again[0].attributes.at("ApproximateReceiveCount") == "1");
  // The released handle is void: deleting with it deletes nothing.
  REQUIRE(f.service->DeleteMessage(q, got[0].receipt_handle).has_value());
  CHECK(f.service->CountsOf(*f.service->Find(q)).in_flight == 1);
}

}  // namespace
}  // namespace offstage::sqs
