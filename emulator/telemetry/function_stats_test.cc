#include "emulator/telemetry/function_stats.h"

#include <doctest/doctest.h>

namespace offstage::telemetry {
namespace {

storage::SpanRow Invocation(std::string name, std::string status, int64_t start, int64_t end,
                            bool cold = false) {
  storage::SpanRow row;
  row.id = name + std::to_string(start);
  row.kind = "invocation";
  row.name = std::move(name);
  row.status = std::move(status);
  row.start_ns = start;
  if (end >= 0) row.end_ns = end;
  row.attrs_json = cold ? R"({"cold":true,"init_ns":5})" : "{}";
  return row;
}

TEST_CASE("Percentile is the nearest rank") {
  std::vector<int64_t> none;
  CHECK(Percentile(none, 50) == 0);
  std::vector<int64_t> values = {5, 1, 4, 2, 3};
  CHECK(Percentile(values, 50) == 3);
  CHECK(Percentile(values, 99) == 5);
  CHECK(Percentile(values, 20) == 1);
  std::vector<int64_t> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  CHECK(Percentile(hundred, 99) == 99);
  CHECK(Percentile(hundred, 50) == 50);
}

TEST_CASE("SummarizeInvocations counts outcomes, cold starts and durations per function") {
  std::vector<storage::SpanRow> spans = {
      Invocation("front", "success", 0, 10, /*cold=*/true),
      Invocation("front", "success", 100, 120),
      Invocation("front", "error", 200, 230),
      Invocation("front", "throttled", 300, 300),
      Invocation("front", "running", 400, -1),
      Invocation("worker", "timeout", 0, 3000, /*cold=*/true),
  };
  storage::SpanRow publish;
  publish.kind = "publish";
  publish.name = "front";
  publish.status = "committed";
  publish.end_ns = 5;
  spans.push_back(publish);

  auto stats = SummarizeInvocations(spans);
  REQUIRE(stats.size() == 2);
  const FunctionStats& front = stats.at("front");
  CHECK(front.invocations == 4);
  CHECK(front.errors == 1);
  CHECK(front.throttles == 1);
  CHECK(front.cold_starts == 1);
  CHECK(front.running == 1);
  CHECK(front.p50_ns == 20);  // of 10, 20, 30: the throttle never ran
  CHECK(front.p99_ns == 30);
  const FunctionStats& worker = stats.at("worker");
  CHECK(worker.invocations == 1);
  CHECK(worker.errors == 1);
  CHECK(worker.cold_starts == 1);
  CHECK(worker.p50_ns == 3000);
}

}  // namespace
}  // namespace offstage::telemetry
