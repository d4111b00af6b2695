// Unit tests of Pool's bookkeeping with real environments (python3 running offstage's runtime
// client on a one-line handler; started, never invoked): warm reuse, a retired generation,
// the reserved-concurrency and account throttles, and what each stops. Counts are checked
// through stats() and total(); an environment's end through its state.
#include "emulator/runtime/pool.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "emulator/common/testing/fakes.h"

namespace offstage::runtime {
namespace {

namespace fs = std::filesystem;

class NullLogs final : public LogSink {
 public:
  void Write(const LogLine&) override {}
};

struct Fixture {
  Fixture() {
    char pattern[] = "/tmp/offstage-pool-test-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    root = pattern;
    std::ofstream(root / "app.py") << "def handler(e, c): return 1\n";
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  EnvironmentSpec Spec(const std::string& name, uint64_t generation) const {
    EnvironmentSpec spec;
    spec.function_name = name;
    spec.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name;
    spec.runtime = "python3.12";
    spec.handler = "app.handler";
    spec.code_dir = root.string();
    spec.region = "us-east-1";
    spec.shim_dir = std::string(OFFSTAGE_SOURCE_DIR) + "/runtime-shim";
    spec.generation = generation;
    return spec;
  }

  // Environments here are released without an invocation, so their idle time is never set:
  // the reaper (every second) would take them as idle since the epoch. Only the test's own
  // steps stop them.
  static PoolOptions Options(int max_environments = 64) {
    PoolOptions options;
    options.max_environments = max_environments;
    options.idle_timeout_ns = std::numeric_limits<int64_t>::max();
    return options;
  }

  fs::path root;
  PosixSupervisor supervisor;
  common::SystemClock clock;
  common::testing::SequentialIds ids;
  NullLogs logs;
};

TEST_CASE("Pool: an idle environment is reused; one of a retired generation is stopped") {
  Fixture f;
  Pool pool(Fixture::Options(), f.supervisor, f.clock, f.ids, f.logs);
  const EnvironmentSpec spec = f.Spec("warm", 1);
  auto first = pool.Acquire(spec, -1);
  REQUIRE(first.has_value());
  pool.Release(*first, true);
  CHECK(pool.stats(spec.function_arn).idle == 1);
  auto again = pool.Acquire(spec, -1);
  REQUIRE(again.has_value());
  CHECK(again->get() == first->get());  // warm
  pool.Release(*again, true);

  pool.Retire(spec.function_arn, 2);
  CHECK((*first)->state() == Environment::State::kDead);
  CHECK(pool.stats(spec.function_arn).idle == 0);
  CHECK(pool.total() == 0);
  CHECK(pool.generation(spec.function_arn) == 2);
}

TEST_CASE("Pool: a reserved-concurrency throttle stops the stale idle environments it found") {
  // The throttle's path stopped them while holding the pool's mutex (every other Acquire and
  // Release waited on a process's exit); the counts must come out the same now that the stop
  // runs after the lock.
  Fixture f;
  Pool pool(Fixture::Options(), f.supervisor, f.clock, f.ids, f.logs);
  EnvironmentSpec spec = f.Spec("reserved", 1);
  auto busy = pool.Acquire(spec, -1);
  REQUIRE(busy.has_value());
  auto idle = pool.Acquire(spec, -1);  // the first is busy: a second, cold
  REQUIRE(idle.has_value());
  CHECK(busy->get() != idle->get());
  pool.Release(*idle, true);
  CHECK(pool.stats(spec.function_arn).busy == 1);
  CHECK(pool.stats(spec.function_arn).idle == 1);
  CHECK(pool.total() == 2);

  spec.generation = 2;  // the code changed: the idle one is stale
  auto throttled = pool.Acquire(spec, /*reserved=*/1);
  REQUIRE_FALSE(throttled.has_value());
  CHECK(throttled.error().reason == AcquireError::kThrottledReserved);
  CHECK((*idle)->state() == Environment::State::kDead);
  CHECK(pool.stats(spec.function_arn).idle == 0);
  CHECK(pool.stats(spec.function_arn).busy == 1);
  CHECK(pool.total() == 1);

  pool.Release(*busy, true);  // of the old generation too: stopped, not kept
  CHECK((*busy)->state() == Environment::State::kDead);
  CHECK(pool.total() == 0);
  auto fresh = pool.Acquire(spec, 1);
  REQUIRE(fresh.has_value());
  CHECK((*fresh)->spec().generation == 2);
  pool.Release(*fresh, true);
}

// Regression: each version's environments were counted against the reserved concurrency apart,
// so a function with 1 reserved ran its $LATEST and a version at once (AWS counts them
// together).
TEST_CASE("Pool: reserved concurrency counts every version of the function together") {
  Fixture f;
  Pool pool(Fixture::Options(), f.supervisor, f.clock, f.ids, f.logs);
  const EnvironmentSpec latest = f.Spec("fn", 1);
  EnvironmentSpec version = f.Spec("fn", 1);
  version.function_arn += ":1";
  version.version = "1";
  EnvironmentSpec other = f.Spec("fn2", 1);  // a name the first one prefixes: another function
  auto busy = pool.Acquire(latest, /*reserved=*/1);
  REQUIRE(busy.has_value());
  auto second = pool.Acquire(version, /*reserved=*/1);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().reason == AcquireError::kThrottledReserved);
  auto unrelated = pool.Acquire(other, /*reserved=*/1);
  REQUIRE(unrelated.has_value());
  pool.Release(*busy, true);
  auto now_free = pool.Acquire(version, /*reserved=*/1);
  REQUIRE(now_free.has_value());
  // $LATEST has a warm environment now: it may not take it while the version runs.
  auto warm_but_over = pool.Acquire(latest, /*reserved=*/1);
  REQUIRE_FALSE(warm_but_over.has_value());
  CHECK(warm_but_over.error().reason == AcquireError::kThrottledReserved);
  CHECK(pool.stats(latest.function_arn).idle == 1);  // still there for later
  pool.Release(*now_free, true);
  auto warm = pool.Acquire(latest, /*reserved=*/1);
  REQUIRE(warm.has_value());
  pool.Release(*warm, true);
  pool.Release(*unrelated, true);
  pool.StopAll();
}

TEST_CASE("Pool: at the account limit another function's idle environment makes room") {
  Fixture f;
  Pool pool(Fixture::Options(/*max_environments=*/1), f.supervisor, f.clock, f.ids, f.logs);
  const EnvironmentSpec a = f.Spec("a", 1);
  const EnvironmentSpec b = f.Spec("b", 1);
  auto first = pool.Acquire(a, -1);
  REQUIRE(first.has_value());
  pool.Release(*first, true);
  auto second = pool.Acquire(b, -1);
  REQUIRE(second.has_value());
  CHECK((*first)->state() == Environment::State::kDead);  // made room
  CHECK(pool.stats(a.function_arn).idle == 0);
  CHECK(pool.total() == 1);

  auto third = pool.Acquire(a, -1);  // b is busy: nothing to stop
  REQUIRE_FALSE(third.has_value());
  CHECK(third.error().reason == AcquireError::kThrottledAccount);
  CHECK(pool.total() == 1);
  CHECK(pool.stats(a.function_arn).busy == 0);
  pool.Release(*second, true);
}

}  // namespace
}  // namespace offstage::runtime

namespace offstage::runtime {
namespace {

TEST_CASE("Pool: Environments lists a function's live environments and leaves out stopped ones") {
  Fixture f;
  Pool pool(Fixture::Options(), f.supervisor, f.clock, f.ids, f.logs);
  const EnvironmentSpec spec = f.Spec("listed", 1);
  CHECK(pool.Environments(spec.function_arn).empty());
  auto env = pool.Acquire(spec, -1);
  REQUIRE(env.has_value());
  auto busy = pool.Environments(spec.function_arn);
  REQUIRE(busy.size() == 1);
  CHECK(busy[0].spawned_ns > 0);
  CHECK(busy[0].state != Environment::State::kDead);
  CHECK(pool.Environments(f.Spec("other", 1).function_arn).empty());
  pool.Release(*env, true);
  CHECK(pool.Environments(spec.function_arn).size() == 1);
  pool.Retire(spec.function_arn, 2);  // stops the idle one
  CHECK(pool.Environments(spec.function_arn).empty());
}

}  // namespace
}  // namespace offstage::runtime
