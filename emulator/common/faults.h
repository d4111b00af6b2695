// Faults: the fault injection rules of `offstage faults`, `serve --fault`, the config file and
// the control API (issue #21). A rule targets a function, a topic or a subscription (by name or
// ARN, or every one with "*") and injects one kind of fault into the calls that reach it: a
// function error, a timeout, a crash, a throttle (invocations); an HTTP delivery failure, a
// delayed delivery, a duplicate delivery (SNS deliveries). Each rule fires with a probability
// (drawn from its own generator, seeded: the same calls in the same order give the same
// faults), optionally only on every Nth matching call and at most `count` times. The services
// ask Draw at their injection points and mark what it returns as injected in the trace and the
// logs. Thread model: any thread; one mutex guards the rules (a leaf: Draw does no I/O).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/common/mutex.h"
#include "emulator/common/result.h"

namespace offstage::common {

enum class FaultKind {
  kError,        // the invocation fails with an injected function error (the handler does not run)
  kTimeout,      // ... times out after the function's timeout
  kCrash,        // ... ends with Runtime.ExitError
  kThrottle,     // ... is throttled (429 for a synchronous call; an async event backs off)
  kHttpFailure,  // an HTTP delivery attempt fails as a 500 would
  kDelay,        // a delivery starts `delay_ms` later
  kDuplicate,    // a delivery is made twice
};
enum class FaultTarget { kFunction, kTopic, kSubscription };

// "error", "timeout", ... ; nullopt for a name that is none.
std::optional<FaultKind> ParseFaultKind(std::string_view name);
std::string_view FaultKindName(FaultKind kind);
// Whether `kind` applies to invocations (function targets) or to deliveries (topic and
// subscription targets).
bool IsInvocationFault(FaultKind kind);

struct FaultRule {
  std::string id;  // "f1", "f2", ... (given by Add)
  FaultTarget target = FaultTarget::kFunction;
  std::string name;  // a name, an ARN, or "*"
  FaultKind kind = FaultKind::kError;
  double probability = 1.0;
  std::optional<int64_t> count;  // at most this many injections
  int64_t every = 1;             // only every Nth matching call is a candidate
  int64_t delay_ms = 0;          // kDelay
  uint64_t seed = 0;
  // Read back: matching calls seen, injections made.
  int64_t seen = 0;
  int64_t injected = 0;

  std::string ToJson() const;
  // A rule from its JSON form ({"function": "worker", "kind": "error", "probability": 0.3,
  // "count": 5, "every": 2, "delayMs": 500, "seed": 7}), with the reason when it is not one.
  static Result<FaultRule> FromJson(const std::string& text);
  // A rule from the flag form "function=worker,kind=error,probability=0.3,seed=7".
  static Result<FaultRule> FromFlag(std::string_view text);
};

// What Draw returns: the rule that fired and what to do.
struct Injection {
  std::string rule_id;
  FaultKind kind = FaultKind::kError;
  int64_t delay_ms = 0;
  // "error injected by fault rule f1": for logs, span attributes and error messages.
  std::string Describe() const;
};

class FaultInjector {
 public:
  // Adds `rule` (its id assigned) and returns it.
  FaultRule Add(FaultRule rule) EXCLUDES(mu_);
  std::vector<FaultRule> List() const EXCLUDES(mu_);
  // Removes the rule `id`, or every rule when `id` is empty; how many went.
  int Clear(const std::string& id = "") EXCLUDES(mu_);
  // Whether any rule exists (a cheap check before building names).
  bool empty() const EXCLUDES(mu_);
  // The first rule of one of `kinds` targeting `target` by one of `names` (or "*") that fires
  // on this call, if any. Every matching rule counts the call as seen and draws, in order, so
  // a rule's draws do not depend on the others'.
  std::optional<Injection> Draw(FaultTarget target, const std::vector<std::string>& names,
                                std::initializer_list<FaultKind> kinds) EXCLUDES(mu_) {
    return Draw({{target, names}}, kinds);
  }
  // The same over several targets at once (a delivery: its subscription and its topic), in one
  // pass: every rule that matches any of them counts the call.
  std::optional<Injection> Draw(
      const std::vector<std::pair<FaultTarget, std::vector<std::string>>>& targets,
      std::initializer_list<FaultKind> kinds) EXCLUDES(mu_);

 private:
  struct Entry {
    FaultRule rule;
    std::mt19937_64 engine;
  };
  mutable Mutex mu_;
  std::vector<Entry> rules_ GUARDED_BY(mu_);
  int next_id_ GUARDED_BY(mu_) = 1;
};

}  // namespace offstage::common
