#include "emulator/runtime/sandbox.h"

#include <doctest/doctest.h>

#include <map>
#include <utility>

namespace offstage::runtime {
namespace {

using S = SandboxState;
using E = SandboxEvent;

constexpr S kStates[] = {S::kStarting, S::kIdle, S::kInvoking, S::kAnswered, S::kDead};
constexpr E kEvents[] = {E::kNext, E::kHandOver, E::kAnswer, E::kInitError, E::kEnd};

TEST_CASE("Sandbox: every (state, event) pair is allowed exactly as the lifecycle says") {
  // Written out from the Runtime API's rules, independently of the table in sandbox.cc.
  const std::map<std::pair<S, E>, S> allowed = {
      {{S::kStarting, E::kNext}, S::kIdle},
      {{S::kStarting, E::kInitError}, S::kStarting},
      {{S::kStarting, E::kEnd}, S::kDead},
      {{S::kIdle, E::kNext}, S::kIdle},
      {{S::kIdle, E::kHandOver}, S::kInvoking},
      {{S::kIdle, E::kEnd}, S::kDead},
      {{S::kInvoking, E::kAnswer}, S::kAnswered},
      {{S::kInvoking, E::kEnd}, S::kDead},
      {{S::kAnswered, E::kNext}, S::kIdle},
      {{S::kAnswered, E::kEnd}, S::kDead},
      {{S::kDead, E::kEnd}, S::kDead},
  };
  int refused = 0;
  for (S state : kStates) {
    for (E event : kEvents) {
      CAPTURE(Name(state));
      CAPTURE(static_cast<int>(event));
      const auto next = Transition(state, event);
      auto it = allowed.find({state, event});
      if (it == allowed.end()) {
        CHECK_FALSE(next.has_value());
        ++refused;
      } else {
        REQUIRE(next.has_value());
        CHECK(*next == it->second);
      }
    }
  }
  CHECK(refused == 25 - 11);
}

TEST_CASE("Sandbox: the runtime cannot ask for an event while one is being handled") {
  CHECK_FALSE(Transition(S::kInvoking, E::kNext).has_value());
}

TEST_CASE("Sandbox: an answer without an event in progress is refused") {
  for (S state : {S::kStarting, S::kIdle, S::kAnswered, S::kDead}) {
    CAPTURE(Name(state));
    CHECK_FALSE(Transition(state, E::kAnswer).has_value());
  }
}

TEST_CASE("Sandbox: an init error is accepted only before the first /next") {
  CHECK(Transition(S::kStarting, E::kInitError) == S::kStarting);
  for (S state : {S::kIdle, S::kInvoking, S::kAnswered, S::kDead}) {
    CAPTURE(Name(state));
    CHECK_FALSE(Transition(state, E::kInitError).has_value());
  }
}

TEST_CASE("Sandbox: a dead environment accepts nothing but another end") {
  for (E event : {E::kNext, E::kHandOver, E::kAnswer, E::kInitError}) {
    CAPTURE(static_cast<int>(event));
    CHECK_FALSE(Transition(S::kDead, event).has_value());
  }
  CHECK(Transition(S::kDead, E::kEnd) == S::kDead);
}

TEST_CASE("Sandbox: a walk through one cold start and two invocations") {
  S state = S::kStarting;
  for (E event : {E::kNext, E::kHandOver, E::kAnswer, E::kNext, E::kHandOver, E::kAnswer, E::kNext,
                  E::kEnd}) {
    auto next = Transition(state, event);
    REQUIRE(next.has_value());
    state = *next;
  }
  CHECK(state == S::kDead);
}

}  // namespace
}  // namespace offstage::runtime
