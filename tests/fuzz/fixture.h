// Fuzz fixture: the SNS, SQS and Lambda services (event source mappings not started) over an
// in-memory database, built once per fuzz process as app::Daemon builds them, minus the HTTP
// server, the HTTP deliveries (the deliverer is never started: nothing is sent) and the
// asynchronous queue. The fan-out runs, into an intake that refuses every function, so each
// message's deliveries are planned and recorded (failed) and nothing piles up in memory. Owned by
// the fuzz targets in tests/fuzz; called from LLVMFuzzerTestOneInput only (the Writer and the
// fan-out have their own threads).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "emulator/app/log_router.h"
#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/request_context.h"
#include "emulator/lambda/event_source_mappings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/runtime/pool.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/lambda_event_signer.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sns/topic_publisher.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/storage/database.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::fuzz {

// Lambda as the fan-out sees it here: no function exists.
class NoFunctions final : public lambda::AsyncIntake {
 public:
  common::Result<lambda::AsyncEvent> Stage(const common::RequestContext&,
                                           const std::string& function_arn, std::string,
                                           std::string, std::string) override {
    return common::Fail(
        common::InvalidParameter("no function in the fuzz fixture: " + function_arn));
  }
  common::Status Write(storage::Database&, const std::vector<lambda::AsyncEvent>&) override {
    return {};
  }
  void Activate(const lambda::AsyncEvent&) override {}
};

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
    sns::HttpDelivererOptions http_options;
    http_options.signer = &signer;
    http = std::make_unique<sns::HttpDeliverer>(http_options, *writer, *recorder, clock, log);
    fanouts = std::make_unique<sns::FanoutQueue>(clock);
    sns = std::make_unique<sns::SnsService>(sns::SnsPeers{*fanouts, *http, signer, delivery},
                                            *writer, *recorder, clock, ids, log);
    if (!sns->Load()) std::abort();
    fanout = std::make_unique<sns::Fanout>(*fanouts, no_functions, *http, delivery, *writer,
                                           *recorder, clock, ids, log);
    fanout->Start();
    topics = std::make_unique<sns::SnsTopicPublisher>(*sns);
    lambda_signer = std::make_unique<sns::LambdaEventSigner>(signer, log);
    router = std::make_unique<app::LogRouter>(log, *writer, /*echo=*/false);
    pool = std::make_unique<runtime::Pool>(runtime::PoolOptions{}, supervisor, clock, ids, *router);
    lambda::LambdaOptions options;
    options.code_root = root + "/code";
    options.shim_dir = root + "/no-shim";  // nothing is ever spawned: invocations are skipped
    lambda = std::make_unique<lambda::LambdaService>(options,
                                                     lambda::LambdaPeers{*topics, *lambda_signer},
                                                     *writer, *pool, *recorder, clock, ids, log);
    if (!lambda->Load()) std::abort();
    queues = std::make_unique<sqs::SqsService>(*writer, *recorder, clock, ids, log);
    if (!queues->Load()) std::abort();
    mappings =
        std::make_unique<lambda::EventSourceMappings>(*lambda, *queues, *writer, clock, ids, log);
    if (!mappings->Load()) std::abort();  // not started: no poller runs
    ctx.region = "us-east-1";
    ctx.account = "000000000000";
    ctx.request_id = "fuzz";
  }
  ~Services() {
    mappings.reset();
    lambda.reset();
    pool.reset();
    fanout.reset();
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
  sns::Signer signer{""};  // an in-memory key
  sns::DeliveryOptions delivery{"http://127.0.0.1:1", std::nullopt};
  NoFunctions no_functions;
  std::unique_ptr<sns::HttpDeliverer> http;
  std::unique_ptr<sns::FanoutQueue> fanouts;
  std::unique_ptr<sns::SnsService> sns;
  std::unique_ptr<sns::Fanout> fanout;
  std::unique_ptr<sns::SnsTopicPublisher> topics;
  std::unique_ptr<sns::LambdaEventSigner> lambda_signer;
  std::unique_ptr<app::LogRouter> router;
  runtime::PosixSupervisor supervisor;  // never asked: invocations are skipped
  std::unique_ptr<runtime::Pool> pool;
  std::unique_ptr<lambda::LambdaService> lambda;
  std::unique_ptr<sqs::SqsService> queues;
  std::unique_ptr<lambda::EventSourceMappings> mappings;
  common::RequestContext ctx;
};

// One per process; destroyed at exit (removes its temporary directory).
inline Services& TheServices() {
  static Services services;
  return services;
}

}  // namespace offstage::fuzz
