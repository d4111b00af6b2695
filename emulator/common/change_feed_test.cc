#include "emulator/common/change_feed.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

namespace offstage::common {
namespace {

using std::chrono::milliseconds;

TEST_CASE("ChangeFeed: a wait returns the new version once it moves, and not before") {
  ChangeFeed feed;
  const uint64_t start = feed.version();
  CHECK(start != 0);
  // Nothing changed: the wait times out with the version it was given.
  CHECK(feed.WaitPast(start, milliseconds(20)) == start);
  // A version other than the current one is answered at once (a waiter that is behind).
  CHECK(feed.WaitPast(0, milliseconds(60'000)) == start);

  auto waiter =
      std::async(std::launch::async, [&] { return feed.WaitPast(start, milliseconds(60'000)); });
  CHECK(waiter.wait_for(milliseconds(50)) == std::future_status::timeout);
  feed.Bump();
  REQUIRE(waiter.wait_for(milliseconds(30'000)) == std::future_status::ready);
  CHECK(waiter.get() == start + 1);
  CHECK(feed.version() == start + 1);
}

TEST_CASE("ChangeFeed: Close wakes a waiter at once, and every later wait returns at once") {
  ChangeFeed feed;
  const uint64_t start = feed.version();
  auto waiter =
      std::async(std::launch::async, [&] { return feed.WaitPast(start, milliseconds(60'000)); });
  CHECK(waiter.wait_for(milliseconds(50)) == std::future_status::timeout);
  CHECK_FALSE(feed.closed());
  feed.Close();
  REQUIRE(waiter.wait_for(milliseconds(30'000)) == std::future_status::ready);
  CHECK(waiter.get() == start);
  CHECK(feed.closed());
  auto later =
      std::async(std::launch::async, [&] { return feed.WaitPast(start, milliseconds(60'000)); });
  CHECK(later.wait_for(milliseconds(30'000)) == std::future_status::ready);
}

}  // namespace
}  // namespace offstage::common
