// Unit tests of HotReload: at most one walk per function per 500 ms, the first fingerprint
// taken as the baseline, a change reported once, a walk that ended after a later one ignored,
// and a forgotten (deleted) function started afresh. A FakeClock; no directory is walked (the
// fingerprints are given). Single-threaded.
#include "emulator/lambda/hot_reload.h"

#include <doctest/doctest.h>

#include "emulator/common/testing/fakes.h"

namespace offstage::lambda {
namespace {

constexpr int64_t kMs = 1'000'000;

Function Local(const std::string& dir) {
  Function f;
  f.name = "fn";
  f.arn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
  f.code.dir = dir;
  f.code.local_dir = true;
  return f;
}

}  // namespace

TEST_CASE("Hot reload walks a local directory at most every 500 ms and reports each change once") {
  common::testing::FakeClock clock;
  HotReload hot(clock);
  const Function fn = Local("/src/fn");

  Function zipped = fn;
  zipped.code.local_dir = false;
  CHECK_FALSE(hot.Due(zipped).has_value());  // extracted code never changes in place

  auto first = hot.Due(fn);
  REQUIRE(first.has_value());
  CHECK(first->dir == "/src/fn");
  CHECK_FALSE(hot.Due(fn).has_value());  // a concurrent invoker does not walk it again
  clock.Advance(499 * kMs);
  CHECK_FALSE(hot.Due(fn).has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *first, "v1"));  // the baseline
  clock.Advance(1 * kMs);
  auto second = hot.Due(fn);
  REQUIRE(second.has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *second, "v1"));  // unchanged
  clock.Advance(500 * kMs);
  auto third = hot.Due(fn);
  REQUIRE(third.has_value());
  CHECK(hot.Apply(fn.arn, *third, "v2"));  // changed: a new generation
  clock.Advance(500 * kMs);
  auto fourth = hot.Due(fn);
  REQUIRE(fourth.has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *fourth, "v2"));  // reported once
}

TEST_CASE("Hot reload ignores a walk that ends after a later one was applied") {
  common::testing::FakeClock clock;
  HotReload hot(clock);
  const Function fn = Local("/src/fn");
  auto baseline = hot.Due(fn);
  REQUIRE(baseline.has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *baseline, "v1"));

  clock.Advance(500 * kMs);
  auto slow = hot.Due(fn);  // started first, ends last
  REQUIRE(slow.has_value());
  clock.Advance(500 * kMs);
  auto quick = hot.Due(fn);
  REQUIRE(quick.has_value());
  CHECK(hot.Apply(fn.arn, *quick, "v3"));
  CHECK_FALSE(hot.Apply(fn.arn, *slow, "v2"));  // older than what was applied: ignored
  clock.Advance(500 * kMs);
  auto next = hot.Due(fn);
  REQUIRE(next.has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *next, "v3"));  // v3 stayed the baseline, not v2
}

TEST_CASE("Hot reload forgets a deleted function") {
  common::testing::FakeClock clock;
  HotReload hot(clock);
  const Function fn = Local("/src/fn");
  auto baseline = hot.Due(fn);
  REQUIRE(baseline.has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *baseline, "v1"));
  clock.Advance(500 * kMs);
  auto pending = hot.Due(fn);
  REQUIRE(pending.has_value());

  hot.Forget(fn.arn);
  CHECK_FALSE(hot.Apply(fn.arn, *pending, "v2"));  // its function is gone
  auto fresh = hot.Due(fn);  // a function created again: due at once, a new baseline
  REQUIRE(fresh.has_value());
  CHECK_FALSE(hot.Apply(fn.arn, *fresh, "v9"));
}

}  // namespace offstage::lambda
