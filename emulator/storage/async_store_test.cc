// Unit tests of async_store: the event state's names (the only spelling of them, also in the
// migrations' partial index) and their round trip through the table.
#include "emulator/storage/async_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "emulator/storage/testing/test_database.h"

namespace offstage::storage {
namespace {

AsyncEventRow Event(const std::string& id, AsyncEventState state, int64_t enqueued_ns) {
  AsyncEventRow row;
  row.request_id = id;
  row.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:worker";
  row.invoked_arn = row.function_arn;
  row.payload = "{}";
  row.trace_id = "1-trace";
  row.source = "invoke";
  row.state = state;
  row.enqueued_ns = row.next_attempt_ns = enqueued_ns;
  return row;
}

TEST_CASE("every async event state has one name, parsed back to itself") {
  for (AsyncEventState state :
       {AsyncEventState::kQueued, AsyncEventState::kRetrying, AsyncEventState::kSucceeded,
        AsyncEventState::kFailed, AsyncEventState::kExpired}) {
    const std::string_view name = AsyncEventStateName(state);
    CHECK(name != "unknown");
    CHECK(ParseAsyncEventState(name) == state);
  }
  CHECK(AsyncEventStateName(AsyncEventState::kRetrying) == "retrying");
  CHECK_FALSE(ParseAsyncEventState("Queued").has_value());
  CHECK_FALSE(ParseAsyncEventState("").has_value());
}

TEST_CASE("the unfinished states' SQL matches the partial index of migration 3") {
  // CREATE INDEX async_events_unfinished ... WHERE state IN ('queued', 'retrying'): a query
  // uses that index only when its condition is written the same way.
  CHECK(UnfinishedAsyncStatesSql() == "('queued', 'retrying')");
}

TEST_CASE("events keep their state through the table; only unfinished ones are reloaded") {
  auto db = testing::OpenMemoryDatabase();
  REQUIRE(InsertAsyncEvent(*db, Event("a", AsyncEventState::kQueued, 1)).has_value());
  REQUIRE(InsertAsyncEvent(*db, Event("b", AsyncEventState::kQueued, 2)).has_value());
  REQUIRE(InsertAsyncEvent(*db, Event("c", AsyncEventState::kQueued, 3)).has_value());
  AsyncEventRow retrying = Event("b", AsyncEventState::kRetrying, 2);
  retrying.attempts = 1;
  REQUIRE(UpdateAsyncEvent(*db, retrying).has_value());
  AsyncEventRow expired = Event("c", AsyncEventState::kExpired, 3);
  expired.finished_ns = 9;
  REQUIRE(UpdateAsyncEvent(*db, expired).has_value());

  auto unfinished = UnfinishedAsyncEvents(*db);
  REQUIRE(unfinished.has_value());
  REQUIRE(unfinished->size() == 2);
  CHECK((*unfinished)[0].request_id == "a");
  CHECK((*unfinished)[0].state == AsyncEventState::kQueued);
  CHECK((*unfinished)[1].request_id == "b");
  CHECK((*unfinished)[1].state == AsyncEventState::kRetrying);
  CHECK((*unfinished)[1].attempts == 1);

  auto failed = FailedAsyncEvents(*db, expired.function_arn, 0);
  REQUIRE(failed.has_value());
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].state == AsyncEventState::kExpired);
}

TEST_CASE("a stored state this build does not know is refused, not guessed") {
  auto db = testing::OpenMemoryDatabase();
  REQUIRE(InsertAsyncEvent(*db, Event("x", AsyncEventState::kQueued, 1)).has_value());
  REQUIRE(db->Exec("UPDATE async_events SET state = 'paused' WHERE request_id = 'x'").has_value());
  auto found = FindAsyncEvent(*db, "x");
  REQUIRE_FALSE(found.has_value());
  CHECK(found.error().message.find("unknown state 'paused'") != std::string::npos);
}

}  // namespace
}  // namespace offstage::storage
