// Unit tests of Environment through the process seam (supervisor.h): a FakeSupervisor whose
// child is a thread speaking the Runtime API, so the lifecycle (cold and warm starts, freeze
// between events, errors, timeouts, exits, stop) is checked without an interpreter, while the
// Runtime API listener, the pipes and the log lines are the real ones.
#include "emulator/runtime/environment.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/testing/fakes.h"
#include "emulator/runtime/testing/fake_supervisor.h"

namespace offstage::runtime {
namespace {

using testing::FakeAnswer;
using testing::FakeSupervisor;

class Lines final : public LogSink {
 public:
  void Write(const LogLine& line) override {
    std::lock_guard lock(mu_);
    lines_.push_back(line.text);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

EnvironmentSpec Spec(int timeout_seconds = 3) {
  EnvironmentSpec spec;
  spec.function_name = "fake";
  spec.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fake";
  spec.runtime = "provided.al2023";  // its argv is the fake's to ignore: no shim is looked for
  spec.handler = "handler";
  spec.code_dir = "/tmp";
  spec.region = "us-east-1";
  spec.timeout_seconds = timeout_seconds;
  return spec;
}

InvocationRequest Event(const std::string& id, const std::string& payload,
                        int64_t timeout_ns = 3'000'000'000) {
  InvocationRequest request;
  request.request_id = id;
  request.payload = payload;
  request.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:fake";
  request.timeout_ns = timeout_ns;
  return request;
}

// Waits until the runtime sits in /next with nothing to do, frozen (a hang bound of 60 s, not
// a timing: it returns as soon as the environment says so).
bool WaitFrozen(const Environment& env) {
  for (int i = 0; i < 6000; ++i) {
    if (env.snapshot().frozen) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct Fixture {
  explicit Fixture(testing::FakeHandler handler) : supervisor(std::move(handler)) {}
  FakeSupervisor supervisor;
  common::SystemClock clock;
  common::testing::SequentialIds ids;
  Lines logs;
};

TEST_CASE("Environment: a cold start, then a warm one, frozen in between") {
  Fixture f([](const std::string& payload) {
    return FakeAnswer{FakeAnswer::Kind::kResponse, "{\"echo\":" + payload + "}"};
  });
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  CHECK(f.supervisor.spawned() == 1);
  REQUIRE(WaitFrozen(env));  // its first /next came before any event

  const InvocationOutcome first = env.Invoke(Event("r1", "1"));
  CHECK(first.kind == OutcomeKind::kSuccess);
  CHECK(first.payload == "{\"echo\":1}");
  CHECK(first.cold_start);
  CHECK(first.init_duration_ns > 0);
  CHECK(first.reusable);
  CHECK(first.handed_over_ns > 0);
  CHECK(first.finished_ns >= first.handed_over_ns);
  // The child's own line, read from its pipe, sits in the invocation's log before END.
  CHECK(first.log.find("fake runtime: event r1") != std::string::npos);
  CHECK(first.log.find("fake runtime: event r1") < first.log.find("END RequestId: r1"));
  CHECK(first.log.find("Init Duration:") != std::string::npos);
  REQUIRE(WaitFrozen(env));  // answered, back in /next: frozen until the next event

  const InvocationOutcome second = env.Invoke(Event("r2", "2"));
  CHECK(second.kind == OutcomeKind::kSuccess);
  CHECK(second.payload == "{\"echo\":2}");
  CHECK_FALSE(second.cold_start);
  CHECK(second.log.find("Init Duration:") == std::string::npos);
  CHECK(f.supervisor.spawned() == 1);  // warm: the same process
  // Frozen while it waited for each event, thawed to take it: the fake runs no step while
  // frozen, as a stopped process would not, so an event handed over unthawed would time out.
  // The freeze after the second answer follows its /next, asynchronously: wait for it (under
  // ASan the check once ran after it, once before).
  REQUIRE(WaitFrozen(env));
  CHECK(f.supervisor.last()->freezes() == 3);
  CHECK(f.supervisor.last()->thaws() == 2);
  env.Stop();
  CHECK(env.state() == Environment::State::kDead);
}

TEST_CASE("Environment: a handler error is the function's error, and the environment stays") {
  Fixture f([](const std::string&) {
    return FakeAnswer{FakeAnswer::Kind::kError, R"({"errorType":"Boom","errorMessage":"no"})"};
  });
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  const InvocationOutcome out = env.Invoke(Event("e1", "{}"));
  CHECK(out.kind == OutcomeKind::kFunctionError);
  CHECK(out.payload.find("Boom") != std::string::npos);
  CHECK(out.reusable);
  CHECK(out.log.find("Status: error") != std::string::npos);
}

TEST_CASE("Environment: a handler past its timeout is Sandbox.Timedout and its process killed") {
  Fixture f([](const std::string&) { return FakeAnswer{FakeAnswer::Kind::kHang, ""}; });
  Environment env(Spec(1), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  const InvocationOutcome out = env.Invoke(Event("t1", "{}", 200'000'000));
  CHECK(out.kind == OutcomeKind::kTimeout);
  CHECK(out.error_type == "Sandbox.Timedout");
  CHECK_FALSE(out.reusable);
  CHECK(out.log.find("Task timed out after 0.20 seconds") != std::string::npos);
  CHECK(env.state() == Environment::State::kDead);
  // Killed: the next event finds the environment gone, without waiting for anything.
  const InvocationOutcome after = env.Invoke(Event("t2", "{}", 200'000'000));
  CHECK(after.kind != OutcomeKind::kSuccess);
  CHECK_FALSE(after.reusable);
}

TEST_CASE("Environment: a runtime that exits is Runtime.ExitError with its exit status") {
  Fixture f([](const std::string&) { return FakeAnswer{FakeAnswer::Kind::kExit, "", 3}; });
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  const InvocationOutcome out = env.Invoke(Event("x1", "{}"));
  CHECK(out.kind == OutcomeKind::kExited);
  CHECK(out.error_type == "Runtime.ExitError");
  CHECK(out.payload.find("Runtime exited with error: exit status 3") != std::string::npos);
  CHECK_FALSE(out.reusable);
  // What it wrote to stderr before it exited is in the log.
  CHECK(out.log.find("fake runtime: exiting with 3") != std::string::npos);
}

TEST_CASE("Environment: Stop ends a waiting invocation as a platform error, not the handler's") {
  Fixture f([](const std::string&) { return FakeAnswer{FakeAnswer::Kind::kHang, ""}; });
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  std::thread stopper([&] {
    // Once the event is handed over (the fake logged it), stop the environment.
    for (int i = 0; i < 6000 && env.snapshot().state != Environment::State::kInvoking; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    env.Stop();
  });
  const InvocationOutcome out = env.Invoke(Event("s1", "{}", 60'000'000'000));
  stopper.join();
  CHECK(out.kind == OutcomeKind::kPlatformError);
  CHECK_FALSE(out.reusable);
}

}  // namespace
}  // namespace offstage::runtime

namespace offstage::runtime {
namespace {

std::string EnvValue(const ProcessSpec& spec, const std::string& name) {
  for (const std::string& var : spec.env) {
    if (var.starts_with(name + "=")) return var.substr(name.size() + 1);
  }
  return "<unset>";
}

TEST_CASE("Environment: layers at /opt where a private mount is allowed, named where it is not") {
  for (const bool allowed : {true, false}) {
    CAPTURE(allowed);
    Fixture f([](const std::string&) { return FakeAnswer{FakeAnswer::Kind::kResponse, "{}"}; });
    f.supervisor.opt_unavailable = allowed ? "" : "unshare: Operation not permitted";
    EnvironmentSpec spec = Spec();
    spec.opt_dir = "/data/code/.opt/0123456789abcdef";
    Environment env(spec, f.supervisor, f.clock, f.ids, f.logs);
    REQUIRE(env.Start().has_value());
    const ProcessSpec& process = f.supervisor.last_spec();
    const std::string opt = allowed ? "/opt" : spec.opt_dir;
    // The child is asked to see the merged layers at /opt only where that is possible.
    CHECK(process.opt_mount == (allowed ? spec.opt_dir : ""));
    // Lambda's paths name /opt; here they name whatever the child sees the layers at.
    CHECK(EnvValue(process, "PATH").ends_with(":" + opt + "/bin"));
    CHECK(EnvValue(process, "LD_LIBRARY_PATH") == "/tmp:/tmp/lib:" + opt + "/lib");
    const InvocationOutcome out = env.Invoke(Event("r1", "1"));
    CHECK(out.kind == OutcomeKind::kSuccess);
    const bool noted = out.log.find(
                           "WARNING\tthis function's layers are not at /opt here "
                           "(unshare: Operation not permitted)") != std::string::npos;
    CHECK(noted == !allowed);
    // Said at the cold start only.
    REQUIRE(WaitFrozen(env));
    const InvocationOutcome warm = env.Invoke(Event("r2", "2"));
    CHECK(warm.log.find("not at /opt") == std::string::npos);
  }
}

// Regression: a runtime that reported an error and exited before asking for the next event
// (as runtime clients do after an uncaught exception) failed the next invocation with
// Runtime.ExitError, although that event never reached it.
TEST_CASE("Environment: an event a warm runtime never took is not failed by its exit") {
  Fixture f([](const std::string&) {
    return FakeAnswer{FakeAnswer::Kind::kErrorThenExit, R"({"errorType":"Error"})"};
  });
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  const InvocationOutcome first = env.Invoke(Event("r1", "1"));
  CHECK(first.kind == OutcomeKind::kFunctionError);
  CHECK_FALSE(first.never_taken);
  const InvocationOutcome second = env.Invoke(Event("r2", "2"));
  CHECK(second.never_taken);
  CHECK(second.kind == OutcomeKind::kPlatformError);
  CHECK_FALSE(second.reusable);
  // Nothing of it was logged: no START for an event that did not start; nor counted.
  CHECK(second.log.empty());
  CHECK(env.snapshot().invocations == 1);
}

// An event for a warm runtime that answered and has not asked for the next one yet waits for
// that /next, which takes it at once (the Invoke is not woken to hand it over); its START line
// is written as the runtime takes it, once, before the handler's lines.
TEST_CASE("Environment: an event sent before the runtime asks again is taken by its next /next") {
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;
  bool holding = false;
  Fixture f([](const std::string& payload) {
    return FakeAnswer{FakeAnswer::Kind::kResponse, "{\"echo\":" + payload + "}"};
  });
  f.supervisor.before_next = [&] {
    std::unique_lock lock(mu);
    holding = hold;
    cv.notify_all();
    cv.wait(lock, [&] { return !hold; });
    holding = false;
  };
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  REQUIRE(WaitFrozen(env));
  {
    std::lock_guard lock(mu);
    hold = true;  // after its first answer the runtime stays busy until released
  }
  const InvocationOutcome first = env.Invoke(Event("r1", "1"));
  CHECK(first.kind == OutcomeKind::kSuccess);
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return holding; }));
  }
  CHECK(env.state() == Environment::State::kAnswered);

  InvocationOutcome second;
  // Its timeout is far past the bound below: an Invoke that waited for the runtime's /next
  // before leaving its event (as this did before) fails the check instead of passing late.
  std::thread invoker([&] { second = env.Invoke(Event("r2", "2", 60'000'000'000)); });
  // The event waits for the runtime (a hang bound, not a timing).
  bool waiting = false;
  for (int i = 0; i < 1000 && !waiting; ++i) {
    waiting = env.snapshot().event_waiting;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(waiting);
  CHECK(env.state() == Environment::State::kAnswered);
  {
    std::lock_guard lock(mu);
    hold = false;
  }
  cv.notify_all();
  invoker.join();
  CHECK(second.kind == OutcomeKind::kSuccess);
  CHECK(second.payload == "{\"echo\":2}");
  CHECK_FALSE(second.never_taken);
  CHECK(second.handed_over_ns > first.finished_ns);
  const size_t start = second.log.find("START RequestId: r2");
  REQUIRE(start != std::string::npos);
  CHECK(second.log.find("START RequestId: r2", start + 1) == std::string::npos);
  CHECK(start < second.log.find("fake runtime: event r2"));
  CHECK(second.log.find("fake runtime: event r2") < second.log.find("END RequestId: r2"));
  // Never frozen between the two: the /next that took r2 found it waiting.
  REQUIRE(WaitFrozen(env));
  CHECK(f.supervisor.last()->freezes() == 2);
  CHECK(f.supervisor.last()->thaws() == 1);
  env.Stop();
}

TEST_CASE("Environment: no layers, no layer paths and no mount") {
  Fixture f([](const std::string&) { return FakeAnswer{FakeAnswer::Kind::kResponse, "{}"}; });
  f.supervisor.opt_unavailable = "";
  Environment env(Spec(), f.supervisor, f.clock, f.ids, f.logs);
  REQUIRE(env.Start().has_value());
  CHECK(f.supervisor.last_spec().opt_mount.empty());
  CHECK(EnvValue(f.supervisor.last_spec(), "LD_LIBRARY_PATH") == "<unset>");
  CHECK(EnvValue(f.supervisor.last_spec(), "PATH").find("/opt") == std::string::npos);
}

}  // namespace
}  // namespace offstage::runtime
