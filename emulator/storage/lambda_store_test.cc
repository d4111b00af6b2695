// Unit tests of lambda_store's log lines: read back by time and sequence (optionally one
// function's), and stored with no index that no read uses (each costs a WAL page per write).
#include "emulator/storage/lambda_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "emulator/storage/testing/test_database.h"

namespace offstage::storage {

TEST_CASE("log lines: one function's or all, after a sequence, oldest or newest first") {
  auto db = testing::OpenMemoryDatabase();
  REQUIRE(InsertLogLines(*db, {{"f", "r1", "stdout", 100, "a"},
                               {"g", "r2", "stdout", 150, "b"},
                               {"f", "r3", "platform", 200, "c"}})
              .has_value());
  std::vector<int64_t> seqs;
  auto f = QueryLogLines(*db, "f", 0, 0, 10, &seqs, /*newest=*/false);
  REQUIRE(f.has_value());
  REQUIRE(f->size() == 2);
  CHECK((*f)[0].text == "a");
  CHECK((*f)[1].request_id == "r3");
  REQUIRE(seqs.size() == 2);
  auto after = QueryLogLines(*db, "", 0, seqs[0], 10, nullptr, /*newest=*/false);
  REQUIRE(after.has_value());
  REQUIRE(after->size() == 2);
  CHECK((*after)[0].text == "b");
  auto newest = QueryLogLines(*db, "", 120, 0, 1, nullptr, /*newest=*/true);
  REQUIRE(newest.has_value());
  REQUIRE(newest->size() == 1);
  CHECK((*newest)[0].text == "c");
}

TEST_CASE("log lines keep only the index their reads use (by function and time)") {
  auto db = testing::OpenMemoryDatabase();
  auto stmt = db->Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'log_lines' "
      "ORDER BY name");
  REQUIRE(stmt.has_value());
  auto names = CollectRows(**stmt, [](const Statement& s) { return s.ColumnText(0); });
  REQUIRE(names.has_value());
  CHECK(*names == std::vector<std::string>{"log_lines_by_function"});
}

}  // namespace offstage::storage
