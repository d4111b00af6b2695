// Unit tests of AsyncQueue: Lambda's retry rules for asynchronous invocations (retries after a
// function error, expiry by age, throttles that back off without counting as attempts, a
// function that is gone), driven through a scripted AsyncHandler, a FakeClock and a
// :memory: database, and checked in the rows the queue commits. Retry delays are 0 so no
// test waits on a timer; the throttle backoff is cut short by Wake, as a freed slot does.
#include "emulator/lambda/async_queue.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::lambda {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
const std::string kArn = "arn:aws:lambda:us-east-1:000000000000:function:worker";

// Answers each attempt from a script (the last entry repeats) and records what the queue
// asked of it.
class ScriptedHandler final : public AsyncHandler {
 public:
  std::optional<AsyncPolicy> policy = AsyncPolicy{};
  std::deque<AttemptResult> script = {AttemptResult::kSuccess};

  std::optional<AsyncPolicy> PolicyFor(const AsyncEvent&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++asked_;
    cv_.notify_all();
    return policy;
  }
  // Idempotent, as LambdaService's is (SNS signs the same event to the same bytes).
  void Prepare(AsyncEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++prepared_;
    if (!event.payload.starts_with("prepared:")) event.payload = "prepared:" + event.payload;
  }
  Attempt RunAttempt(const AsyncEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    payloads_.push_back(event.payload);
    Attempt attempt;
    attempt.result = script.front();
    if (script.size() > 1) script.pop_front();
    switch (attempt.result) {
      case AttemptResult::kSuccess:
        attempt.outcome = "success";
        attempt.payload = "\"ok\"";
        break;
      case AttemptResult::kFunctionError:
        attempt.outcome = "error";
        attempt.error_type = "Error";
        attempt.payload = R"({"errorType":"Error","errorMessage":"worker broken"})";
        break;
      case AttemptResult::kThrottled:
      case AttemptResult::kRejected:
        attempt.outcome = "throttled";
        break;
      case AttemptResult::kAborted:
        break;
    }
    if (attempt.result != AttemptResult::kThrottled && attempt.result != AttemptResult::kRejected) {
      attempt.started_ns = 1;
    }
    cv_.notify_all();
    return attempt;
  }
  std::string Finish(const AsyncEvent&, Condition condition, const Attempt&) override {
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(condition);
    cv_.notify_all();
    return "finished";
  }

  // Waits until `n` attempts have run (throttled ones included); false after 30 s.
  bool WaitForAttempts(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return payloads_.size() >= n; });
  }
  // Waits until the queue has taken an event up (asked for its function's policy).
  bool WaitForDispatch() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return asked_ > 0; });
  }
  bool WaitForFinish() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return !finished_.empty(); });
  }
  std::vector<Condition> finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }
  std::vector<std::string> payloads() {
    std::lock_guard<std::mutex> lock(mu_);
    return payloads_;
  }
  int prepared() {
    std::lock_guard<std::mutex> lock(mu_);
    return prepared_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> payloads_;
  std::vector<Condition> finished_;
  int prepared_ = 0;
  int asked_ = 0;
};

struct Fixture {
  common::testing::FakeClock clock;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::Writer> writer;
  std::unique_ptr<telemetry::Recorder> recorder;
  std::unique_ptr<AsyncQueue> queue;
  ScriptedHandler handler;

  Fixture() {
    db = storage::testing::OpenMemoryDatabase();
    writer = std::make_unique<storage::Writer>(*db, clock);
    recorder = std::make_unique<telemetry::Recorder>(*writer);
    queue = std::make_unique<AsyncQueue>(AsyncOptions{{0, 0}, 2}, *writer, *recorder, clock, log);
  }
  ~Fixture() {
    queue.reset();
    writer.reset();
  }

  AsyncEvent Event(const std::string& id) const {
    AsyncEvent event;
    event.request_id = id;
    event.function_arn = event.invoked_arn = kArn;
    event.payload = "{}";
    event.trace_id = "1-trace";
    event.source = "invoke";
    event.enqueued_ns = event.next_attempt_ns = clock.NowNanos();
    return event;
  }

  // The queue has stopped (so every commit it made has been posted), and the read is queued
  // behind those Posts (Query, not Call, which runs ahead of them): the event as stored.
  storage::AsyncEventRow Stored(const std::string& id) {
    queue->Stop();
    std::optional<storage::AsyncEventRow> row;
    REQUIRE(writer
                ->Query([&](storage::Database& d) -> common::Status {
                  auto found = storage::FindAsyncEvent(d, id);
                  if (!found) return common::Fail(found.error());
                  row = *found;
                  return {};
                })
                .has_value());
    REQUIRE(row.has_value());
    return *row;
  }
  std::vector<storage::AsyncAttemptRow> Attempts(const std::string& id) {
    std::vector<storage::AsyncAttemptRow> rows;
    REQUIRE(writer
                ->Query([&](storage::Database& d) -> common::Status {
                  auto found = storage::AsyncAttempts(d, id);
                  if (!found) return common::Fail(found.error());
                  rows = *found;
                  return {};
                })
                .has_value());
    return rows;
  }
};

TEST_CASE("AsyncQueue: a function error is retried max_retry_attempts times, then fails") {
  Fixture f;
  f.handler.script = {AttemptResult::kFunctionError};
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(f.Event("e1")).has_value());
  REQUIRE(f.handler.WaitForFinish());
  CHECK(f.handler.finished() == std::vector<Condition>{Condition::kRetriesExhausted});
  // Prepared before each attempt; every attempt got the prepared payload.
  CHECK(f.handler.prepared() == 3);
  CHECK(f.handler.payloads() == std::vector<std::string>(3, "prepared:{}"));
  const auto row = f.Stored("e1");
  CHECK(row.state == storage::AsyncEventState::kFailed);
  CHECK(row.attempts == 3);
  CHECK(row.last_error == "Error");
  CHECK(row.disposition == "finished");
  const auto attempts = f.Attempts("e1");
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].attempt == 1);
  CHECK(attempts[2].attempt == 3);
  CHECK(attempts[2].outcome == "error");
}

TEST_CASE("AsyncQueue: a retry that succeeds ends the event succeeded") {
  Fixture f;
  f.handler.script = {AttemptResult::kFunctionError, AttemptResult::kSuccess};
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(f.Event("e2")).has_value());
  REQUIRE(f.handler.WaitForFinish());
  CHECK(f.handler.finished() == std::vector<Condition>{Condition::kSuccess});
  const auto row = f.Stored("e2");
  CHECK(row.state == storage::AsyncEventState::kSucceeded);
  CHECK(row.attempts == 2);
}

TEST_CASE("AsyncQueue: MaximumRetryAttempts 0 means one attempt") {
  Fixture f;
  f.handler.policy = AsyncPolicy{0, 3600 * kSecond};
  f.handler.script = {AttemptResult::kFunctionError};
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(f.Event("e3")).has_value());
  REQUIRE(f.handler.WaitForFinish());
  CHECK(f.handler.payloads().size() == 1);
  CHECK(f.Stored("e3").state == storage::AsyncEventState::kFailed);
}

TEST_CASE("AsyncQueue: an event older than MaximumEventAgeInSeconds expires without running") {
  Fixture f;
  f.handler.policy = AsyncPolicy{2, 60 * kSecond};
  AsyncEvent event = f.Event("e4");
  event.enqueued_ns -= 61 * kSecond;  // accepted 61 s ago (a restart, a long backoff)
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(event).has_value());
  REQUIRE(f.handler.WaitForFinish());
  CHECK(f.handler.finished() == std::vector<Condition>{Condition::kEventAgeExceeded});
  CHECK(f.handler.payloads().empty());
  const auto row = f.Stored("e4");
  CHECK(row.state == storage::AsyncEventState::kExpired);
  CHECK(row.attempts == 0);
}

TEST_CASE("AsyncQueue: a throttle backs off without counting as an attempt; Wake retries it") {
  Fixture f;
  f.handler.script = {AttemptResult::kThrottled, AttemptResult::kSuccess};
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(f.Event("e5")).has_value());
  REQUIRE(f.handler.WaitForAttempts(1));
  // Backing off (1 s on the fake clock, which does not move): a slot of the function frees.
  // The throttle's row is posted before the event is rescheduled; Wake may come first, so
  // keep waking until the second attempt runs.
  bool ran = false;
  for (int i = 0; i < 3000 && !ran; ++i) {
    f.queue->Wake(kArn);
    ran = f.handler.payloads().size() >= 2;
    if (!ran) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(ran);
  REQUIRE(f.handler.WaitForFinish());
  const auto row = f.Stored("e5");
  CHECK(row.state == storage::AsyncEventState::kSucceeded);
  CHECK(row.attempts == 1);  // the throttle was not an attempt
  const auto attempts = f.Attempts("e5");
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].attempt == -1);  // recorded as the first throttle
  CHECK(attempts[0].outcome == "throttled");
  CHECK(attempts[1].attempt == 1);
}

TEST_CASE("AsyncQueue: Wake does not hasten another function's throttled events") {
  Fixture f;
  f.handler.script = {AttemptResult::kThrottled, AttemptResult::kSuccess};
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(f.Event("e6")).has_value());
  REQUIRE(f.handler.WaitForAttempts(1));
  for (int i = 0; i < 20; ++i) {
    f.queue->Wake(kArn + "-other");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(f.handler.payloads().size() == 1);
  CHECK(f.Stored("e6").state == storage::AsyncEventState::kQueued);  // never ran: still queued
}

TEST_CASE("AsyncQueue: an event of a deleted function is dropped, failed, without a destination") {
  Fixture f;
  f.handler.policy = std::nullopt;
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Enqueue(f.Event("e7")).has_value());
  REQUIRE(f.handler.WaitForDispatch());
  const auto row = f.Stored("e7");  // Stop waits for the running pass
  CHECK(f.handler.finished().empty());
  CHECK(f.handler.payloads().empty());
  CHECK(row.state == storage::AsyncEventState::kFailed);
  CHECK(row.disposition == "dropped: the function no longer exists");
}

TEST_CASE("AsyncQueue: Load resumes the unfinished events committed before a stop") {
  Fixture f;
  AsyncEvent queued = f.Event("e8");
  AsyncEvent done = f.Event("e9");
  done.state = storage::AsyncEventState::kSucceeded;
  REQUIRE(f.writer
              ->Call([&](storage::Database& d) -> common::Status {
                if (auto s = storage::InsertAsyncEvent(d, queued); !s) return s;
                return storage::InsertAsyncEvent(d, done);
              })
              .has_value());
  f.queue->Start(&f.handler);
  REQUIRE(f.queue->Load().has_value());
  REQUIRE(f.handler.WaitForFinish());
  CHECK(f.handler.payloads().size() == 1);  // e8 only
  CHECK(f.Stored("e8").state == storage::AsyncEventState::kSucceeded);
}

}  // namespace
}  // namespace offstage::lambda
