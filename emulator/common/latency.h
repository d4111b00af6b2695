// LatencyProfile: the simulated latency of `serve --latency aws|FILE` (issue #21): per hop of
// the pipeline (SNS to Lambda, SNS to HTTP, an asynchronous Invoke's queueing, a cold start per
// runtime family), a distribution of delays that the daemon adds on purpose. Each hop's delay
// is drawn from a log-normal fitted to its p50 and p99 and clamped to [min, max], from one
// seeded generator (--latency-seed: the same draws in the same order). The services record
// every delay as its own "simulated" span, never inside a measured one (docs/realism.md).
// Thread model: any thread; Sample takes a leaf mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "emulator/common/mutex.h"
#include "emulator/common/result.h"

namespace offstage::common {

enum class LatencyHop {
  kSnsLambda,        // a Publish's delivery to a Lambda subscriber, before its event is queued
  kSnsHttp,          // ... to an HTTP/S subscriber, before the first attempt
  kAsyncInvoke,      // an Event invocation's queueing, before its first attempt
  kColdStartNode,    // a new environment of a nodejs* function, before its first event
  kColdStartPython,  // ... python*
  kColdStartOther,   // ... provided*
};
std::string_view LatencyHopName(LatencyHop hop);

struct LatencyDistribution {
  int64_t p50_ns = 0;
  int64_t p99_ns = 0;
  int64_t min_ns = 0;
  int64_t max_ns = 0;
};

class LatencyProfile {
 public:
  // "none" (no profile), "aws" (the published figures of docs/realism.md), or a JSON file
  // {"sns-lambda": {"p50Ms": 70, "p99Ms": 400, "minMs": 20, "maxMs": 2000}, ...}.
  static Result<std::unique_ptr<LatencyProfile>> Load(const std::string& spec, uint64_t seed);
  // The built-in profile.
  static std::map<LatencyHop, LatencyDistribution> Aws();

  LatencyProfile(std::string name, std::map<LatencyHop, LatencyDistribution> hops, uint64_t seed)
      : name_(std::move(name)), hops_(std::move(hops)), engine_(seed) {}

  // A delay for `hop` in nanoseconds, or nullopt when the profile has none for it.
  std::optional<int64_t> Sample(LatencyHop hop) EXCLUDES(mu_);
  const std::string& name() const { return name_; }
  const std::map<LatencyHop, LatencyDistribution>& hops() const { return hops_; }

 private:
  const std::string name_;
  const std::map<LatencyHop, LatencyDistribution> hops_;
  Mutex mu_;
  std::mt19937_64 engine_ GUARDED_BY(mu_);
};

}  // namespace offstage::common
