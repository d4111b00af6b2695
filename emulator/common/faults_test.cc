// Unit tests of the fault injection rules: both written forms and their refusals, and draws
// that are reproducible from a seed, honour count and every, and keep each rule's sequence
// independent of the others.
#include "emulator/common/faults.h"

#include <doctest/doctest.h>

#include <algorithm>

namespace offstage::common {
namespace {

constexpr std::initializer_list<FaultKind> kInvocation = {FaultKind::kError, FaultKind::kTimeout,
                                                          FaultKind::kCrash, FaultKind::kThrottle};

TEST_CASE("FaultRule: the flag and JSON forms, and what they refuse") {
  auto rule = FaultRule::FromFlag("function=worker,kind=error,probability=0.3,count=5,seed=7");
  REQUIRE(rule.has_value());
  CHECK(rule->target == FaultTarget::kFunction);
  CHECK(rule->name == "worker");
  CHECK(rule->kind == FaultKind::kError);
  CHECK(rule->probability == doctest::Approx(0.3));
  CHECK(rule->count == 5);
  CHECK(rule->seed == 7);
  auto delay = FaultRule::FromJson(R"({"topic": "jobs", "kind": "delay", "delayMs": 250})");
  REQUIRE(delay.has_value());
  CHECK(delay->target == FaultTarget::kTopic);
  CHECK(delay->delay_ms == 250);
  for (const char* bad : {
           "function=worker",                 // no kind
           "function=worker,kind=explode",    // unknown kind
           "topic=jobs,kind=error",           // an invocation fault on a topic
           "function=worker,kind=duplicate",  // a delivery fault on a function
           "function=worker,kind=error,probability=2",
           "function=worker,kind=error,count=0",
           "topic=jobs,kind=delay",                  // a delay without delayMs
           "function=worker,kind=error,colour=red",  // unknown key
           "kind=error",                             // no target
           "function=worker,kind=error,seed=x",
       }) {
    CAPTURE(bad);
    auto refused = FaultRule::FromFlag(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.starts_with("fault rule: "));
  }
  CHECK_FALSE(FaultRule::FromJson("[1]").has_value());
  CHECK_FALSE(FaultRule::FromJson(R"({"function": "a", "topic": "b", "kind": "error"})"));
}

TEST_CASE("FaultInjector: the same seed gives the same faults; count and every hold") {
  auto sequence = [](uint64_t seed) {
    FaultInjector faults;
    FaultRule rule = *FaultRule::FromFlag("function=worker,kind=error,probability=0.3");
    rule.seed = seed;
    faults.Add(rule);
    std::vector<bool> fired;
    for (int i = 0; i < 1000; ++i) {
      fired.push_back(faults.Draw(FaultTarget::kFunction, {"worker"}, kInvocation).has_value());
    }
    return fired;
  };
  const auto a = sequence(7);
  CHECK(a == sequence(7));
  CHECK(a != sequence(8));
  const auto fired = std::count(a.begin(), a.end(), true);
  CHECK(fired > 230);  // 30% of 1000, give or take what a fixed seed draws
  CHECK(fired < 370);

  FaultInjector faults;
  faults.Add(*FaultRule::FromFlag("function=*,kind=crash,count=2,every=3"));
  int injected = 0;
  for (int i = 1; i <= 12; ++i) {
    auto injection = faults.Draw(FaultTarget::kFunction, {"any"}, kInvocation);
    if (injection) {
      ++injected;
      CHECK(i % 3 == 0);  // every third call only
      CHECK(injection->Describe() == "crash injected by fault rule f1");
    }
  }
  CHECK(injected == 2);  // and no more than count
  CHECK(faults.List().front().seen == 12);
  CHECK(faults.List().front().injected == 2);
  // Other targets and kinds are not matched.
  CHECK_FALSE(faults.Draw(FaultTarget::kTopic, {"any"}, {FaultKind::kDelay}));
  CHECK(faults.Clear("f9") == 0);
  CHECK(faults.Clear() == 1);
  CHECK(faults.empty());
}

}  // namespace
}  // namespace offstage::common
