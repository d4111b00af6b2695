// Unit tests of LambdaService's control plane against a failing commit (issue #15 point 4): a
// state change whose commit fails leaves memory, the code directory and the pool as they were,
// and a retry succeeds. Commits are broken with a SQLite trigger raising 'database or disk is
// full', as in sns_service_test.cc. Single-threaded apart from the service's own threads.
#include "emulator/lambda/lambda_service.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <zip.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/async_store.h"
#include "emulator/storage/lambda_store.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::lambda {
namespace {

namespace fs = std::filesystem;

class NullLogs final : public runtime::LogSink {
 public:
  void Write(const runtime::LogLine&) override {}
};

// SNS as Lambda sees it: destinations and dead-letter topics publish nowhere (these tests do
// not reach them), and payloads pass unchanged.
class NoTopics final : public TopicPublisher {
 public:
  common::Result<std::string> PublishToTopic(
      const common::RequestContext&, const std::string& topic_arn, const std::string&,
      const std::map<std::string, std::pair<std::string, std::string>>&) override {
    return common::Fail(common::InvalidParameter("no topics in this test: " + topic_arn));
  }
};
class PassThrough final : public EventFinalizer {
 public:
  std::string Finalize(std::string_view, std::string payload) override { return payload; }
};

// A zip holding one file, built in memory with libzip.
std::string Zip(const std::string& name, const std::string& content) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(nullptr, 0, 0, &error);
  REQUIRE(source != nullptr);
  zip_t* archive = zip_open_from_source(source, ZIP_TRUNCATE, &error);
  REQUIRE(archive != nullptr);
  zip_source_keep(source);
  zip_source_t* data = zip_source_buffer(archive, content.data(), content.size(), 0);
  REQUIRE(zip_file_add(archive, name.c_str(), data, ZIP_FL_ENC_UTF_8) >= 0);
  REQUIRE(zip_close(archive) == 0);
  REQUIRE(zip_source_open(source) == 0);
  REQUIRE(zip_source_seek(source, 0, SEEK_END) == 0);
  const zip_int64_t size = zip_source_tell(source);
  REQUIRE(zip_source_seek(source, 0, SEEK_SET) == 0);
  std::string out(static_cast<size_t>(size), '\0');
  REQUIRE(zip_source_read(source, out.data(), static_cast<zip_uint64_t>(size)) == size);
  zip_source_close(source);
  zip_source_free(source);
  return out;
}

struct Fixture {
  Fixture() {
    char pattern[] = "/tmp/offstage-lambda-test-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    root = pattern;
    db = storage::testing::OpenMemoryDatabase();
    writer = std::make_unique<storage::Writer>(*db, clock);
    recorder = std::make_unique<telemetry::Recorder>(*writer);
    pool = std::make_unique<runtime::Pool>(runtime::PoolOptions{}, supervisor, clock, ids, logs);
    service = MakeService();
    REQUIRE(service->Load().has_value());
    ctx.region = "us-east-1";
    ctx.account = "000000000000";
    ctx.request_id = "req";
  }
  ~Fixture() {
    service.reset();
    pool.reset();
    writer.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::unique_ptr<LambdaService> MakeService() {
    LambdaOptions options;
    options.code_root = (root / "code").string();
    options.shim_dir = std::string(OFFSTAGE_SOURCE_DIR) + "/runtime-shim";
    return std::make_unique<LambdaService>(options, LambdaPeers{topics, finalizer}, *writer, *pool,
                                           *recorder, clock, ids, log);
  }
  // Makes every `op` (INSERT, UPDATE, DELETE) on `table` fail, as a full disk fails a commit;
  // Heal() lifts it.
  void Break(const std::string& table, const std::string& op) {
    REQUIRE(writer
                ->Call([&](storage::Database& database) {
                  return database.Exec("CREATE TEMP TRIGGER broken_" + table + "_" + op +
                                       " BEFORE " + op + " ON " + table +
                                       " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); "
                                       "END");
                })
                .has_value());
    broken.push_back("broken_" + table + "_" + op);
  }
  // Every write of a function's row fails.
  void BreakFunctions() {
    Break("functions", "INSERT");
    Break("functions", "UPDATE");
    Break("functions", "DELETE");
  }
  void Heal() {
    for (const auto& name : broken) {
      REQUIRE(writer
                  ->Call([&](storage::Database& database) {
                    return database.Exec("DROP TRIGGER " + name);
                  })
                  .has_value());
    }
    broken.clear();
  }
  CreateFunctionInput Input(const std::string& name, const std::string& source) {
    CreateFunctionInput in;
    in.name = name;
    in.config.role = "arn:aws:iam::000000000000:role/lambda";
    in.config.runtime = "python3.12";
    in.config.handler = "app.handler";
    in.code.zip_file = Zip("app.py", source);
    return in;
  }
  Function Create(const std::string& name) {
    auto created = service->CreateFunction(ctx, Input(name, "def handler(e, c): return 1\n"));
    REQUIRE(created.has_value());
    return *created;
  }
  Function Get(const std::string& name) {
    auto function = service->GetFunction(ctx, name, "");
    REQUIRE(function.has_value());
    return *function;
  }
  // The function as the database holds it (what a restart would load).
  Function Reloaded(const std::string& name) {
    auto reloaded = MakeService();
    REQUIRE(reloaded->Load().has_value());
    auto function = reloaded->GetFunction(ctx, name, "");
    REQUIRE(function.has_value());
    return *function;
  }
  std::vector<storage::AsyncEventRow> Unfinished() {
    std::vector<storage::AsyncEventRow> events;
    REQUIRE(writer
                ->Query([&](storage::Database& database) -> Status {
                  auto rows = storage::UnfinishedAsyncEvents(database);
                  if (!rows) return common::Fail(rows.error());
                  events = std::move(*rows);
                  return {};
                })
                .has_value());
    return events;
  }

  fs::path root;
  common::testing::FakeClock clock;
  common::testing::SequentialIds ids;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  NullLogs logs;
  runtime::PosixSupervisor supervisor;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::Writer> writer;
  std::unique_ptr<telemetry::Recorder> recorder;
  std::unique_ptr<runtime::Pool> pool;
  NoTopics topics;
  PassThrough finalizer;
  std::unique_ptr<LambdaService> service;
  RequestContext ctx;
  std::vector<std::string> broken;
};

}  // namespace

TEST_CASE("A CreateFunction whose commit failed leaves no function and no code behind") {
  Fixture f;
  f.BreakFunctions();
  auto failed = f.service->CreateFunction(f.ctx, f.Input("fn", "def handler(e, c): return 1\n"));
  REQUIRE_FALSE(failed.has_value());
  CHECK_FALSE(f.service->GetFunction(f.ctx, "fn", "").has_value());
  CHECK(f.service->ListFunctions(f.ctx, std::nullopt, std::nullopt)->functions.empty());
  CHECK(f.service->function_count() == 0);
  CHECK_FALSE(fs::exists(f.root / "code" / "fn"));  // no orphan directory
  f.Heal();

  auto retry = f.service->CreateFunction(f.ctx, f.Input("fn", "def handler(e, c): return 1\n"));
  REQUIRE(retry.has_value());
  CHECK(fs::exists(fs::path(retry->code.dir) / "app.py"));
  CHECK(f.Get("fn").revision_id == retry->revision_id);
  CHECK(f.Reloaded("fn").revision_id == retry->revision_id);
}

TEST_CASE("An UpdateFunctionCode whose commit failed keeps the old code") {
  Fixture f;
  const Function before = f.Create("fn");
  f.BreakFunctions();
  CodeInput code;
  code.zip_file = Zip("app.py", "def handler(e, c): return 2\n");
  auto failed = f.service->UpdateFunctionCode(f.ctx, "fn", code, std::nullopt, false);
  REQUIRE_FALSE(failed.has_value());
  const Function now = f.Get("fn");
  CHECK(now.code.sha256 == before.code.sha256);
  CHECK(now.code.dir == before.code.dir);
  CHECK(now.revision_id == before.revision_id);
  CHECK(now.generation == before.generation);
  CHECK(fs::exists(fs::path(before.code.dir) / "app.py"));  // the old code is still there
  // ... and the new code is not left beside it.
  size_t dirs = 0;
  for (const auto& entry : fs::directory_iterator(f.root / "code" / "fn")) {
    (void)entry;
    ++dirs;
  }
  CHECK(dirs == 1);
  f.Heal();

  auto retry = f.service->UpdateFunctionCode(f.ctx, "fn", code, before.revision_id, false);
  REQUIRE(retry.has_value());
  CHECK(retry->code.sha256 != before.code.sha256);
  CHECK(f.Get("fn").code.sha256 == retry->code.sha256);
  CHECK(f.Reloaded("fn").code.sha256 == retry->code.sha256);
  CHECK(fs::exists(fs::path(retry->code.dir) / "app.py"));
  CHECK_FALSE(fs::exists(before.code.dir));  // replaced once committed

  // The same code again, while the commit fails: its directory (the current one) stays.
  f.BreakFunctions();
  CHECK_FALSE(f.service->UpdateFunctionCode(f.ctx, "fn", code, std::nullopt, false).has_value());
  CHECK(fs::exists(fs::path(retry->code.dir) / "app.py"));
  f.Heal();
}

TEST_CASE("An update whose commit failed keeps the warm environments of the old code") {
  Fixture f;
  const Function before = f.Create("fn");
  InvokeInput invoke;
  invoke.function_name = "fn";
  auto first = f.service->Invoke(f.ctx, invoke);  // python3 from PATH runs the handler
  REQUIRE(first.has_value());
  REQUIRE(first->payload == "1");
  REQUIRE(f.pool->stats(before.arn).idle == 1);

  f.BreakFunctions();
  CodeInput code;
  code.zip_file = Zip("app.py", "def handler(e, c): return 2\n");
  CHECK_FALSE(f.service->UpdateFunctionCode(f.ctx, "fn", code, std::nullopt, false).has_value());
  ConfigInput config;
  config.timeout = 30;
  CHECK_FALSE(f.service->UpdateFunctionConfiguration(f.ctx, "fn", config).has_value());
  CHECK(f.pool->stats(before.arn).idle == 1);  // not retired
  auto again = f.service->Invoke(f.ctx, invoke);
  REQUIRE(again.has_value());
  CHECK(again->payload == "1");  // the old code, on its warm environment
  CHECK(f.pool->stats(before.arn).idle == 1);
  f.Heal();

  REQUIRE(f.service->UpdateFunctionCode(f.ctx, "fn", code, std::nullopt, false).has_value());
  CHECK(f.pool->stats(before.arn).idle == 0);  // retired once committed
  auto updated = f.service->Invoke(f.ctx, invoke);
  REQUIRE(updated.has_value());
  CHECK(updated->payload == "2");
}

TEST_CASE("A function deleted and created again keeps its environments warm") {
  Fixture f;
  const std::string arn = f.Create("fn").arn;
  InvokeInput invoke;
  invoke.function_name = "fn";
  REQUIRE(f.service->Invoke(f.ctx, invoke).has_value());
  REQUIRE(f.pool->stats(arn).idle == 1);
  REQUIRE(f.service->DeleteFunction(f.ctx, "fn", "").has_value());
  CHECK(f.pool->stats(arn).idle == 0);  // the deleted function's environment stopped
  auto created = f.service->CreateFunction(f.ctx, f.Input("fn", "def handler(e, c): return 3\n"));
  REQUIRE(created.has_value());
  auto first = f.service->Invoke(f.ctx, invoke);
  REQUIRE(first.has_value());
  CHECK(first->payload == "3");
  // The new function's generation is above the deleted one's: its environment is kept.
  CHECK(f.pool->stats(arn).idle == 1);
}

TEST_CASE("An UpdateFunctionConfiguration whose commit failed keeps the old configuration") {
  Fixture f;
  const Function before = f.Create("fn");
  f.BreakFunctions();
  ConfigInput config;
  config.timeout = 30;
  config.description = "after";
  CHECK_FALSE(f.service->UpdateFunctionConfiguration(f.ctx, "fn", config).has_value());
  const Function now = f.Get("fn");
  CHECK(now.timeout == before.timeout);
  CHECK(now.description.empty());
  CHECK(now.revision_id == before.revision_id);
  CHECK(now.generation == before.generation);
  f.Heal();

  config.revision_id = before.revision_id;  // the retry's precondition still holds
  auto retry = f.service->UpdateFunctionConfiguration(f.ctx, "fn", config);
  REQUIRE(retry.has_value());
  CHECK(f.Get("fn").timeout == 30);
  CHECK(f.Reloaded("fn").description == "after");
}

TEST_CASE("A DeleteFunction whose commit failed keeps the function and its code") {
  Fixture f;
  const Function before = f.Create("fn");
  f.BreakFunctions();
  CHECK_FALSE(f.service->DeleteFunction(f.ctx, "fn", "").has_value());
  CHECK(f.Get("fn").revision_id == before.revision_id);
  CHECK(f.service->function_count() == 1);
  CHECK(fs::exists(fs::path(before.code.dir) / "app.py"));
  f.Heal();

  REQUIRE(f.service->DeleteFunction(f.ctx, "fn", "").has_value());
  CHECK_FALSE(f.service->GetFunction(f.ctx, "fn", "").has_value());
  CHECK_FALSE(fs::exists(f.root / "code" / "fn"));  // nor an empty directory
  auto reloaded = f.MakeService();
  REQUIRE(reloaded->Load().has_value());
  CHECK(reloaded->function_count() == 0);
}

TEST_CASE("Concurrency changes whose commit failed leave the reservation as it was") {
  Fixture f;
  f.Create("fn");
  REQUIRE(f.service->PutFunctionConcurrency(f.ctx, "fn", 10).has_value());
  f.BreakFunctions();
  CHECK_FALSE(f.service->PutFunctionConcurrency(f.ctx, "fn", 20).has_value());
  CHECK(f.service->GetFunctionConcurrency(f.ctx, "fn").value() == 10);
  CHECK_FALSE(f.service->DeleteFunctionConcurrency(f.ctx, "fn").has_value());
  CHECK(f.service->GetFunctionConcurrency(f.ctx, "fn").value() == 10);
  CHECK(f.service->GetAccountSettings(f.ctx).unreserved_concurrency == 990);
  f.Heal();

  REQUIRE(f.service->PutFunctionConcurrency(f.ctx, "fn", 20).has_value());
  CHECK(f.Reloaded("fn").reserved_concurrency == 20);
  REQUIRE(f.service->DeleteFunctionConcurrency(f.ctx, "fn").has_value());
  CHECK_FALSE(f.service->GetFunctionConcurrency(f.ctx, "fn").value().has_value());
  CHECK_FALSE(f.Reloaded("fn").reserved_concurrency.has_value());
}

TEST_CASE("Tag changes whose commit failed, or that are refused, leave the tags as they were") {
  Fixture f;
  const std::string arn = f.Create("fn").arn;
  REQUIRE(f.service->TagResource(f.ctx, arn, {{"env", "dev"}}).has_value());
  f.BreakFunctions();
  CHECK_FALSE(f.service->TagResource(f.ctx, arn, {{"env", "prod"}, {"team", "a"}}).has_value());
  CHECK(f.service->ListTags(f.ctx, arn).value() ==
        std::map<std::string, std::string>{{"env", "dev"}});
  CHECK_FALSE(f.service->UntagResource(f.ctx, arn, {"env"}).has_value());
  CHECK(f.service->ListTags(f.ctx, arn).value() ==
        std::map<std::string, std::string>{{"env", "dev"}});
  f.Heal();

  // Over AWS's limit of 50: refused, and none of them applied.
  std::map<std::string, std::string> many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  CHECK_FALSE(f.service->TagResource(f.ctx, arn, many).has_value());
  CHECK(f.service->ListTags(f.ctx, arn)->size() == 1);

  REQUIRE(f.service->TagResource(f.ctx, arn, {{"env", "prod"}}).has_value());
  CHECK(f.Reloaded("fn").tags.at("env") == "prod");
  REQUIRE(f.service->UntagResource(f.ctx, arn, {"env"}).has_value());
  CHECK(f.service->ListTags(f.ctx, arn)->empty());
  CHECK(f.Reloaded("fn").tags.empty());
}

TEST_CASE("Permission changes whose commit failed leave the policy as it was") {
  Fixture f;
  f.Create("fn");
  PermissionInput in;
  in.statement_id = "sns";
  in.action = "lambda:InvokeFunction";
  in.principal = "sns.amazonaws.com";
  f.BreakFunctions();
  CHECK_FALSE(f.service->AddPermission(f.ctx, "fn", in).has_value());
  CHECK_FALSE(f.service->GetPolicy(f.ctx, "fn", "").has_value());  // still no policy
  f.Heal();

  REQUIRE(f.service->AddPermission(f.ctx, "fn", in).has_value());  // not "already exists"
  const auto policy = f.service->GetPolicy(f.ctx, "fn", "");
  REQUIRE(policy.has_value());
  f.BreakFunctions();
  CHECK_FALSE(f.service->RemovePermission(f.ctx, "fn", "sns", "").has_value());
  const auto still = f.service->GetPolicy(f.ctx, "fn", "");
  REQUIRE(still.has_value());
  CHECK(*still == *policy);  // the same document and revision
  f.Heal();

  REQUIRE(f.service->RemovePermission(f.ctx, "fn", "sns", "").has_value());
  CHECK_FALSE(f.service->GetPolicy(f.ctx, "fn", "").has_value());
  CHECK(f.Reloaded("fn").policy_json.empty());
}

TEST_CASE("Event invoke config changes whose commit failed leave the config as it was") {
  Fixture f;
  f.Create("fn");
  EventInvokeConfigInput in;
  in.max_retry_attempts = 1;
  f.BreakFunctions();
  CHECK_FALSE(f.service->PutEventInvokeConfig(f.ctx, "fn", "", in, /*merge=*/false).has_value());
  CHECK_FALSE(f.service->GetEventInvokeConfig(f.ctx, "fn", "").has_value());
  f.Heal();

  REQUIRE(f.service->PutEventInvokeConfig(f.ctx, "fn", "", in, /*merge=*/false).has_value());
  EventInvokeConfigInput update;
  update.max_retry_attempts = 0;
  f.BreakFunctions();
  CHECK_FALSE(f.service->PutEventInvokeConfig(f.ctx, "fn", "", update, /*merge=*/true).has_value());
  CHECK(f.service->GetEventInvokeConfig(f.ctx, "fn", "")->second.max_retry_attempts == 1);
  CHECK_FALSE(f.service->DeleteEventInvokeConfig(f.ctx, "fn", "").has_value());
  CHECK(f.service->GetEventInvokeConfig(f.ctx, "fn", "").has_value());
  f.Heal();

  REQUIRE(f.service->PutEventInvokeConfig(f.ctx, "fn", "", update, /*merge=*/true).has_value());
  CHECK(f.Reloaded("fn").event_invoke_config->max_retry_attempts == 0);
  REQUIRE(f.service->DeleteEventInvokeConfig(f.ctx, "fn", "").has_value());
  CHECK_FALSE(f.service->GetEventInvokeConfig(f.ctx, "fn", "").has_value());
  CHECK_FALSE(f.Reloaded("fn").event_invoke_config.has_value());
}

TEST_CASE("An Event invocation is answered 202 only once its event is committed") {
  Fixture f;  // the queue is not started: accepted events stay queued
  f.Create("fn");
  InvokeInput in;
  in.function_name = "fn";
  in.type = InvocationType::kEvent;
  in.payload = R"({"n": 1})";
  f.Break("async_events", "INSERT");
  CHECK_FALSE(f.service->Invoke(f.ctx, in).has_value());
  CHECK(f.Unfinished().empty());
  f.Heal();

  auto accepted = f.service->Invoke(f.ctx, in);
  REQUIRE(accepted.has_value());
  CHECK(accepted->status == 202);
  const auto events = f.Unfinished();
  REQUIRE(events.size() == 1);
  CHECK(events[0].request_id == accepted->request_id);
}

}  // namespace offstage::lambda
