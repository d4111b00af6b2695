// Unit tests of FunctionStore (issue #16): a change shows in memory only once committed, a
// failed commit or a refused change leaves memory as it was and commits nothing, hot reload's
// generation steps survive a change, a change's Settled runs before the next change, and Load
// restores what was committed. An in-memory database behind a real storage::Writer; commits are
// broken with a SQLite trigger raising 'database or disk is full' (as in
// lambda_service_test.cc), and counted with another. The tests that hold the writer (or a
// change) up run their changes on threads of their own.
#include "emulator/lambda/function_store.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/testing/fakes.h"
#include "emulator/lambda/validation.h"
#include "emulator/storage/lambda_store.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::lambda {
namespace {

using Change = FunctionStore::Change;

const std::string kArn = "arn:aws:lambda:us-east-1:000000000000:function:fn";

Function Make(const std::string& name) {
  Function f;
  f.name = name;
  f.arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name;
  f.region = "us-east-1";
  f.account = "000000000000";
  f.runtime = "python3.12";
  f.handler = "app.handler";
  f.role = "arn:aws:iam::000000000000:role/lambda";
  f.code.dir = "/code/" + name + "/1";
  f.revision_id = name + "-r1";
  f.created_ns = f.last_modified_ns = 1000;
  return f;
}

// An edit that puts `f` in place of whatever is there.
FunctionStore::Edit Put(Function f) {
  return [f = std::move(f)](std::optional<Function>& slot) -> Result<bool> {
    slot = f;
    return true;
  };
}

// An edit of an existing function.
FunctionStore::Edit Edit(std::function<void(Function&)> edit) {
  return [edit = std::move(edit)](std::optional<Function>& f) -> Result<bool> {
    if (!f) return FunctionNotFoundError(kArn);
    edit(*f);
    return true;
  };
}

Result<bool> Delete(std::optional<Function>& f) {
  f.reset();
  return true;
}

struct Fixture {
  Fixture() {
    db = storage::testing::OpenMemoryDatabase();
    writer = std::make_unique<storage::Writer>(*db, clock);
    store = std::make_unique<FunctionStore>(*writer, log);
    REQUIRE(store->Load().has_value());
    Exec("CREATE TEMP TABLE writes (n INTEGER)");
    for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
      Exec(std::string("CREATE TEMP TRIGGER count_") + op + " AFTER " + op +
           " ON functions BEGIN INSERT INTO writes VALUES (1); END");
    }
  }
  ~Fixture() {
    store.reset();
    writer.reset();
  }
  void Exec(const std::string& sql) {
    REQUIRE(
        writer->Call([&](storage::Database& database) { return database.Exec(sql); }).has_value());
  }
  // Every write of a function's row fails, as on a full disk; Heal() lifts it.
  void Break() {
    for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
      Exec(std::string("CREATE TEMP TRIGGER broken_") + op + " BEFORE " + op +
           " ON functions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    }
  }
  void Heal() {
    for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
      Exec(std::string("DROP TRIGGER broken_") + op);
    }
  }
  // Rows of `functions` written (inserted, updated or deleted) so far.
  int Writes() {
    int count = 0;
    REQUIRE(writer
                ->Query([&](storage::Database& database) -> Status {
                  auto stmt = database.Prepare("SELECT COUNT(*) FROM writes");
                  if (!stmt) return common::Fail(stmt.error());
                  auto row = (*stmt)->Step();
                  if (!row) return common::Fail(row.error());
                  count = static_cast<int>((*stmt)->ColumnInt(0));
                  return {};
                })
                .has_value());
    return count;
  }
  // What a restart would see: a new store loaded from the database.
  std::unique_ptr<FunctionStore> Reloaded() {
    auto reloaded = std::make_unique<FunctionStore>(*writer, log);
    REQUIRE(reloaded->Load().has_value());
    return reloaded;
  }
  // Runs Update(arn, edit) on a thread of its own while the writer is held up, so that its
  // commit waits; calls `meanwhile` once the edit has run (the change is then between its copy
  // and its swap), then lets the writer go and returns the change's result.
  Result<Change> WhileCommitWaits(const std::string& arn, const FunctionStore::Edit& edit,
                                  const std::function<void()>& meanwhile) {
    std::promise<void> held, release, edited;
    std::shared_future<void> go = release.get_future().share();
    writer->Post([&](storage::Database&) -> Status {
      held.set_value();
      go.wait();
      return {};
    });
    held.get_future().wait();
    Result<Change> result = common::Fail(common::Internal("not run"));
    std::thread changer([&] {
      result = store->Update(arn, [&](std::optional<Function>& f) -> Result<bool> {
        auto proceed = edit(f);
        edited.set_value();
        return proceed;
      });
    });
    edited.get_future().wait();
    meanwhile();  // CHECKs only: a REQUIRE would leave the thread unjoined
    release.set_value();
    changer.join();
    return result;
  }

  common::testing::FakeClock clock;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::Writer> writer;
  std::unique_ptr<FunctionStore> store;
};

}  // namespace

TEST_CASE("A change shows in memory only once committed, and reads do not wait for it") {
  Fixture f;
  auto created = f.WhileCommitWaits(kArn, Put(Make("fn")), [&] {
    CHECK_FALSE(f.store->Find(kArn).has_value());
    CHECK(f.store->size() == 0);
  });
  REQUIRE(created.has_value());
  CHECK_FALSE(created->before.has_value());
  REQUIRE(created->after.has_value());
  CHECK(created->after->revision_id == "fn-r1");
  CHECK(created->generation_steps == 0);
  CHECK(f.store->Find(kArn)->revision_id == "fn-r1");

  auto updated = f.WhileCommitWaits(kArn, Edit([](Function& fn) { fn.timeout = 30; }), [&] {
    CHECK(f.store->Find(kArn)->timeout == 3);
    CHECK(f.store->Read([](const auto& functions) { return functions.at(kArn).timeout; }) == 3);
  });
  REQUIRE(updated.has_value());
  CHECK(updated->before->timeout == 3);
  CHECK(updated->after->timeout == 30);
  CHECK(f.store->Find(kArn)->timeout == 30);

  auto deleted = f.WhileCommitWaits(kArn, Delete, [&] {
    CHECK(f.store->Find(kArn).has_value());
    CHECK(f.store->size() == 1);
  });
  REQUIRE(deleted.has_value());
  CHECK(deleted->before->timeout == 30);
  CHECK_FALSE(deleted->after.has_value());
  CHECK_FALSE(f.store->Find(kArn).has_value());
  CHECK(f.store->size() == 0);
  CHECK(f.Reloaded()->size() == 0);
}

TEST_CASE("A change whose commit failed leaves memory exactly as it was") {
  Fixture f;
  std::vector<bool> settled;  // what each change's Settled was told
  auto note = [&](const Result<Change>& change) { settled.push_back(change.has_value()); };

  f.Break();
  auto created = f.store->Update(kArn, Put(Make("fn")), note);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().message.find("database or disk is full") != std::string::npos);
  CHECK_FALSE(f.store->Find(kArn).has_value());
  CHECK(f.store->size() == 0);
  f.Heal();
  REQUIRE(f.store->Update(kArn, Put(Make("fn")), note).has_value());
  const Function before = *f.store->Find(kArn);

  f.Break();
  auto updated = f.store->Update(kArn, Edit([](Function& fn) {
                                   fn.timeout = 30;
                                   fn.revision_id = "fn-r2";
                                   ++fn.generation;
                                 }),
                                 note);
  REQUIRE_FALSE(updated.has_value());
  auto deleted = f.store->Update(kArn, Delete, note);
  REQUIRE_FALSE(deleted.has_value());
  const Function now = *f.store->Find(kArn);
  CHECK(now.ToJson() == before.ToJson());  // every stored member, the generation included
  CHECK(f.store->size() == 1);
  f.Heal();

  CHECK(settled == std::vector<bool>{false, true, false, false});
  const auto reloaded = f.Reloaded();
  CHECK(reloaded->Find(kArn)->ToJson() == before.ToJson());
}

TEST_CASE("A change its edit refuses leaves memory as it was and commits nothing") {
  Fixture f;
  REQUIRE(f.store->Update(kArn, Put(Make("fn"))).has_value());
  const Function before = *f.store->Find(kArn);
  const int writes = f.Writes();
  auto refuse = [](std::optional<Function>& fn) -> Result<bool> {
    // Edits the copy, then refuses: none of it may show.
    if (fn) {
      fn->timeout = 99;
      ++fn->generation;
    }
    return InvalidParameterValueError("refused");
  };
  std::optional<std::string> told;
  auto refused = f.store->Update(kArn, refuse, [&](const Result<Change>& change) {
    told = change ? "ok" : change.error().message;
  });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "refused");
  CHECK(told == "refused");
  CHECK(f.store->Find(kArn)->ToJson() == before.ToJson());

  // A delete refused after resetting the copy, a create refused after filling it.
  CHECK_FALSE(f.store
                  ->Update(kArn,
                           [](std::optional<Function>& fn) -> Result<bool> {
                             fn.reset();
                             return InvalidParameterValueError("no");
                           })
                  .has_value());
  CHECK(f.store->Find(kArn).has_value());
  const std::string other = Make("other").arn;
  CHECK_FALSE(f.store
                  ->Update(other,
                           [](std::optional<Function>& fn) -> Result<bool> {
                             fn = Make("other");
                             return InvalidParameterValueError("no");
                           })
                  .has_value());
  CHECK_FALSE(f.store->Find(other).has_value());
  CHECK(f.store->size() == 1);
  CHECK(f.Writes() == writes);
}

TEST_CASE("A change whose edit answers false commits nothing") {
  Fixture f;
  REQUIRE(f.store->Update(kArn, Put(Make("fn"))).has_value());
  const Function before = *f.store->Find(kArn);
  const int writes = f.Writes();
  auto preview = f.store->Update(kArn, [](std::optional<Function>& fn) -> Result<bool> {
    fn->timeout = 99;  // a dry run's preview: built, not committed
    return false;
  });
  REQUIRE(preview.has_value());
  CHECK(preview->before->ToJson() == before.ToJson());
  CHECK(preview->after->ToJson() == before.ToJson());
  CHECK(preview->generation_steps == 0);
  CHECK(f.store->Find(kArn)->timeout == before.timeout);

  // Nothing there, and nothing made: nothing to commit either.
  auto nothing = f.store->Update(Make("none").arn,
                                 [](std::optional<Function>&) -> Result<bool> { return true; });
  REQUIRE(nothing.has_value());
  CHECK_FALSE(nothing->before.has_value());
  CHECK_FALSE(nothing->after.has_value());
  CHECK(f.Writes() == writes);
  CHECK(f.store->size() == 1);
}

TEST_CASE("Generation steps hot reload takes between a change's copy and its swap are kept") {
  Fixture f;
  REQUIRE(f.store->Update(kArn, Put(Make("fn"))).has_value());
  REQUIRE(f.store->Find(kArn)->generation == 1);

  // A configuration change (one step) while hot reload bumps the generation: both count.
  auto changed = f.store->Update(kArn, [&](std::optional<Function>& fn) -> Result<bool> {
    REQUIRE(f.store->BumpGeneration(kArn)->generation == 2);
    fn->timeout = 10;
    ++fn->generation;
    return true;
  });
  REQUIRE(changed.has_value());
  CHECK(changed->before->generation == 2);
  CHECK(changed->after->generation == 3);
  CHECK(changed->generation_steps == 1);
  CHECK(f.store->Find(kArn)->generation == 3);

  // The same while the commit waits on the writer: the bump does not wait for it.
  auto waited = f.WhileCommitWaits(kArn, Edit([](Function& fn) {
                                     fn.timeout = 20;
                                     ++fn.generation;
                                   }),
                                   [&] {
                                     auto bumped = f.store->BumpGeneration(kArn);
                                     CHECK(bumped.has_value());
                                     if (bumped) CHECK(bumped->generation == 4);
                                     if (bumped) CHECK(bumped->timeout == 10);  // not committed
                                   });
  REQUIRE(waited.has_value());
  CHECK(waited->generation_steps == 1);
  CHECK(f.store->Find(kArn)->generation == 5);
  CHECK(f.store->Find(kArn)->timeout == 20);

  // A change that takes no step (tags) keeps the bump too, and retires nothing.
  auto tagged = f.store->Update(kArn, [&](std::optional<Function>& fn) -> Result<bool> {
    REQUIRE(f.store->BumpGeneration(kArn).has_value());
    fn->tags["team"] = "a";
    return true;
  });
  REQUIRE(tagged.has_value());
  CHECK(tagged->generation_steps == 0);
  CHECK(tagged->after->generation == 6);
  CHECK(f.store->Find(kArn)->generation == 6);

  // A delete sees the function as it was just before: its last generation.
  auto deleted = f.store->Update(kArn, [&](std::optional<Function>& fn) -> Result<bool> {
    REQUIRE(f.store->BumpGeneration(kArn).has_value());
    fn.reset();
    return true;
  });
  REQUIRE(deleted.has_value());
  CHECK(deleted->before->generation == 7);
  CHECK_FALSE(f.store->BumpGeneration(kArn).has_value());  // nothing left to bump
}

TEST_CASE("Load restores what was committed and skips a row it cannot read") {
  Fixture f;
  Function a = Make("a");
  a.tags = {{"env", "dev"}};
  a.reserved_concurrency = 5;
  REQUIRE(f.store->Update(a.arn, Put(a)).has_value());
  REQUIRE(f.store->Update(Make("b").arn, Put(Make("b"))).has_value());
  REQUIRE(f.store->Update(Make("c").arn, Put(Make("c"))).has_value());
  REQUIRE(f.store
              ->Update(a.arn,
                       [](std::optional<Function>& fn) -> Result<bool> {
                         fn->description = "after";
                         return true;
                       })
              .has_value());
  REQUIRE(f.store->Update(Make("b").arn, Delete).has_value());
  f.Break();
  CHECK_FALSE(f.store->Update(Make("d").arn, Put(Make("d"))).has_value());  // never committed
  f.Heal();
  REQUIRE(f.writer
              ->Call([](storage::Database& db) {
                return storage::UpsertFunction(
                    db, {"arn:aws:lambda:us-east-1:000000000000:function:bad", "bad", "us-east-1",
                         "000000000000", "not json", 1});
              })
              .has_value());

  const auto reloaded = f.Reloaded();
  CHECK(reloaded->size() == 2);
  const auto names = reloaded->Read([](const std::map<std::string, Function>& functions) {
    std::vector<std::string> out;
    for (const auto& [arn, fn] : functions) out.push_back(fn.name);
    return out;
  });
  CHECK(names == std::vector<std::string>{"a", "c"});
  CHECK(reloaded->Find(a.arn)->ToJson() == f.store->Find(a.arn)->ToJson());
  CHECK(reloaded->Find(a.arn)->description == "after");
  CHECK(reloaded->Find(a.arn)->tags.at("env") == "dev");
  CHECK(reloaded->Find(a.arn)->created_ns == a.created_ns);
}

TEST_CASE("A change's Settled runs before the next change begins") {
  Fixture f;
  REQUIRE(f.store->Update(kArn, Put(Make("fn"))).has_value());
  std::promise<void> settling, release;
  std::shared_future<void> go = release.get_future().share();
  std::atomic<bool> first_settled{false}, second_edited{false}, edited_in_order{false};
  std::thread first([&] {
    auto change = f.store->Update(kArn, Edit([](Function& fn) { fn.timeout = 10; }),
                                  [&](const Result<Change>&) {
                                    settling.set_value();
                                    go.wait();  // e.g. retiring environments, removing code
                                    first_settled = true;
                                  });
    CHECK(change.has_value());
  });
  settling.get_future().wait();
  std::thread second([&] {
    auto change = f.store->Update(kArn, Edit([&](Function& fn) {
                                    edited_in_order = first_settled.load();
                                    second_edited = true;
                                    fn.timeout = 20;
                                  }));
    CHECK(change.has_value());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(second_edited.load());          // waits for the first to settle
  CHECK(f.store->Find(kArn)->timeout == 10);  // reads do not wait
  release.set_value();
  first.join();
  second.join();
  CHECK(edited_in_order.load());
  CHECK(f.store->Find(kArn)->timeout == 20);
}

TEST_CASE("A change that names another function is refused") {
  Fixture f;
  auto wrong = f.store->Update(kArn, Put(Make("other")));
  REQUIRE_FALSE(wrong.has_value());
  CHECK(f.store->size() == 0);
}

}  // namespace offstage::lambda
