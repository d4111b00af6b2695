// Unit tests of BuildTrace and its verdict: spans in tree order with their depths, the figures
// (root duration, end to end, offload margin, quiescence), the assessment of background work
// (failures, retries, throttling, deliveries, replays), and the JSON round trip. Fixtures:
// trace_test_fixtures.h; the renderers are tested in render_test.cc.
#include "emulator/telemetry/trace.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/telemetry/trace_test_fixtures.h"

namespace offstage::telemetry::trace_test {

TEST_CASE("BuildTrace arranges spans depth-first with children after their parent") {
  const Trace trace = OffloadedTrace();
  CHECK(trace.trace_id == kTraceId);
  REQUIRE(trace.spans.size() == 6);
  const std::vector<std::string> ids = {"req-front", "msg-1",   "dlv-1",
                                        "evt-1",     "evt-1#1", "evt-1#2"};
  const std::vector<int> depths = {0, 1, 2, 3, 4, 4};
  for (size_t i = 0; i < ids.size(); ++i) {
    INFO("span " << i);
    CHECK(trace.spans[i].span.id == ids[i]);
    CHECK(trace.spans[i].depth == depths[i]);
  }
  CHECK(trace.spans[0].children == std::vector<size_t>{1});
  CHECK(trace.spans[1].children == std::vector<size_t>{2});
  CHECK(trace.spans[2].children == std::vector<size_t>{3});
  CHECK(trace.spans[3].children == std::vector<size_t>{4, 5});  // attempts in start order
  CHECK(trace.spans[4].children.empty());
  CHECK(trace.spans[5].children.empty());
  // attrs_json is parsed.
  CHECK(trace.spans[4].attrs["attempt"] == 1);
  CHECK(trace.spans[4].attrs["init_ns"] == 4 * kMs);
  CHECK(trace.spans[3].attrs["attempts"] == 2);
}

TEST_CASE("BuildTrace figures of an offloaded trace: root duration, end to end, margin") {
  const Trace trace = OffloadedTrace();
  CHECK(trace.quiescent);
  CHECK(trace.start_ns == kBase);
  CHECK(trace.end_ns == kBase + 1000 * kMs);
  CHECK(trace.root_name == "front-api");
  CHECK(trace.root_kind == "invocation");
  CHECK(trace.root_duration_ns == 13 * kMs);
  CHECK(trace.descendants == 5);
  CHECK(trace.end_to_end_ns == 1000 * kMs);
  CHECK(trace.offloaded);
  CHECK(trace.margin_ns == 987 * kMs);
  CHECK(Verdict(trace) ==
        "front-api returned 987.0 ms before the background work finished (critical path "
        "13.0 ms of 1000.0 ms)");
}

TEST_CASE("WithoutSimulated takes a simulated delay out of the causal path it delayed") {
  // The delivery waited 100 ms (simulated) before its event, so everything after it under the
  // delivery moves 100 ms earlier; the front and the publish are not on that path.
  auto rows = OffloadedRows();
  for (auto& row : rows) {
    if (row.id == "evt-1" || row.id.starts_with("evt-1#")) {
      row.start_ns += 100 * kMs;
      *row.end_ns += 100 * kMs;
    }
  }
  rows.push_back(Row("dlv-1~latency", "simulated", std::string("dlv-1"),
                     "simulated sns-lambda latency", 6 * kMs, 106 * kMs, "simulated",
                     {{"hop", "sns-lambda"}, {"simulated_ns", 100 * kMs}}));
  const Trace trace = BuildTrace(kTraceId, rows);
  CHECK(trace.margin_ns == 1087 * kMs);
  const Trace plain = WithoutSimulated(trace);
  CHECK(plain.descendants == 5);  // the simulated span is gone
  CHECK(plain.root_duration_ns == 13 * kMs);
  CHECK(plain.margin_ns == 987 * kMs);  // as if it had never been added
  CHECK(plain.end_to_end_ns == 1000 * kMs);
  for (const auto& node : plain.spans) CHECK(node.kind != SpanKind::kSimulated);
  // The text waterfall draws it with 's' and marks it.
  const std::string text = RenderText(trace, {120, false});
  CHECK(text.find("SIMULATED") != std::string::npos);
}

TEST_CASE("BuildTrace: a root that covers the work it started is not offloaded") {
  std::vector<storage::SpanRow> rows = {
      Row("req-inline", "invocation", std::nullopt, "front-inline", 0, 1005 * kMs, "success",
          {{"cold", false}}),
      Row("msg-2", "publish", "req-inline", "jobs", 5 * kMs, 6 * kMs, "committed"),
      Row("dlv-2", "delivery", "msg-2", "lambda worker", 6 * kMs, 6 * kMs, "invoked"),
      Row("evt-2", "event", "dlv-2", "worker", 6 * kMs, 900 * kMs, "succeeded"),
      Row("evt-2#1", "invocation", "evt-2", "worker", 10 * kMs, 899 * kMs, "success",
          {{"attempt", 1}, {"cold", false}}),
  };
  const Trace trace = BuildTrace("1-inline", rows);
  CHECK(trace.quiescent);
  CHECK(trace.root_name == "front-inline");
  CHECK(trace.root_duration_ns == 1005 * kMs);
  CHECK(trace.descendants == 4);
  CHECK(trace.end_to_end_ns == 1005 * kMs);
  CHECK_FALSE(trace.offloaded);
  CHECK(trace.margin_ns == 0);
  CHECK(Verdict(trace) ==
        "front-inline did not return before the work it started finished (1005.0 ms of "
        "1005.0 ms)");
}

TEST_CASE("BuildTrace: a lone invocation has no descendants and is not offloaded") {
  const Trace trace = BuildTrace(
      "1-lone", {Row("req-lone", "invocation", std::nullopt, "front-unawaited", 0, 2 * kMs,
                     "success", {{"cold", false}, {"pending_work", json::array({"Timeout"})}})});
  REQUIRE(trace.spans.size() == 1);
  CHECK(trace.spans[0].depth == 0);
  CHECK(trace.quiescent);
  CHECK(trace.descendants == 0);
  CHECK(trace.root_duration_ns == 2 * kMs);
  CHECK(trace.end_to_end_ns == 2 * kMs);
  CHECK_FALSE(trace.offloaded);
  CHECK(trace.margin_ns == 0);
  CHECK(Verdict(trace) == "front-unawaited started no other work (2.0 ms)");
}

TEST_CASE("BuildTrace: an empty trace and a span whose parent is elsewhere") {
  const Trace empty = BuildTrace("1-empty", {});
  CHECK(empty.spans.empty());
  CHECK(empty.quiescent);
  CHECK(Verdict(empty) == "the trace has no spans");

  // A parent that is not in the trace (e.g. recorded in another one) makes the span a root.
  const Trace orphan = BuildTrace("1-orphan", {Row("evt-9", "event", std::string("not-here"),
                                                   "worker", 0, 50 * kMs, "succeeded")});
  REQUIRE(orphan.spans.size() == 1);
  CHECK(orphan.spans[0].depth == 0);
  CHECK(orphan.root_name == "worker");
  CHECK(orphan.root_kind == "event");
  // An event at the root was accepted (its caller had the 202) when it started: its run is
  // the work, after the root "returned".
  CHECK(orphan.root_duration_ns == 0);
  CHECK(orphan.end_to_end_ns == 50 * kMs);
  CHECK(orphan.offloaded);
  CHECK(orphan.assessment.refusals.empty());
  CHECK(Verdict(orphan) ==
        "the asynchronous invocation of worker was accepted 50.0 ms before its work finished");
}

TEST_CASE("Verdict of an Event invoke from outside: the event is the work") {
  const Trace failed =
      BuildTrace("1-event", {Row("evt", "event", std::nullopt, "worker", 0, 300 * kMs, "failed",
                                 {{"attempts", 3}, {"max_attempts", 3}, {"last_error", "Error"}}),
                             Row("evt#1", "invocation", std::string("evt"), "worker", 10 * kMs,
                                 20 * kMs, "error", {{"attempt", 1}}),
                             Row("evt#2", "invocation", std::string("evt"), "worker", 110 * kMs,
                                 120 * kMs, "error", {{"attempt", 2}}),
                             Row("evt#3", "invocation", std::string("evt"), "worker", 210 * kMs,
                                 220 * kMs, "error", {{"attempt", 3}})});
  REQUIRE(failed.assessment.work.size() == 1);
  CHECK(failed.assessment.ran == 1);
  REQUIRE(failed.assessment.refusals.size() == 1);
  CHECK(failed.assessment.refusals[0] == "background work failed: worker, 3 of 3 attempts, Error");
}

TEST_CASE("BuildTrace: an unfinished span makes the trace not quiescent") {
  auto rows = OffloadedRows();
  // Attempt #2 is running: the event has no end yet either.
  rows[3].end_ns.reset();
  rows[3].status = "running";
  rows[5].end_ns.reset();
  rows[5].status = "running";
  const Trace trace = BuildTrace(kTraceId, rows);
  CHECK_FALSE(trace.quiescent);
  CHECK(trace.end_ns == kBase + 300 * kMs);  // the latest end seen
  CHECK(trace.root_duration_ns == 13 * kMs);
  CHECK(trace.descendants == 5);
  CHECK(Verdict(trace) == "front-api: work is still queued or running");

  const std::string text = RenderText(trace, {100, false});
  const auto lines = Lines(text);
  REQUIRE(lines.size() == 2 + 6 + 1);
  const std::string& attempt2 = lines[2 + 5];
  CHECK(attempt2.find("running") != std::string::npos);
  CHECK(attempt2.find(">|") != std::string::npos);  // the bar runs off its end

  // A root still running: nothing can be said to be offloaded yet.
  rows = OffloadedRows();
  rows[0].end_ns.reset();
  rows[0].status = "running";
  const Trace busy_root = BuildTrace(kTraceId, rows);
  CHECK_FALSE(busy_root.quiescent);
  CHECK_FALSE(busy_root.offloaded);
  CHECK(busy_root.margin_ns == 0);
}
namespace {

// The seed pattern's offload, with the worker's event ending as `status` after `attempts`.
std::vector<storage::SpanRow> FrontAndWorker(const std::string& status, int attempts,
                                             const json& event_attrs) {
  json attrs = event_attrs;
  attrs["attempts"] = attempts;
  std::vector<storage::SpanRow> rows = {
      Row("front", "invocation", std::nullopt, "front", 0, 20 * kMs, "success", {{"cold", false}}),
      Row("msg", "publish", std::string("front"), "jobs", 5 * kMs, 6 * kMs, "committed",
          {{"deliveries", 1}}),
      Row("dlv", "delivery", std::string("msg"), "lambda worker", 6 * kMs, 6 * kMs, "invoked",
          {{"protocol", "lambda"}, {"request_id", "evt"}}),
      Row("evt", "event", std::string("dlv"), "worker", 6 * kMs, 400 * kMs, status, attrs),
  };
  for (int a = 1; a <= attempts; ++a) {
    rows.push_back(Row("evt#" + std::to_string(a), "invocation", std::string("evt"), "worker",
                       (10 + 100 * a) * kMs, (100 + 100 * a) * kMs,
                       status == "succeeded" && a == attempts ? "success" : "error",
                       {{"attempt", a},
                        {"cold", a == 1},
                        {"error_type", "Error"},
                        {"error_message", "worker broken"}}));
  }
  return rows;
}

}  // namespace

TEST_CASE("Verdict: a worker that fails after its retries fails the trace") {
  const Trace trace =
      BuildTrace("1-fail", FrontAndWorker("failed", 1,
                                          {{"max_attempts", 1},
                                           {"last_error", "Error"},
                                           {"last_error_message", "worker broken"},
                                           {"disposition", "failed after 1 attempt(s)"}}));
  CHECK(trace.quiescent);
  CHECK(trace.offloaded);  // by timing alone it would pass
  const Assessment& a = trace.assessment;
  CHECK(a.root_succeeded);
  CHECK(a.failed == 1);
  CHECK(a.ran == 1);
  CHECK(Verdict(trace).rfind(
            "background work FAILED: worker, 1 of 1 attempts, Error: worker broken", 0) == 0);
  REQUIRE(a.refusals.size() == 1);
  CHECK(a.refusals[0] == "background work failed: worker, 1 of 1 attempts, Error: worker broken");
  CHECK(a.timing_refusals.empty());  // --allow-failures keeps the timing-only check
  const json out = TraceToJson(trace);
  CHECK(out["outcome"]["assert_offloaded"] == false);
  CHECK(out["outcome"]["work"][0]["outcome"] == "failed");
}

TEST_CASE("Verdict: retries that recover succeed; the failed attempt is not a failure") {
  const Trace trace = BuildTrace("1-retry", FrontAndWorker("succeeded", 2, {{"max_attempts", 3}}));
  CHECK(trace.assessment.failed == 0);
  CHECK(trace.assessment.succeeded == 1);
  CHECK(trace.assessment.refusals.empty());
  CHECK(Verdict(trace).rfind("front returned ", 0) == 0);
}

TEST_CASE("Verdict: a worker throttled to zero never ran") {
  const Trace trace = BuildTrace(
      "1-throttle",
      FrontAndWorker("failed", 0,
                     {{"max_attempts", 3},
                      {"last_error", "TooManyRequestsException"},
                      {"last_error_message",
                       "the function's reserved concurrency is 0; the event never ran"}}));
  const Assessment& a = trace.assessment;
  CHECK(a.ran == 0);
  CHECK(a.failed == 1);
  REQUIRE(a.refusals.size() == 2);
  CHECK(a.refusals[0] == "no background work ran");
  CHECK(a.refusals[1].find("worker, 0 of 3 attempts, TooManyRequestsException") !=
        std::string::npos);
}

TEST_CASE("Verdict: HTTP deliveries exhausted, protocols not emulated, filtered messages") {
  auto publish = [](const std::string& delivery_status, const std::string& protocol,
                    const json& extra) {
    json attrs = {{"protocol", protocol}};
    attrs.update(extra);
    return std::vector<storage::SpanRow>{
        Row("front", "invocation", std::nullopt, "front", 0, 20 * kMs, "success"),
        Row("msg", "publish", std::string("front"), "jobs", 5 * kMs, 6 * kMs, "committed",
            {{"deliveries", 1}}),
        Row("dlv", "delivery", std::string("msg"), protocol + " endpoint", 6 * kMs, 90 * kMs,
            delivery_status, attrs),
    };
  };
  const Trace http =
      BuildTrace("1-http", publish("failed", "http", {{"reason", "HTTP 500 after 3 attempts"}}));
  CHECK(http.assessment.failed == 1);
  CHECK(http.assessment.ran == 1);
  REQUIRE(http.assessment.refusals.size() == 1);
  CHECK(http.assessment.refusals[0] ==
        "background work failed: http endpoint, HTTP 500 after 3 attempts");

  const Trace sqs = BuildTrace("1-sqs", publish("not_emulated", "sqs", json::object()));
  CHECK(sqs.assessment.failed == 1);
  CHECK(sqs.assessment.ran == 0);
  CHECK(Verdict(sqs).find("sqs delivery is not emulated") != std::string::npos);

  const Trace filtered = BuildTrace("1-filtered", publish("filtered", "lambda", json::object()));
  CHECK(filtered.assessment.ran == 0);
  REQUIRE(filtered.assessment.refusals.size() == 2);
  CHECK(filtered.assessment.refusals[0] == "no background work ran");
  CHECK(filtered.assessment.refusals[1] ==
        "background work failed: topic jobs, the message matched no subscription (1 filtered "
        "out)");
  CHECK(Verdict(filtered).find("front started no background work that ran") != std::string::npos);

  const Trace delivered = BuildTrace("1-ok", publish("delivered", "http", json::object()));
  CHECK(delivered.assessment.refusals.empty());
}

TEST_CASE("Verdict: a failed root fails the trace") {
  auto rows = FrontAndWorker("succeeded", 1, json::object());
  rows[0].status = "error";
  rows[0].attrs_json = json{{"error_type", "Error"}, {"error_message", "front broken"}}.dump();
  const Trace trace = BuildTrace("1-root", rows);
  CHECK_FALSE(trace.assessment.root_succeeded);
  REQUIRE_FALSE(trace.assessment.refusals.empty());
  CHECK(trace.assessment.refusals[0] == "front itself failed: ERROR (Error: front broken)");
  CHECK(Verdict(trace).rfind("front FAILED: ERROR (Error: front broken)", 0) == 0);
}

TEST_CASE("Verdict: a publish whose deliveries are not recorded yet is not quiescent") {
  auto rows = FrontAndWorker("succeeded", 1, json::object());
  rows.erase(rows.begin() + 2, rows.end());  // only the front and its publish (1 owed)
  const Trace trace = BuildTrace("1-owed", rows);
  CHECK_FALSE(trace.quiescent);
  CHECK(trace.assessment.refusals.size() == 1);
}

TEST_CASE("A cold root's init and wait are on its critical path") {
  // The caller's request arrived at 0; the environment started at 2 ms and took 500 ms to
  // initialise; the handler ran 502-529 ms.
  const Trace trace = BuildTrace("1-cold-root", {Row("front", "invocation", std::nullopt, "front",
                                                     502 * kMs, 529 * kMs, "success",
                                                     {{"cold", true},
                                                      {"init_ns", 500 * kMs},
                                                      {"invoked_ns", kBase + 1 * kMs},
                                                      {"received_ns", kBase}})});
  CHECK(trace.spans[0].begin_ns == kBase);
  CHECK(trace.start_ns == kBase);
  CHECK(trace.root_duration_ns == 529 * kMs);
  CHECK(trace.end_to_end_ns == 529 * kMs);
  CHECK(Verdict(trace) == "front started no other work (529.0 ms)");
  const auto lines = Lines(RenderText(trace, {100, false}));
  const std::string& row = lines[2];
  const std::string bar = row.substr(row.find('|') + 1, row.rfind('|') - row.find('|') - 1);
  // 46 columns for 529 ms: the 2 ms wait, then init to column 43, then the run.
  CHECK(bar.find('i') < bar.find('#'));
  CHECK(std::count(bar.begin(), bar.end(), 'i') >= 40);
  CHECK(TraceToJson(trace)["spans"][0]["begin_ns"] == kBase);
  const std::string html = RenderHtml(trace);
  CHECK(Count(html, "class=\"init\"") == 1);
  CHECK(html.find("cold start (init) 500.0 ms") != std::string::npos);
}

TEST_CASE("Verdict of a replay: what the replayed work did") {
  std::vector<storage::SpanRow> rows = FrontAndWorker("succeeded", 1, json::object());
  rows[0] = Row("front", "replay", std::nullopt, "replay of message m", 0, 0, "sent");
  const Trace trace = BuildTrace("1-replay", rows);
  CHECK(trace.assessment.replay);
  CHECK(trace.assessment.refusals.empty());
  CHECK(Verdict(trace).rfind("replay of message m: 1 of 1 piece(s) of background work succeeded",
                             0) == 0);
}

TEST_CASE("TraceToJson and TraceFromJson round-trip a trace") {
  const Trace trace = OffloadedTrace();
  const json out = TraceToJson(trace);
  CHECK(out["trace_id"] == kTraceId);
  CHECK(out["quiescent"] == true);
  CHECK(out["offloaded"] == true);
  CHECK(out["margin_ns"] == 987 * kMs);
  CHECK(out["end_to_end_ns"] == 1000 * kMs);
  CHECK(out["root"]["name"] == "front-api");
  CHECK(out["root"]["kind"] == "invocation");
  CHECK(out["root"]["duration_ns"] == 13 * kMs);
  CHECK(out["root"]["descendants"] == 5);
  CHECK(out["verdict"] == Verdict(trace));
  REQUIRE(out["spans"].size() == 6);
  CHECK(out["spans"][0]["parent_id"].is_null());
  CHECK(out["spans"][4]["parent_id"] == "evt-1");
  CHECK(out["spans"][4]["depth"] == 4);
  CHECK(out["spans"][4]["attrs"]["init_ns"] == 4 * kMs);

  // Through text, as the CLI receives it.
  const Trace back = TraceFromJson(json::parse(out.dump()));
  CHECK(TraceToJson(back) == out);
  CHECK(back.trace_id == trace.trace_id);
  CHECK(back.quiescent == trace.quiescent);
  CHECK(back.start_ns == trace.start_ns);
  CHECK(back.end_ns == trace.end_ns);
  CHECK(back.root_duration_ns == trace.root_duration_ns);
  CHECK(back.end_to_end_ns == trace.end_to_end_ns);
  CHECK(back.offloaded == trace.offloaded);
  CHECK(back.margin_ns == trace.margin_ns);
  REQUIRE(back.spans.size() == trace.spans.size());
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    INFO("span " << i);
    const auto& a = trace.spans[i];
    const auto& b = back.spans[i];
    CHECK(b.span.id == a.span.id);
    CHECK(b.span.kind == a.span.kind);
    CHECK(b.span.name == a.span.name);
    CHECK(b.span.parent_id == a.span.parent_id);
    CHECK(b.span.start_ns == a.span.start_ns);
    CHECK(b.span.end_ns == a.span.end_ns);
    CHECK(b.span.status == a.span.status);
    CHECK(b.attrs == a.attrs);
    CHECK(b.depth == a.depth);
    CHECK(b.children == a.children);
  }

  // An unfinished span keeps its null end through the round trip.
  auto rows = OffloadedRows();
  rows[5].end_ns.reset();
  rows[5].status = "running";
  const Trace running = BuildTrace(kTraceId, rows);
  const json running_json = TraceToJson(running);
  CHECK(running_json["spans"][5]["end_ns"].is_null());
  const Trace running_back = TraceFromJson(running_json);
  CHECK_FALSE(running_back.quiescent);
  CHECK_FALSE(running_back.spans[5].span.end_ns.has_value());
}

}  // namespace offstage::telemetry::trace_test
