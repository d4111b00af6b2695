#include "emulator/storage/writer.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/priority.h"
#include "emulator/common/testing/fakes.h"
#include "emulator/storage/sns_store.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::storage {
namespace {

int64_t Count(Writer& writer) {
  int64_t count = -1;
  REQUIRE(writer
              .Call([&](Database& db) -> Status {
                auto n = CountMessages(db);
                if (!n) return common::Fail(n.error());
                count = *n;
                return {};
              })
              .has_value());
  return count;
}

MessageRow Message(const std::string& id) {
  MessageRow row;
  row.message_id = id;
  row.topic_arn = "arn:aws:sns:us-east-1:000000000000:t";
  row.body = "hello";
  row.attributes_json = "{}";
  row.source_request_id = "r";
  return row;
}

}  // namespace

TEST_CASE("Migrations run once and record the schema version") {
  auto db = testing::OpenMemoryDatabase();
  CHECK(db->SchemaVersion() >= 1);
}

TEST_CASE("Writer commits concurrent submissions, and a failing job rolls back alone") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  Writer writer(*db, clock);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto row = Message("m-" + std::to_string(t) + "-" + std::to_string(i));
        auto done = writer.Submit([row](Database& d) { return InsertMessage(d, row); }).get();
        if (done.has_value()) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(ok == 400);

  // The duplicate message id violates UNIQUE: that job fails, its neighbour still commits.
  auto dup = writer.Submit([](Database& d) { return InsertMessage(d, Message("m-0-0")); });
  auto fresh = writer.Submit([](Database& d) { return InsertMessage(d, Message("fresh")); });
  CHECK_FALSE(dup.get().has_value());
  CHECK(fresh.get().has_value());
  CHECK(Count(writer) == 401);
}

TEST_CASE("Stop drains queued posts; later submissions fail cleanly") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  auto writer = std::make_unique<Writer>(*db, clock);
  for (int i = 0; i < 100; ++i) {
    writer->Post([i](Database& d) { return InsertMessage(d, Message("p" + std::to_string(i))); });
  }
  writer->Stop();
  auto late = writer->Submit([](Database&) -> Status { return {}; }).get();
  CHECK_FALSE(late.has_value());
  writer.reset();
  auto stmt = db->Prepare("SELECT count(*) FROM messages");
  REQUIRE(stmt.has_value());
  REQUIRE((*stmt)->Step().value());
  CHECK((*stmt)->ColumnInt(0) == 100);
}

TEST_CASE("A waiting Submit is committed after 2 ms of Posts, ahead of the rest of the batch") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  Writer writer(*db, clock);
  std::mutex mu;
  std::vector<std::string> order;
  auto note = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(what);
  };
  std::promise<void> first_started, release_first, second_started, release_second;
  std::shared_future<void> first_go = release_first.get_future().share();
  std::shared_future<void> second_go = release_second.get_future().share();
  // Batch 1 is the blocker alone: the rest are queued only once it runs, so however late the
  // writer thread wakes, they form batch 2 together.
  writer.Post([&](Database&) -> Status {
    first_started.set_value();
    first_go.wait();
    note("blocker");
    return {};
  });
  first_started.get_future().wait();
  writer.Post([&](Database&) -> Status {
    second_started.set_value();
    second_go.wait();
    note("p2");
    clock.Advance(1'000'000);
    return {};
  });
  for (int i = 3; i <= 10; ++i) {
    writer.Post([&, i](Database&) -> Status {
      note("p" + std::to_string(i));
      clock.Advance(1'000'000);  // each Post "takes" 1 ms
      return {};
    });
  }
  release_first.set_value();
  second_started.get_future().wait();  // batch 2 is running
  auto submitted = writer.Submit([&](Database&) -> Status {
    note("submit");
    return {};
  });
  release_second.set_value();
  REQUIRE(submitted.get().has_value());
  writer.Stop();
  // p2..p4 ran (3 ms > the 2 ms budget), then the Submit's batch, then the Posts left, in order.
  CHECK(order == std::vector<std::string>{"blocker", "p2", "p3", "p4", "submit", "p5", "p6", "p7",
                                          "p8", "p9", "p10"});
}

TEST_CASE("Lost Posts are told, at most once a second, and counted") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  std::mutex mu;
  std::vector<std::string> lines;
  Writer writer(*db, clock, [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(line);
  });
  auto failing = [](Database&) -> Status { return common::Fail(common::Internal("disk is full")); };
  auto sync = [&] { REQUIRE(writer.Query([](Database&) -> Status { return {}; }).has_value()); };
  writer.Post(failing);
  sync();
  writer.Post(failing);
  writer.Post([](Database&) -> Status { return {}; });  // a Post that succeeds is not counted
  writer.Post(failing);
  sync();
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(lines.size() == 1);  // the second and third fell within the same second
    CHECK(lines[0] ==
          "offstage: 1 background write was lost (telemetry or state the caller did not wait "
          "for; 1 since the start): disk is full");
  }
  clock.Advance(1'000'000'000);
  writer.Post(failing);
  sync();
  CHECK(writer.failed_posts() == 4);
  CHECK(writer.first_post_error() == "disk is full");
  writer.Post(failing);  // held back (within a second), then told at Stop
  sync();
  writer.Stop();
  writer.Post(failing);  // after Stop: told at once
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(lines.size() == 4);
  CHECK(lines[1] ==
        "offstage: 3 background writes were lost (telemetry or state the caller did not wait "
        "for; 4 since the start): disk is full");
  CHECK(lines[2].rfind("offstage: 1 background write was lost", 0) == 0);
  CHECK(lines[2].find("5 since the start") != std::string::npos);
  CHECK(lines[3] ==
        "offstage: 1 background write was lost (telemetry or state the caller did not wait "
        "for; 6 since the start): written after the writer stopped");
}

TEST_CASE("CheckpointAll copies the whole WAL, so the next commit starts it over") {
  char dir[] = "/tmp/offstage-wal-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/t.db";
  {
    auto opened = Database::Open(path, /*auto_checkpoint=*/false);
    REQUIRE(opened.has_value());
    Database& db = **opened;
    auto insert = [&](int i) {
      REQUIRE(db.Exec("BEGIN").has_value());
      REQUIRE(InsertMessage(db, Message("m" + std::to_string(i))).has_value());
      REQUIRE(db.Exec("COMMIT").has_value());
    };
    for (int i = 0; i < 50; ++i) insert(i);
    const int before = db.WalFrames();
    CHECK(before >= 50);  // at least a frame per commit
    auto done = db.CheckpointAll();
    REQUIRE(done.has_value());
    CHECK(*done);
    CHECK(db.WalFrames() == 0);
    insert(50);
    CHECK(db.WalFrames() > 0);
    CHECK(db.WalFrames() < 10);  // started over: only this commit's frames
    auto count = CountMessages(db);
    REQUIRE(count.has_value());
    CHECK(*count == 51);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace offstage::storage

namespace offstage::storage {

TEST_CASE("Writer: the change feed moves after a batch that wrote, never after a read") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  Writer writer(*db, clock);
  const uint64_t start = writer.changes().version();
  // A read (Query) and a Submit that writes nothing leave it alone: a reader the feed woke
  // cannot wake itself again.
  REQUIRE(writer.Query([](Database&) -> Status { return {}; }).has_value());
  CHECK(Count(writer) == 0);
  CHECK(writer.changes().version() == start);
  // A write moves it once its batch committed.
  REQUIRE(writer.Call([](Database& d) { return InsertMessage(d, Message("m1")); }).has_value());
  const uint64_t after_write = writer.changes().version();
  CHECK(after_write > start);
  CHECK(Count(writer) == 1);
  CHECK(writer.changes().version() == after_write);
  // Stop closes it: a waiter is not held up by a daemon that is going.
  writer.Stop();
  CHECK(writer.changes().closed());
}

TEST_CASE(
    "Writer: Posts wait for company, so a burst of them is one transaction; a Query does not "
    "wait") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  // A long delay, so the burst below is surely inside it however slow the machine is.
  Writer writer(*db, clock, nullptr, 2048, std::chrono::milliseconds(400));
  const uint64_t start = writer.changes().version();
  for (int i = 0; i < 5; ++i) {
    writer.Post([i](Database& d) { return InsertMessage(d, Message("m" + std::to_string(i))); });
  }
  // One committed batch for the five, once the delay is over.
  CHECK(writer.changes().WaitPast(start, std::chrono::seconds(30)) == start + 1);
  CHECK(Count(writer) == 5);
  // A Query behind a Post runs without waiting out the delay (a minute here) and sees it.
  auto db2 = testing::OpenMemoryDatabase();
  Writer patient(*db2, clock, nullptr, 2048, std::chrono::seconds(60));
  patient.Post([](Database& d) { return InsertMessage(d, Message("m5")); });
  const auto asked = std::chrono::steady_clock::now();
  int64_t seen = -1;
  REQUIRE(patient
              .Query([&](Database& d) -> Status {
                auto n = CountMessages(d);
                if (!n) return common::Fail(n.error());
                seen = *n;
                return {};
              })
              .has_value());
  CHECK(seen == 1);
  // PostNow does not wait out the delay either: its batch commits without a reader asking.
  const uint64_t before_now = patient.changes().version();
  patient.PostNow([](Database& d) { return InsertMessage(d, Message("m6")); });
  CHECK(patient.changes().WaitPast(before_now, std::chrono::seconds(30)) > before_now);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(30));
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(30));
}

TEST_CASE(
    "Writer::Commit runs the batch on its caller's thread when none runs; concurrent ones all "
    "commit") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  Writer writer(*db, clock);
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  auto committed = writer.Commit([&](Database& d) {
    ran_on = std::this_thread::get_id();
    return InsertMessage(d, Message("lead"));
  });
  REQUIRE(committed.has_value());
  CHECK(ran_on == caller);  // led: no hand-off to the writer thread
  // A failing job fails alone and is rolled back.
  auto failed =
      writer.Commit([](Database&) -> Status { return common::Fail(common::Internal("refused")); });
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message == "refused");
  // Many threads at once, with Posts between them: each Commit's row is there when it returns.
  std::vector<std::thread> threads;
  std::atomic<int> missing{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
        writer.Post([id](Database& d) { return InsertMessage(d, Message("p" + id)); });
        if (!writer.Commit([id](Database& d) { return InsertMessage(d, Message(id)); })) {
          ++missing;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(missing == 0);
  writer.Stop();
  auto n = CountMessages(*db);
  REQUIRE(n.has_value());
  CHECK(*n == 1 + 8 * 50 * 2);
}

TEST_CASE("Writer::Commit from a background thread is run by the writer thread") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  Writer writer(*db, clock);
  std::thread::id caller, ran_on;
  std::thread background([&] {
    common::RunInBackground();
    caller = std::this_thread::get_id();
    REQUIRE(writer
                .Commit([&](Database& d) {
                  ran_on = std::this_thread::get_id();
                  return InsertMessage(d, Message("bg"));
                })
                .has_value());
  });
  background.join();
  CHECK(ran_on != caller);
}

TEST_CASE("Writer::Commit leads its own job, not the Posts queued: they wait for company") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  // A delay far longer than the test, so only a batch of their own commits the Posts early.
  Writer writer(*db, clock, nullptr, 2048, std::chrono::seconds(60));
  const uint64_t start = writer.changes().version();
  writer.Post([](Database& d) { return InsertMessage(d, Message("span of the last one")); });
  REQUIRE(writer.Commit([](Database& d) { return InsertMessage(d, Message("own")); }));
  // One batch committed, with the Commit's row alone (the writer thread sleeps on its timer, so
  // the database is read here while nobody writes it).
  CHECK(writer.changes().version() == start + 1);
  auto n = CountMessages(*db);
  REQUIRE(n.has_value());
  CHECK(*n == 1);
  // A Query behind the Post still sees it: the Post ran first, in its own batch.
  auto seen = writer.QueryValue([](Database& d) { return CountMessages(d); });
  REQUIRE(seen.has_value());
  CHECK(*seen == 2);
}

TEST_CASE(
    "Writer::Commit takes along what is due: a PostNow queued before it is in when it returns") {
  auto db = testing::OpenMemoryDatabase();
  common::testing::FakeClock clock;
  Writer writer(*db, clock, nullptr, 2048, std::chrono::seconds(60));
  for (int i = 0; i < 50; ++i) {
    CAPTURE(i);
    writer.PostNow(
        [i](Database& d) { return InsertMessage(d, Message("now" + std::to_string(i))); });
    REQUIRE(writer.Commit(
        [i](Database& d) { return InsertMessage(d, Message("own" + std::to_string(i))); }));
    // Read in a Commit of its own (run ahead of anything queued): the PostNow's row is already
    // committed, whether the writer thread ran it or the Commit before led it along.
    int64_t seen = -1;
    REQUIRE(writer.Commit([&](Database& d) -> Status {
      auto n = CountMessages(d);
      if (!n) return common::Fail(n.error());
      seen = *n;
      return {};
    }));
    CHECK(seen == 2 * (i + 1));
  }
}

}  // namespace offstage::storage
