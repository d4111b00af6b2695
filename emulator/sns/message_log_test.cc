// MessageLog: ids for every message, FIFO sequence numbers per topic, deduplication for 5
// minutes (then a fresh message), an admission given back when its commit fails (unless a
// later one numbered after it), the count, and the window and sequences restored by Load.
// FakeClock, in-memory database, real Writer.
#include "emulator/sns/message_log.h"

#include <doctest/doctest.h>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::sns {
namespace {

using common::Result;

const std::string kFifo = "arn:aws:sns:us-east-1:000000000000:t.fifo";

MessageLog::Admission FifoAdmission() {
  MessageLog::Admission admission;
  admission.topic_arn = kFifo;
  admission.fifo = true;
  return admission;
}

struct Fixture {
  common::testing::FakeClock clock;
  common::testing::SequentialIds ids;
  storage::testing::TestDatabase storage{clock};
  MessageLog log{*storage.writer, clock, ids};

  // Admits one message and commits it; the output, or the commit's error.
  Result<PublishOutput> Publish(const std::string& topic, bool fifo,
                                std::optional<std::string> dedup_id) {
    MessageLog::Admission admission;
    admission.topic_arn = topic;
    admission.fifo = fifo;
    std::promise<bool> committed;
    PublishOutput out;
    if (!log.Admit(admission, dedup_id, out, committed.get_future().share())) {
      if (auto status = MessageLog::AwaitOriginals(admission); !status) {
        return common::Fail(status.error());
      }
      return out;
    }
    storage::MessageRow row;
    row.message_id = out.message_id;
    row.topic_arn = topic;
    row.body = "b";
    row.attributes_json = "{}";
    row.dedup_id = dedup_id;
    row.sequence_number = out.sequence_number;
    row.received_ns = clock.NowNanos();
    auto stored = log.Commit({row}, admission);
    if (!stored) {
      log.Forget(admission);
      committed.set_value(false);
      return common::Fail(stored.error());
    }
    committed.set_value(true);
    return out;
  }
};

}  // namespace

TEST_CASE("FIFO: numbers per topic, duplicates within 5 minutes, a fresh message after") {
  Fixture f;
  auto first = f.Publish(kFifo, true, "d1");
  REQUIRE(first.has_value());
  CHECK(first->sequence_number == "10000000000000001000");
  auto duplicate = f.Publish(kFifo, true, "d1");
  REQUIRE(duplicate.has_value());
  CHECK(duplicate->message_id == first->message_id);
  CHECK(duplicate->sequence_number == first->sequence_number);
  // Another topic numbers from 1 too; a standard topic gets no number.
  CHECK(f.Publish(kFifo + "2", true, "d1")->sequence_number == "10000000000000001000");
  auto standard = f.Publish("arn:aws:sns:us-east-1:000000000000:s", false, std::nullopt);
  REQUIRE(standard.has_value());
  CHECK_FALSE(standard->sequence_number.has_value());
  CHECK(f.log.count() == 3);

  f.clock.Advance(storage::kFifoDedupWindowNs + 1);
  auto later = f.Publish(kFifo, true, "d1");
  REQUIRE(later.has_value());
  CHECK(later->message_id != first->message_id);
  CHECK(later->sequence_number == "10000000000000002000");
}

TEST_CASE("A failed commit gives its admission back; a later admission keeps its numbers") {
  Fixture f;
  REQUIRE(f.Publish(kFifo, true, "a").has_value());
  f.storage.Break("messages", "INSERT");
  CHECK_FALSE(f.Publish(kFifo, true, "b").has_value());
  CHECK(f.log.count() == 1);
  f.storage.Heal();
  // "b" is not a duplicate of the message that was never stored, and gets number 2 again.
  auto retry = f.Publish(kFifo, true, "b");
  REQUIRE(retry.has_value());
  CHECK(retry->sequence_number == "10000000000000002000");

  // Two admissions in flight: the first fails after the second took number 4.
  MessageLog::Admission failing = FifoAdmission();
  MessageLog::Admission later = FifoAdmission();
  std::promise<bool> failing_commit;
  std::promise<bool> later_commit;
  PublishOutput out;
  REQUIRE(f.log.Admit(failing, "c", out, failing_commit.get_future().share()));
  CHECK(out.sequence_number == "10000000000000003000");
  REQUIRE(f.log.Admit(later, "d", out, later_commit.get_future().share()));
  CHECK(out.sequence_number == "10000000000000004000");
  f.log.Forget(failing);
  failing_commit.set_value(false);
  later_commit.set_value(true);
  MessageLog::Admission next = FifoAdmission();
  std::promise<bool> next_commit;
  REQUIRE(f.log.Admit(next, "e", out, next_commit.get_future().share()));
  CHECK(out.sequence_number == "10000000000000005000");  // 4 was taken: 3 is not reused
  next_commit.set_value(true);
  // And "c" was forgotten: admitted afresh.
  MessageLog::Admission again = FifoAdmission();
  std::promise<bool> again_commit;
  CHECK(f.log.Admit(again, "c", out, again_commit.get_future().share()));
  again_commit.set_value(true);
}

TEST_CASE("A duplicate of a message whose commit failed is not answered as stored") {
  Fixture f;
  MessageLog::Admission original = FifoAdmission();
  std::promise<bool> original_commit;
  PublishOutput out;
  REQUIRE(f.log.Admit(original, "x", out, original_commit.get_future().share()));
  MessageLog::Admission duplicate = FifoAdmission();
  std::promise<bool> duplicate_commit;
  CHECK_FALSE(f.log.Admit(duplicate, "x", out, duplicate_commit.get_future().share()));
  f.log.Forget(original);
  original_commit.set_value(false);
  CHECK_FALSE(MessageLog::AwaitOriginals(duplicate).has_value());
}

TEST_CASE("Load restores the count, the sequences and the deduplication window") {
  Fixture f;
  // The topic's row holds the sequence (MessageLog::Commit raises it).
  REQUIRE(f.storage.writer
              ->Call([](storage::Database& db) {
                return storage::UpsertTopic(
                    db, storage::TopicRow{kFifo, "t.fifo", "us-east-1", "000000000000", "{}", "[]",
                                          0, 0, 1});
              })
              .has_value());
  auto first = f.Publish(kFifo, true, "d1");
  REQUIRE(f.Publish(kFifo, true, "d2").has_value());
  REQUIRE(f.Publish("arn:aws:sns:us-east-1:000000000000:s", false, std::nullopt).has_value());

  MessageLog reloaded(*f.storage.writer, f.clock, f.ids);
  REQUIRE(reloaded.Load().has_value());
  CHECK(reloaded.count() == 3);
  MessageLog::Admission admission = FifoAdmission();
  std::promise<bool> committed;
  const std::shared_future<bool> mine = committed.get_future().share();
  PublishOutput out;
  CHECK_FALSE(reloaded.Admit(admission, "d1", out, mine));
  CHECK(out.message_id == first->message_id);
  CHECK(reloaded.Admit(admission, "d3", out, mine));
  CHECK(out.sequence_number == "10000000000000003000");
}

}  // namespace offstage::sns
