// OpenMemoryDatabase: an in-memory Database, migrated as Open does (the test fails if it cannot
// be opened). TestDatabase: a unit test's storage — such a Database and its Writer — and a way
// to make commits fail as a full disk does (Break / Heal). Header only; for the unit tests only
// (it uses doctest). Thread model: Break and Heal from the test's thread;
// the Writer is the real one, with its own thread.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/storage/database.h"
#include "emulator/storage/writer.h"

namespace offstage::storage::testing {

inline std::unique_ptr<Database> OpenMemoryDatabase() {
  auto opened = Database::Open(":memory:");
  REQUIRE(opened.has_value());
  return std::move(*opened);
}

struct TestDatabase {
  explicit TestDatabase(const common::Clock& clock) : db(OpenMemoryDatabase()) {
    writer = std::make_unique<Writer>(*db, clock);
  }
  ~TestDatabase() { writer.reset(); }  // its thread stops before the database closes

  // Makes every `op` (INSERT, UPDATE or DELETE) on `table` fail, as a full disk fails a
  // commit: the transaction rolls back. Heal() lifts every one.
  void Break(const std::string& table, const std::string& op) {
    const std::string name = "broken_" + table + "_" + op;
    REQUIRE(writer
                ->Call([&](Database& database) {
                  return database.Exec("CREATE TEMP TRIGGER " + name + " BEFORE " + op + " ON " +
                                       table +
                                       " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); "
                                       "END");
                })
                .has_value());
    broken.push_back(name);
  }
  // Every write to `table` fails.
  void BreakWrites(const std::string& table) {
    for (const char* op : {"INSERT", "UPDATE", "DELETE"}) Break(table, op);
  }
  void Heal() {
    for (const auto& name : broken) {
      REQUIRE(
          writer->Call([&](Database& database) { return database.Exec("DROP TRIGGER " + name); })
              .has_value());
    }
    broken.clear();
  }

  std::unique_ptr<Database> db;
  std::unique_ptr<Writer> writer;
  std::vector<std::string> broken;
};

}  // namespace offstage::storage::testing
