// LatencyProfile (latency.h): the built-in AWS figures, a user's file, and the draws.
#include "emulator/common/latency.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "emulator/common/json.h"

namespace offstage::common {
namespace {

constexpr int64_t kMs = 1'000'000;

constexpr std::pair<LatencyHop, std::string_view> kHops[] = {
    {LatencyHop::kSnsLambda, "sns-lambda"},
    {LatencyHop::kSnsHttp, "sns-http"},
    {LatencyHop::kAsyncInvoke, "async-invoke"},
    {LatencyHop::kColdStartNode, "cold-start-node"},
    {LatencyHop::kColdStartPython, "cold-start-python"},
    {LatencyHop::kColdStartOther, "cold-start-other"},
};

}  // namespace

std::string_view LatencyHopName(LatencyHop hop) {
  for (const auto& [h, name] : kHops) {
    if (h == hop) return name;
  }
  return "unknown";
}

std::map<LatencyHop, LatencyDistribution> LatencyProfile::Aws() {
  // docs/realism.md gives each figure's source and how it was measured.
  return {
      // Bite-Sized Serverless, "Serverless Messaging: Latency Compared" (eu-west-1, 2022):
      // SNS standard to Lambda p10 62, p50 73, p90 125, p99 225 ms.
      {LatencyHop::kSnsLambda, {73 * kMs, 225 * kMs, 30 * kMs, 2000 * kMs}},
      // No published figure for SNS to HTTP/S: the SNS to Lambda one stands in (realism.md).
      {LatencyHop::kSnsHttp, {73 * kMs, 225 * kMs, 30 * kMs, 2000 * kMs}},
      // Derived from the same study's Step Functions async vs sync Lambda calls: ~40 ms more
      // at p50, ~60 ms more at p99.
      {LatencyHop::kAsyncInvoke, {40 * kMs, 100 * kMs, 10 * kMs, 1000 * kMs}},
      // maxday/lambda-perf, 2025-12-21 (Init Duration of hello-world functions, 10 cold
      // starts a day): nodejs20.x/22.x x86 p50 ~145 ms (111-226), python3.12 x86 ~92 ms
      // (70-109), Go on provided.al2023 x86 ~52 ms (42-86).
      {LatencyHop::kColdStartNode, {145 * kMs, 230 * kMs, 100 * kMs, 2000 * kMs}},
      {LatencyHop::kColdStartPython, {92 * kMs, 130 * kMs, 60 * kMs, 2000 * kMs}},
      {LatencyHop::kColdStartOther, {52 * kMs, 90 * kMs, 30 * kMs, 1000 * kMs}},
  };
}

Result<std::unique_ptr<LatencyProfile>> LatencyProfile::Load(const std::string& spec,
                                                             uint64_t seed) {
  if (spec == "none" || spec.empty()) return std::unique_ptr<LatencyProfile>();
  if (spec == "aws") return std::make_unique<LatencyProfile>("aws", Aws(), seed);
  std::ifstream file(spec);
  if (!file) {
    return Fail(Internal("--latency: '" + spec + "' is neither none, aws nor a readable file"));
  }
  std::stringstream text;
  text << file.rdbuf();
  const nlohmann::json in = ParseJson(text.str());
  if (!in.is_object()) return Fail(Internal("--latency " + spec + ": not a JSON object"));
  std::map<LatencyHop, LatencyDistribution> hops;
  for (const auto& [key, value] : in.items()) {
    const LatencyHop* hop = nullptr;
    for (const auto& [h, name] : kHops) {
      if (name == key) hop = &h;
    }
    if (!hop) {
      return Fail(Internal("--latency " + spec + ": unknown hop '" + key +
                           "' (known: sns-lambda, sns-http, async-invoke, cold-start-node, "
                           "cold-start-python, cold-start-other)"));
    }
    auto ms = [&](const char* field, double fallback) -> Result<int64_t> {
      if (!value.is_object())
        return Fail(
            Internal("--latency " + spec + ": " + key + " must be an object with p50Ms and p99Ms"));
      auto it = value.find(field);
      if (it == value.end()) {
        if (fallback < 0) {
          return Fail(Internal("--latency " + spec + ": " + key + "." + field + " is required"));
        }
        return static_cast<int64_t>(fallback * kMs);
      }
      if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 900'000) {
        return Fail(Internal("--latency " + spec + ": " + key + "." + field +
                             " must be a number of milliseconds, 0 to 900000"));
      }
      return static_cast<int64_t>(it->get<double>() * kMs);
    };
    auto p50 = ms("p50Ms", -1);
    if (!p50) return Fail(p50.error());
    auto p99 = ms("p99Ms", -1);
    if (!p99) return Fail(p99.error());
    auto min = ms("minMs", 0);
    if (!min) return Fail(min.error());
    auto max = ms("maxMs", static_cast<double>(*p99) * 5 / kMs);
    if (!max) return Fail(max.error());
    if (*p99 < *p50 || *max < *min) {
      return Fail(Internal("--latency " + spec + ": " + key +
                           ": p99Ms must be at least p50Ms, maxMs at least minMs"));
    }
    hops[*hop] = LatencyDistribution{*p50, *p99, *min, *max};
  }
  return std::make_unique<LatencyProfile>(spec, std::move(hops), seed);
}

std::optional<int64_t> LatencyProfile::Sample(LatencyHop hop) {
  auto it = hops_.find(hop);
  if (it == hops_.end()) return std::nullopt;
  const LatencyDistribution& d = it->second;
  if (d.p50_ns <= 0) return std::clamp<int64_t>(0, d.min_ns, d.max_ns);
  // Log-normal through p50 and p99: mu = ln p50, sigma = (ln p99 - ln p50) / z(0.99).
  const double mu = std::log(static_cast<double>(d.p50_ns));
  const double sigma = d.p99_ns > d.p50_ns
                           ? (std::log(static_cast<double>(d.p99_ns)) - mu) / 2.3263478740408408
                           : 0.0;
  double draw;
  {
    MutexLock lock(mu_);
    draw = std::normal_distribution<double>(0.0, 1.0)(engine_);
  }
  const double ns = std::exp(mu + sigma * draw);
  return std::clamp<int64_t>(static_cast<int64_t>(ns), d.min_ns, d.max_ns);
}

}  // namespace offstage::common
