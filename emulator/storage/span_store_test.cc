// Unit tests of span_store's trace listing: the newest traces by their root spans, a trace with
// several roots listed once, and the reads answered from the partial indexes (spans_roots, the
// kinds' by start).
#include "emulator/storage/span_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "emulator/storage/testing/test_database.h"

namespace offstage::storage {
namespace {

void Put(Database& db, const std::string& id, const std::string& trace, int64_t start_ns,
         std::optional<std::string> parent = std::nullopt, const std::string& kind = "publish") {
  SpanRow row;
  row.id = id;
  row.kind = kind;
  row.trace_id = trace;
  row.parent_id = std::move(parent);
  row.name = "name-" + id;
  row.start_ns = start_ns;
  row.end_ns = start_ns + 5;
  row.status = "ok";
  REQUIRE(UpsertSpan(db, row).has_value());
}

TEST_CASE("traces are listed by their newest root, with their first start, spans and root") {
  auto db = testing::OpenMemoryDatabase();
  Put(*db, "a1", "A", 100);
  Put(*db, "a2", "A", 110, "a1", "event");
  Put(*db, "a3", "A", 120, "a2", "invocation");
  Put(*db, "b1", "B", 300, std::nullopt, "invocation");
  Put(*db, "c1", "C", 200);
  Put(*db, "c2", "C", 900, "c1", "delivery");  // a late child does not reorder its trace

  auto all = RecentTraces(*db, 10);
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].trace_id == "B");
  CHECK((*all)[0].root_kind == "invocation");
  CHECK((*all)[1].trace_id == "C");
  CHECK((*all)[1].spans == 2);
  CHECK((*all)[2].trace_id == "A");
  CHECK((*all)[2].start_ns == 100);
  CHECK((*all)[2].spans == 3);
  CHECK((*all)[2].root_name == "name-a1");
  CHECK((*all)[2].root_kind == "publish");

  auto two = RecentTraces(*db, 2);
  REQUIRE(two.has_value());
  REQUIRE(two->size() == 2);
  CHECK((*two)[1].trace_id == "C");
  auto none = RecentTraces(*db, 0);
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("a trace with many roots is listed once and does not hide older traces") {
  auto db = testing::OpenMemoryDatabase();
  Put(*db, "old", "OLD", 10);
  // One client sending the same X-Amzn-Trace-Id root with 20 requests: 20 roots in one trace,
  // all newer than OLD's, so the first windows of roots hold one trace only.
  for (int i = 0; i < 20; ++i) Put(*db, "r" + std::to_string(i), "MANY", 100 + i);
  auto listed = RecentTraces(*db, 2);
  REQUIRE(listed.has_value());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].trace_id == "MANY");
  CHECK((*listed)[0].spans == 20);
  CHECK((*listed)[0].start_ns == 100);
  CHECK((*listed)[0].root_name == "name-r0");  // its first root
  CHECK((*listed)[1].trace_id == "OLD");
  // Asking for more traces than there are returns them all.
  auto more = RecentTraces(*db, 5);
  REQUIRE(more.has_value());
  CHECK(more->size() == 2);
}

TEST_CASE("the newest roots are read from the index spans_roots, not the whole table") {
  auto db = testing::OpenMemoryDatabase();
  auto plan = db->Prepare("EXPLAIN QUERY PLAN " + std::string(RecentRootsSql()));
  REQUIRE(plan.has_value());
  (*plan)->Bind(1, int64_t{5});
  auto details = CollectRows(**plan, [](const Statement& s) { return s.ColumnText(3); });
  REQUIRE(details.has_value());
  REQUIRE(details->size() == 1);
  CHECK((*details)[0] == "SCAN spans USING INDEX spans_roots");
}

TEST_CASE("spans by kind and start are read from the kind's partial index") {
  auto db = testing::OpenMemoryDatabase();
  for (const char* kind : {"invocation", "delivery"}) {
    CAPTURE(kind);
    const auto sql = SpansOfKindSinceSql(kind);
    REQUIRE(sql.has_value());
    auto plan = db->Prepare("EXPLAIN QUERY PLAN " + *sql);
    REQUIRE(plan.has_value());
    (*plan)->Bind(1, int64_t{0}).Bind(2, int64_t{5});
    auto details = CollectRows(**plan, [](const Statement& s) { return s.ColumnText(3); });
    REQUIRE(details.has_value());
    REQUIRE(details->size() == 1);
    CHECK((*details)[0] == std::string("SEARCH spans USING INDEX ") +
                               (kind == std::string("invocation") ? "spans_invocations_by_start"
                                                                  : "spans_deliveries_by_start") +
                               " (start_ns>?)");
  }
}

TEST_CASE("spans by kind and start: only the indexed kinds, newest first, from `since` on") {
  auto db = testing::OpenMemoryDatabase();
  Put(*db, "i1", "t1", 100, std::nullopt, "invocation");
  Put(*db, "i2", "t1", 200, std::nullopt, "invocation");
  Put(*db, "p1", "t1", 250);
  Put(*db, "i3", "t1", 300, std::nullopt, "invocation");
  auto rows = SpansOfKindSince(*db, "invocation", 150, 10);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].id == "i3");
  CHECK((*rows)[1].id == "i2");
  CHECK_FALSE(SpansOfKindSince(*db, "publish", 0, 10).has_value());
  CHECK_FALSE(SpansOfKindSinceSql("x' OR 1=1 --").has_value());
}

}  // namespace
}  // namespace offstage::storage
