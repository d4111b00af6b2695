#include "emulator/storage/pruner.h"

#include <doctest/doctest.h>

#include <string>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::storage {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

struct Fixture {
  common::testing::FakeClock clock;
  std::unique_ptr<Database> db;
  std::unique_ptr<Writer> writer;

  Fixture() {
    db = testing::OpenMemoryDatabase();
    writer = std::make_unique<Writer>(*db, clock);
  }

  void Exec(const std::string& sql) {
    REQUIRE(writer->Call([&](Database& d) { return d.Exec(sql); }).has_value());
  }

  int64_t Count(const std::string& table, const std::string& where = "1") {
    int64_t n = -1;
    REQUIRE(writer
                ->Call([&](Database& d) -> Status {
                  auto stmt = d.Prepare("SELECT count(*) FROM " + table + " WHERE " + where);
                  if (!stmt) return common::Fail(stmt.error());
                  auto row = FirstRow(**stmt, [](const Statement& s) { return s.ColumnInt(0); });
                  if (!row) return common::Fail(row.error());
                  n = row->value_or(-1);
                  return {};
                })
                .has_value());
    return n;
  }

  void Span(const std::string& id, const std::string& kind, int64_t start, int64_t end) {
    Exec(
        "INSERT OR REPLACE INTO spans (id, kind, trace_id, parent_id, name, start_ns, end_ns, "
        "status, attrs) VALUES ('" +
        id + "', '" + kind + "', 't', NULL, 'n', " + std::to_string(start) + ", " +
        (end == 0 ? std::string("NULL") : std::to_string(end)) + ", 's', '{}')");
  }

  void LogLine(const std::string& request_id, int64_t ts) {
    Exec("INSERT INTO log_lines (function_name, request_id, stream, ts_ns, text) VALUES ('f', '" +
         request_id + "', 'stdout', " + std::to_string(ts) + ", 'x')");
  }
};

TEST_CASE("ParseRetention reads a duration, a count, both, or off") {
  auto both = ParseRetention("24h,1000000");
  REQUIRE(both.has_value());
  CHECK(both->max_age_ns == 24 * 3600 * kSecond);
  CHECK(both->max_invocations == 1'000'000);
  CHECK(FormatRetention(*both) == "1d,1000000");
  CHECK(FormatRetention(*ParseRetention("90m")) == "90m");
  CHECK(FormatRetention(*ParseRetention("1500ms")) == "1500ms");
  CHECK(FormatRetention(*ParseRetention("5000,2h")) == "2h,5000");
  CHECK(ParseRetention("500")->max_age_ns == 0);
  CHECK_FALSE(ParseRetention("off")->enabled());
  for (const char* bad : {"", "0", "0s", "5x", "1h,2h", "10,20", "-1", "1.5h", "24h,", ",5"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRetention(bad).has_value());
  }
}

TEST_CASE("A pass prunes what was last written before the cutoff, in batches, and keeps work") {
  Fixture f;
  const int64_t t0 = f.clock.NowNanos();
  // 2,500 old log lines: more than two batches.
  for (int i = 0; i < 2500; ++i) f.LogLine("old", t0 + i);
  f.Span("done-old", "invocation", t0, t0 + kSecond);
  f.Span("running-old", "event", t0, 0);  // still running: kept whatever its age
  f.Exec(
      "INSERT INTO deliveries (id, message_id, subscription_arn, protocol, endpoint, status, "
      "created_ns, updated_ns) VALUES ('d-pending', 'm', 's', 'http', 'e', 'pending', " +
      std::to_string(t0) + ", " + std::to_string(t0) +
      "), ('d-done', 'm', 's', 'http', 'e', 'delivered', " + std::to_string(t0) + ", " +
      std::to_string(t0) + ")");
  f.Exec(
      "INSERT INTO async_events (request_id, function_arn, invoked_arn, payload, trace_id, "
      "source, source_id, parent_span, state, attempts, enqueued_ns, next_attempt_ns, "
      "finished_ns) VALUES ('e-retrying', 'a', 'a', '{}', 't', 'invoke', '', '', 'retrying', 1, " +
      std::to_string(t0) + ", 0, NULL), ('e-done', 'a', 'a', '{}', 't', 'invoke', '', '', " +
      "'succeeded', 1, " + std::to_string(t0) + ", 0, " + std::to_string(t0) + ")");
  f.Exec(
      "INSERT INTO async_attempts (request_id, attempt, dispatched_ns, finished_ns, outcome) "
      "VALUES ('e-retrying', 1, " +
      std::to_string(t0) + ", " + std::to_string(t0) + ", 'error'), ('e-done', 1, " +
      std::to_string(t0) + ", " + std::to_string(t0) + ", 'success')");

  f.clock.Advance(3600 * kSecond);
  f.LogLine("new", f.clock.NowNanos());
  f.Span("done-new", "invocation", f.clock.NowNanos(), f.clock.NowNanos() + 1);

  Pruner pruner(*f.writer, f.clock, *ParseRetention("30m"));
  auto stats = pruner.RunOnce();
  REQUIRE(stats.has_value());
  CHECK(stats->passes == 1);
  CHECK(stats->cutoff_ns == f.clock.NowNanos() - 1800 * kSecond);
  CHECK(stats->deleted.at("log_lines") == 2500);
  CHECK(f.Count("log_lines") == 1);
  CHECK(f.Count("spans", "id = 'done-old'") == 0);
  CHECK(f.Count("spans", "id IN ('running-old', 'done-new')") == 2);
  CHECK(f.Count("deliveries", "id = 'd-pending'") == 1);
  CHECK(f.Count("deliveries", "id = 'd-done'") == 0);
  CHECK(f.Count("async_events", "request_id = 'e-retrying'") == 1);
  CHECK(f.Count("async_events", "request_id = 'e-done'") == 0);
  CHECK(f.Count("async_attempts", "request_id = 'e-retrying'") == 1);
  CHECK(f.Count("async_attempts", "request_id = 'e-done'") == 0);

  // The running span ends (rewritten, with a new rowid): once old enough it goes too.
  f.Span("running-old", "event", t0, f.clock.NowNanos());
  f.clock.Advance(3600 * kSecond);
  REQUIRE(pruner.RunOnce().has_value());
  CHECK(f.Count("spans") == 0);
  CHECK(f.Count("log_lines") == 0);
}

TEST_CASE("A count limit keeps the newest finished invocations and what came after them") {
  Fixture f;
  const int64_t t0 = f.clock.NowNanos();
  for (int i = 0; i < 12; ++i) {
    const int64_t start = t0 + i * kSecond;
    f.Span("inv-" + std::to_string(i), "invocation", start, 0);  // recorded when it starts
    f.LogLine("inv-" + std::to_string(i), start + 1);
    f.Span("inv-" + std::to_string(i), "invocation", start, start + kSecond / 2);  // and ends
    f.LogLine("inv-" + std::to_string(i), start + kSecond / 2 + 1);  // its REPORT line
  }
  Pruner pruner(*f.writer, f.clock, *ParseRetention("24h,5"));
  auto stats = pruner.RunOnce();
  REQUIRE(stats.has_value());
  CHECK(stats->invocations == 5);
  CHECK(f.Count("spans") == 5);
  CHECK(f.Count("spans", "id IN ('inv-7', 'inv-8', 'inv-9', 'inv-10', 'inv-11')") == 5);
  CHECK(f.Count("log_lines") == 10);
  CHECK(f.Count("log_lines", "request_id = 'inv-6'") == 0);

  // Counting is incremental: three more invocations, three more pruned.
  for (int i = 12; i < 15; ++i) {
    const int64_t start = t0 + i * kSecond;
    f.Span("inv-" + std::to_string(i), "invocation", start, start + kSecond / 2);
  }
  stats = pruner.RunOnce();
  REQUIRE(stats.has_value());
  CHECK(stats->invocations == 5);
  CHECK(f.Count("spans", "id IN ('inv-10', 'inv-11', 'inv-12', 'inv-13', 'inv-14')") == 5);
  CHECK(f.Count("spans") == 5);
}

TEST_CASE("A row cap keeps the newest rows of each table, whatever their age, and keeps work") {
  Fixture f;
  const int64_t t0 = f.clock.NowNanos();
  // All young: the age and count rules alone would keep every row (issue #15: --ephemeral
  // kept every delivery in memory until the 24 h retention).
  for (int i = 0; i < 700; ++i) f.LogLine("r-" + std::to_string(i), t0 + i);
  f.Span("running", "event", t0, 0);  // the oldest span, and work still to do
  for (int i = 0; i < 300; ++i) {
    f.Span("inv-" + std::to_string(i), "invocation", t0 + i, t0 + i + 1);
  }
  for (int i = 0; i < 250; ++i) {
    f.Exec(
        "INSERT INTO deliveries (id, message_id, subscription_arn, protocol, endpoint, status, "
        "created_ns, updated_ns) VALUES ('d-" +
        std::to_string(i) + "', 'm', 's', 'http', 'e', '" + (i < 10 ? "pending" : "delivered") +
        "', " + std::to_string(t0 + i) + ", " + std::to_string(t0 + i) + ")");
  }
  RetentionPolicy policy = *ParseRetention("24h,1000000");
  policy.max_rows = 100;
  Pruner pruner(*f.writer, f.clock, policy);
  auto stats = pruner.RunOnce();
  REQUIRE(stats.has_value());
  CHECK(f.Count("log_lines") == 100);
  CHECK(f.Count("log_lines", "request_id = 'r-600'") == 1);  // the newest hundred
  CHECK(f.Count("log_lines", "request_id = 'r-599'") == 0);
  CHECK(stats->deleted.at("log_lines") == 600);
  CHECK(f.Count("spans") == 100);
  CHECK(f.Count("spans", "id = 'running'") == 1);
  CHECK(f.Count("spans", "id = 'inv-299'") == 1);
  CHECK(f.Count("spans", "id = 'inv-200'") == 0);
  CHECK(stats->invocations == 99);  // the count rule's tally follows what the cap deleted
  CHECK(f.Count("deliveries") == 100);
  CHECK(f.Count("deliveries", "status = 'pending'") == 10);
  CHECK(f.Count("deliveries", "id = 'd-249'") == 1);
  CHECK(f.Count("deliveries", "id = 'd-159'") == 0);

  // It holds as more is written: another 500 log lines, still 100 kept.
  for (int i = 700; i < 1200; ++i) f.LogLine("r-" + std::to_string(i), t0 + i);
  REQUIRE(pruner.RunOnce().has_value());
  CHECK(f.Count("log_lines") == 100);
  CHECK(f.Count("log_lines", "request_id = 'r-1100'") == 1);

  // Only work left above the cap: it stays.
  Fixture g;
  for (int i = 0; i < 150; ++i) g.Span("open-" + std::to_string(i), "event", t0 + i, 0);
  Pruner capped(*g.writer, g.clock, policy);
  REQUIRE(capped.RunOnce().has_value());
  CHECK(g.Count("spans") == 150);
}

TEST_CASE("A row cap alone enables the pruner") {
  RetentionPolicy policy;
  CHECK_FALSE(policy.enabled());
  policy.max_rows = 10;
  CHECK(policy.enabled());
}

}  // namespace
}  // namespace offstage::storage
