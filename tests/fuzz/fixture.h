// Fuzz fixture: the SNS and Lambda services over an in-memory database, built once per fuzz
// process (as app::Daemon builds them, minus the HTTP server, delivery and async queue). Owned by
// the fuzz targets in tests/fuzz; single-threaded use from LLVMFuzzerTestOneInput only.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "emulator/app/log_router.h"
#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/request_context.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/runtime/pool.h"
#include "emulator/sns/sns_service.h"
#include "emulator/storage/database.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::fuzz {

struct Services {
  Services() {
    char pattern[] = "/tmp/offstage-fuzz-XXXXXX";
    if (!mkdtemp(pattern)) std::abort();
    root = pattern;
    auto opened = storage::Database::Open(":memory:", /*auto_checkpoint=*/true);
    if (!opened) std::abort();
    db = std::move(*opened);
    writer = std::make_unique<storage::Writer>(*db, clock);
    recorder = std::make_unique<telemetry::Recorder>(*writer);
    sns = std::make_unique<sns::SnsService>(*writer, *recorder, clock, ids, log);
    if (!sns->Load()) std::abort();
    router = std::make_unique<app::LogRouter>(log, *writer, /*echo=*/false);
    pool = std::make_unique<runtime::Pool>(runtime::PoolOptions{}, clock, ids, *router);
    lambda::LambdaOptions options;
    options.code_root = root + "/code";
    options.shim_dir = root + "/no-shim";  // nothing is ever spawned: invocations are skipped
    lambda = std::make_unique<lambda::LambdaService>(options, *writer, *pool, *recorder, clock, ids,
                                                     log);
    if (!lambda->Load()) std::abort();
    ctx.region = "us-east-1";
    ctx.account = "000000000000";
    ctx.request_id = "fuzz";
  }
  ~Services() {
    lambda.reset();
    pool.reset();
    sns.reset();
    router.reset();
    recorder.reset();
    writer.reset();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }

  std::string root;
  common::SystemClock clock;
  common::RandomIds ids{clock};
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::Writer> writer;
  std::unique_ptr<telemetry::Recorder> recorder;
  std::unique_ptr<sns::SnsService> sns;
  std::unique_ptr<app::LogRouter> router;
  std::unique_ptr<runtime::Pool> pool;
  std::unique_ptr<lambda::LambdaService> lambda;
  common::RequestContext ctx;
};

// One per process; destroyed at exit (removes its temporary directory).
inline Services& TheServices() {
  static Services services;
  return services;
}

}  // namespace offstage::fuzz
