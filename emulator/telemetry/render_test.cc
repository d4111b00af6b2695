// Unit tests of the Trace renderers (render.cc): the text waterfall (golden files in
// emulator/telemetry/testdata, terminal width, bars and markers), Chrome Trace Event JSON (as
// Perfetto reads it), and the self-contained HTML page. Fixtures: trace_test_fixtures.h.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "emulator/telemetry/trace.h"
#include "emulator/telemetry/trace_test_fixtures.h"

namespace offstage::telemetry::trace_test {
namespace {

std::filesystem::path TestData() {
  // Not __FILE__: ccache's base_dir makes it relative to the build directory.
  return std::filesystem::path(OFFSTAGE_SOURCE_DIR) / "emulator/telemetry/testdata";
}

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Compares `actual` with testdata/<name> byte for byte. With OFFSTAGE_UPDATE_GOLDEN=DIR set, it
// first writes `actual` to DIR/<name> (review it, copy it to testdata/, rerun without it).
void CheckGolden(const std::string& name, const std::string& actual) {
  if (const char* update = std::getenv("OFFSTAGE_UPDATE_GOLDEN"); update && *update) {
    std::filesystem::create_directories(update);
    std::ofstream out(std::filesystem::path(update) / name, std::ios::binary | std::ios::trunc);
    out << actual;
    REQUIRE(out.good());
    MESSAGE("wrote " << (std::filesystem::path(update) / name).string());
  }
  const auto expected = ReadFile(TestData() / name);
  INFO("golden file " << (TestData() / name).string() << "; actual output:\n" << actual);
  REQUIRE(expected.has_value());
  CHECK(*expected == actual);
}

// Every line of a rendering fits in `width` terminal columns (the renderer writes ASCII only
// when color is off, so bytes are columns).
void CheckFitsWidth(const std::string& text, int width) {
  const bool printable_ascii = std::all_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\n' || (c >= 0x20 && c < 0x7f);
  });
  CHECK(printable_ascii);
  for (const auto& line : Lines(text)) {
    INFO("line of " << line.size() << " columns at width " << width << ": [" << line << "]");
    CHECK(static_cast<int>(line.size()) <= width);
  }
}

}  // namespace

TEST_CASE("RenderText golden waterfall at width 80") {
  const std::string text = RenderText(OffloadedTrace(), {80, false});
  CheckGolden("waterfall_80.txt", text);
  CheckFitsWidth(text, 80);
}

TEST_CASE("RenderText golden waterfall at width 160") {
  const std::string text = RenderText(OffloadedTrace(), {160, false});
  CheckGolden("waterfall_160.txt", text);
  CheckFitsWidth(text, 160);
}

TEST_CASE("RenderText: bars, markers and the verdict") {
  const Trace trace = OffloadedTrace();
  const std::string text = RenderText(trace, {100, false});
  CheckFitsWidth(text, 100);
  const auto lines = Lines(text);
  REQUIRE(lines.size() == 2 + trace.spans.size() + 1);
  CHECK(lines[0].rfind(std::string("trace ") + kTraceId, 0) == 0);
  CHECK(lines[0].find("total 1000.0 ms") != std::string::npos);
  CHECK(lines[1].find("0 ms") != std::string::npos);
  CHECK(lines[1].find("1000.0 ms") != std::string::npos);
  // One row per span, in tree order, indented two spaces per level.
  CHECK(lines[2].rfind("front-api  warm", 0) == 0);
  CHECK(lines[3].rfind("  jobs  publish", 0) == 0);
  CHECK(lines[4].rfind("    lambda worker  invoked", 0) == 0);
  CHECK(lines[5].rfind("      worker  async succeeded", 0) == 0);
  CHECK(lines[6].rfind("        worker  #1 cold ERROR", 0) == 0);
  CHECK(lines[7].rfind("        worker  #2 warm", 0) == 0);
  // The bar characters of each kind, and the cold start drawn before attempt #1.
  auto bar = [](const std::string& line) {
    const size_t open = line.find('|');
    const size_t close = line.rfind('|');
    return line.substr(open + 1, close - open - 1);
  };
  CHECK(bar(lines[2]).find('#') != std::string::npos);
  CHECK(bar(lines[3]).find('=') != std::string::npos);
  CHECK(bar(lines[4]).find('-') != std::string::npos);
  CHECK(bar(lines[5]).find('.') != std::string::npos);
  CHECK(bar(lines[6]).find('#') != std::string::npos);
  CHECK(bar(lines[7]).find('#') != std::string::npos);
  CHECK(bar(lines[7]).find('i') == std::string::npos);  // warm: no cold start drawn
  // Durations, right-aligned in the last column.
  CHECK(lines[2].substr(lines[2].size() - 11) == "    13.0 ms");
  CHECK(lines[6].substr(lines[6].size() - 11) == "   290.0 ms");
  CHECK(lines[7].substr(lines[7].size() - 11) == "   600.0 ms");
  CHECK(lines.back() == Verdict(trace));
  // Color only when asked.
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(RenderText(trace, {100, true}).find("\x1b[") != std::string::npos);
}

TEST_CASE("RenderText draws the cold start (init) before the handler's run") {
  // Queued at 0, a 300 ms cold start from 100 ms, the handler runs 400-1000 ms.
  const json attrs = {{"attempt", 1}, {"cold", true}, {"init_ns", 300 * kMs}};
  const Trace trace = BuildTrace(
      "1-cold", {Row("evt-c", "event", std::nullopt, "worker", 0, 1000 * kMs, "succeeded"),
                 Row("evt-c#1", "invocation", std::string("evt-c"), "worker", 400 * kMs, 1000 * kMs,
                     "success", attrs)});
  const auto lines = Lines(RenderText(trace, {100, false}));
  REQUIRE(lines.size() == 2 + 2 + 1);
  const std::string& row = lines[3];
  CHECK(row.rfind("  worker  #1 cold", 0) == 0);
  const std::string bar = row.substr(row.find('|') + 1, row.rfind('|') - row.find('|') - 1);
  // Width 100: a 40-column label leaves 46 bar columns for 1000 ms; init 100-400 ms is
  // columns 4-17, the run 18-45.
  REQUIRE(bar.size() == 46);
  CHECK(bar == std::string(4, ' ') + std::string(14, 'i') + std::string(28, '#'));
}

TEST_CASE("RenderText marks a streamed answer's first byte inside the run") {
  // The handler runs 0-1000 ms and its first byte left at 500 ms.
  const json attrs = {{"streamed_bytes", 12}, {"first_byte_ns", kBase + 500 * kMs}};
  const Trace trace = BuildTrace("1-stream", {Row("inv-s", "invocation", std::nullopt, "front", 0,
                                                  1000 * kMs, "success", attrs)});
  const auto lines = Lines(RenderText(trace, {100, false}));
  const std::string& row = lines[2];
  const std::string bar = row.substr(row.find('|') + 1, row.rfind('|') - row.find('|') - 1);
  REQUIRE(bar.size() == 46);
  // 46 columns for 1000 ms: 500 ms is column 23.
  CHECK(bar == std::string(23, '#') + "^" + std::string(22, '#'));
}

TEST_CASE("RenderText shows PENDING-WORK for the seed example's un-awaited function") {
  // The one marker that says "this will stall on AWS" must not be cut off at the default
  // width (100, when no terminal width is known).
  const Trace trace = BuildTrace(
      "1-lone", {Row("req-lone", "invocation", std::nullopt, "front-unawaited", 0, 2 * kMs,
                     "success", {{"cold", false}, {"pending_work", json::array({"Timeout"})}})});
  for (int width : {100, 160}) {
    INFO("width " << width);
    const std::string text = RenderText(trace, {width, false});
    CHECK(text.find("PENDING-WORK") != std::string::npos);
    CheckFitsWidth(text, width);
  }
}
namespace {

// The complete ("X") events of a Chrome trace grouped by track (tid).
std::map<int, std::vector<json>> CompleteEventsByTrack(const json& chrome) {
  std::map<int, std::vector<json>> tracks;
  for (const auto& event : chrome["traceEvents"]) {
    if (event["ph"] == "X") tracks[event["tid"].get<int>()].push_back(event);
  }
  return tracks;
}

// On one track, complete events must nest like a call stack (Chrome and Perfetto draw two that
// overlap without nesting over each other).
void CheckTracksNest(const json& chrome) {
  for (const auto& [tid, events] : CompleteEventsByTrack(chrome)) {
    for (size_t i = 0; i < events.size(); ++i) {
      for (size_t j = i + 1; j < events.size(); ++j) {
        const double a0 = events[i]["ts"].get<double>();
        const double a1 = a0 + events[i]["dur"].get<double>();
        const double b0 = events[j]["ts"].get<double>();
        const double b1 = b0 + events[j]["dur"].get<double>();
        const bool disjoint = a1 <= b0 || b1 <= a0;
        const bool nested = (a0 <= b0 && b1 <= a1) || (b0 <= a0 && a1 <= b1);
        INFO("track " << tid << ": " << events[i].dump() << " and " << events[j].dump());
        CHECK((disjoint || nested));
      }
    }
  }
}

}  // namespace

TEST_CASE("RenderChrome writes valid Trace Event Format, one complete event per span") {
  const Trace trace = OffloadedTrace();
  const json chrome = json::parse(RenderChrome(trace), nullptr, false);
  REQUIRE(chrome.is_object());
  REQUIRE(chrome.contains("traceEvents"));
  REQUIRE(chrome["traceEvents"].is_array());
  std::vector<std::string> ids;
  std::map<std::string, json> by_id;
  int inits = 0;
  std::set<int> tids;
  std::set<int> named;
  for (const auto& event : chrome["traceEvents"]) {
    INFO(event.dump());
    REQUIRE(event.is_object());
    REQUIRE(event.contains("ph"));
    REQUIRE(event["ph"].is_string());
    CHECK(event.contains("pid"));
    if (event["ph"] == "M" && event["name"] == "thread_name") {
      named.insert(event["tid"].get<int>());
      CHECK(event["args"]["name"].is_string());
    }
    if (event["ph"] != "X") continue;
    REQUIRE(event.contains("name"));
    CHECK(event["name"].is_string());
    REQUIRE(event.contains("ts"));
    REQUIRE(event.contains("dur"));
    CHECK(event["ts"].is_number());
    CHECK(event["dur"].is_number());
    CHECK(event["ts"].get<double>() >= 0);
    CHECK(event["dur"].get<double>() >= 0);
    CHECK(event["pid"].is_number_integer());
    REQUIRE(event.contains("tid"));
    CHECK(event["tid"].is_number_integer());
    tids.insert(event["tid"].get<int>());
    if (event["cat"] == "init") {
      ++inits;
      continue;
    }
    ids.push_back(event["args"]["id"].get<std::string>());
    by_id[ids.back()] = event;
  }
  CHECK(ids ==
        std::vector<std::string>{"req-front", "msg-1", "dlv-1", "evt-1", "evt-1#1", "evt-1#2"});
  CHECK(inits == 1);     // attempt #1's cold start
  CHECK(named == tids);  // every track has a name
  // Microseconds from the trace's start.
  CHECK(by_id["evt-1#2"]["ts"].get<double>() == doctest::Approx(400'000.0));
  CHECK(by_id["evt-1#2"]["dur"].get<double>() == doctest::Approx(600'000.0));
  CheckTracksNest(chrome);
  // The event (6-1000 ms) outlives the front (0-13 ms): they cannot share a track.
  CHECK(by_id["evt-1"]["tid"] != by_id["req-front"]["tid"]);
}

TEST_CASE("RenderChrome: touching pieces stay touching after the conversion to microseconds") {
  // Measured in a real trace: the wait, the init and the run of a cold front touch at
  // nanosecond times whose conversion to float microseconds made them overlap.
  const Trace trace = BuildTrace(
      "1-touch",
      {Row("front", "invocation", std::nullopt, "front", 202'401'596, 256'339'639, "success",
           {{"cold", true}, {"init_ns", 202'401'596 - 1'201'013}, {"received_ns", kBase}})});
  const json chrome = json::parse(RenderChrome(trace));
  CheckTracksNest(chrome);
  for (const auto& event : chrome["traceEvents"]) {
    if (event["ph"] == "X") CHECK(event["ts"].is_number_integer());
  }
}

TEST_CASE("RenderChrome: overlapping siblings never share a track without nesting") {
  // A front fans out to three workers that run at the same time.
  std::vector<storage::SpanRow> rows = {
      Row("front", "invocation", std::nullopt, "front", 0, 10 * kMs, "success", {{"cold", false}}),
      Row("msg", "publish", std::string("front"), "jobs", 2 * kMs, 3 * kMs, "committed"),
  };
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    rows.push_back(Row("dlv" + n, "delivery", std::string("msg"), "lambda w" + n, 3 * kMs, 3 * kMs,
                       "invoked", {{"request_id", "evt" + n}}));
    rows.push_back(Row("evt" + n, "event", "dlv" + n, "w" + n, 3 * kMs, (500 + i) * kMs,
                       "succeeded", {{"attempts", 1}}));
    rows.push_back(Row("evt" + n + "#1", "invocation", "evt" + n, "w" + n, (100 + i) * kMs,
                       (500 + i) * kMs, "success",
                       {{"attempt", 1}, {"cold", true}, {"init_ns", 90 * kMs}}));
  }
  const Trace trace = BuildTrace("1-fan", rows);
  const json chrome = json::parse(RenderChrome(trace));
  CheckTracksNest(chrome);
  std::set<int> event_tracks;
  for (const auto& event : chrome["traceEvents"]) {
    if (event["ph"] == "X" && event["cat"] == "event") event_tracks.insert(event["tid"].get<int>());
  }
  CHECK(event_tracks.size() == 3);
}

TEST_CASE("RenderHtml draws an SVG with one rect per span and states the verdict") {
  const Trace trace = OffloadedTrace();
  const std::string html = RenderHtml(trace);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(Count(html, "<svg") == 1);
  CHECK(Count(html, "</svg>") == 1);
  CHECK(html.find("<svg") < html.find("</svg>"));
  CHECK(Count(html, "<rect class=\"span") == trace.spans.size());
  CHECK(html.find(Verdict(trace)) != std::string::npos);
  CHECK(html.find(kTraceId) != std::string::npos);
  // Scales to the window, says what the colours mean, and tells ids and errors on hover.
  CHECK(html.find("viewBox=\"0 0 ") != std::string::npos);
  CHECK(html.find("width=\"100%\"") != std::string::npos);
  CHECK(html.find("class=\"legend\"") != std::string::npos);
  CHECK(html.find("request id evt-1") != std::string::npos);
  CHECK(Count(html, "class=\"init\"") == 1);  // attempt #1's cold start
}

}  // namespace offstage::telemetry::trace_test
