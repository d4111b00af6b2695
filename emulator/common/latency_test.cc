// Unit tests of LatencyProfile: draws within the clamp, reproducible from the seed, with about
// the p50 asked for, and a hop without a distribution adding nothing.
#include "emulator/common/latency.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

namespace offstage::common {
namespace {

TEST_CASE("LatencyProfile: seeded log-normal draws within the clamp") {
  auto draws = [](uint64_t seed) {
    LatencyProfile profile("aws", LatencyProfile::Aws(), seed);
    std::vector<int64_t> out;
    for (int i = 0; i < 2001; ++i) out.push_back(*profile.Sample(LatencyHop::kSnsLambda));
    return out;
  };
  const auto a = draws(1);
  CHECK(a == draws(1));
  CHECK(a != draws(2));
  const LatencyDistribution d = LatencyProfile::Aws().at(LatencyHop::kSnsLambda);
  CHECK(*std::min_element(a.begin(), a.end()) >= d.min_ns);
  CHECK(*std::max_element(a.begin(), a.end()) <= d.max_ns);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  const double median = static_cast<double>(sorted[1000]);
  CHECK(median > 0.85 * static_cast<double>(d.p50_ns));  // 2001 draws: the median is close
  CHECK(median < 1.15 * static_cast<double>(d.p50_ns));
  const double p99 = static_cast<double>(sorted[1980]);
  CHECK(p99 > 0.7 * static_cast<double>(d.p99_ns));
  CHECK(p99 < 1.3 * static_cast<double>(d.p99_ns));

  LatencyProfile partial("mine", {{LatencyHop::kAsyncInvoke, {5, 5, 5, 5}}}, 0);
  CHECK(partial.Sample(LatencyHop::kAsyncInvoke) == 5);
  CHECK_FALSE(partial.Sample(LatencyHop::kSnsHttp).has_value());
  auto none = LatencyProfile::Load("none", 0);
  REQUIRE(none.has_value());
  CHECK(*none == nullptr);
  CHECK_FALSE(LatencyProfile::Load("/nonexistent/profile.json", 0).has_value());
}

}  // namespace
}  // namespace offstage::common
