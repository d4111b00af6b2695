// Daemon: the composition root. Builds every component in dependency order (log, clock, ids,
// database, writer, services, HTTP server) and owns them; destruction in reverse is the
// shutdown order (stop accepting -> drain the writer -> close the database). See
// docs/architecture.md. Thread model: Create/Start/Shutdown are called from the main thread;
// the HTTP server runs on one thread owned here plus its worker pool.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/app/log_router.h"
#include "emulator/app/scoped_paths.h"
#include "emulator/app/stack_control.h"
#include "emulator/common/clock.h"
#include "emulator/common/faults.h"
#include "emulator/common/ids.h"
#include "emulator/common/latency.h"
#include "emulator/common/log.h"
#include "emulator/common/result.h"
#include "emulator/iac/aws_api.h"
#include "emulator/iac/deployer.h"
#include "emulator/lambda/event_source_mappings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/http_server.h"
#include "emulator/runtime/pool.h"
#include "emulator/runtime/runtimes.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/lambda_event_signer.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sns/topic_publisher.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/storage/checkpointer.h"
#include "emulator/storage/database.h"
#include "emulator/storage/pruner.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/failure_queries.h"
#include "emulator/telemetry/log_queries.h"
#include "emulator/telemetry/recorder.h"
#include "emulator/telemetry/trace_queries.h"

namespace offstage::app {

struct DaemonOptions {
  std::string host = "127.0.0.1";
  int port = 4566;
  std::string data_dir = "./.offstage";
  bool ephemeral = false;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  int http_threads = 64;
  std::vector<std::string> cors_origins;   // browser origins allowed besides loopback ones
  std::vector<std::string> allowed_hosts;  // Host names allowed besides loopback ones
  bool quiet = false;
  bool freeze = true;
  int64_t idle_timeout_seconds = 600;
  int max_environments = 64;
  std::string shim_dir;      // empty: found next to the executable
  std::string runtimes_dir;  // the Node builds cache; empty: runtime::DefaultRuntimesDir()
  std::map<std::string, std::string> runtime_paths;  // --runtime-path RUNTIME=PATH
  bool strict_runtimes = false;  // refuse deprecated runtimes after AWS's block dates
  std::string config_file;       // --config: functions, topics, subscriptions to create at start
  std::vector<int64_t> async_retry_delays_ns = {60'000'000'000, 120'000'000'000};
  std::optional<std::vector<int64_t>> sns_retry_delays_ns;  // overrides delivery policies
  bool sns_insecure_tls = false;
  // --verify-signatures: SNS and Lambda requests must be SigV4-signed with one of these keys
  // (--credentials FILE, --access-key ID:SECRET) or an execution environment's own.
  bool verify_signatures = false;
  std::string credentials_file;
  std::vector<std::string> access_keys;
  // --retention: telemetry older than a day, or beyond a million invocations, is pruned.
  storage::RetentionPolicy retention{86'400'000'000'000, 1'000'000};
  // --max-telemetry-rows: rows kept per telemetry table (0: no cap); unset, kEphemeralMaxRows
  // with --ephemeral (its database is in memory) and no cap on disk.
  std::optional<int64_t> max_telemetry_rows;
  // --fault RULE: fault injection rules in place from the start (docs/faults.md).
  std::vector<common::FaultRule> faults;
  // --latency none|aws|FILE and --latency-seed: simulated AWS latency (docs/realism.md).
  std::string latency = "none";
  uint64_t latency_seed = 0;
  // --template FILE (repeatable) with --parameter K=V: stacks deployed at start, and again when
  // their template changes (docs/iac.md).
  std::vector<TemplateSpec> templates;
};

inline constexpr int64_t kEphemeralMaxRows = 50'000;

class Daemon {
 public:
  static common::Result<std::unique_ptr<Daemon>> Create(const DaemonOptions& options);
  ~Daemon();

  // Starts the workers (deliveries, the asynchronous queue, the fan-out, retention), applies
  // --config, and serves on a background thread (the port was bound by Create); returns the
  // endpoint URL.
  common::Result<std::string> Start();

  std::string HealthJson() const;
  // One retention pass now (POST /_offstage/prune): the retention JSON of HealthJson after it.
  common::Result<std::string> PruneNow();
  // Fills a request's trace and causal parent (the protocol layer's caller resolver).
  void Attribute(common::RequestContext& ctx);
  common::Logger& log() { return log_; }

 private:
  explicit Daemon(const DaemonOptions& options);

  // Members in dependency order: each is built after what it uses, so destroying the Daemon
  // in reverse is the shutdown (docs/architecture.md, Shutdown order): the server stops first
  // (long polls answered, in-flight requests finished), then the fan-out, then Lambda (no new
  // asynchronous attempt, running invocations ended, its workers joined), the pool, the code
  // directory, SNS and the deliverer, the pruner, and last the writer (everything queued
  // commits), the checkpointer, the database and the data directory's lock.
  const DaemonOptions options_;
  common::Logger log_;
  common::SystemClock clock_;
  common::RandomIds ids_{clock_};
  runtime::PosixSupervisor supervisor_;  // spawns the functions' processes
  common::FaultInjector faults_;         // offstage faults: read by Lambda, SNS and the control API
  std::unique_ptr<common::LatencyProfile> latency_;  // serve --latency; null: none
  int64_t started_ns_ = 0;
  std::string endpoint_;
  std::unique_ptr<DataDirLock> lock_;  // none with --ephemeral
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::Checkpointer> checkpointer_;
  std::unique_ptr<storage::Writer> writer_;
  std::unique_ptr<telemetry::Recorder> recorder_;
  std::unique_ptr<storage::Pruner> pruner_;
  std::unique_ptr<sqs::SqsService> sqs_;
  std::unique_ptr<sns::Signer> signer_;
  std::unique_ptr<sns::HttpDeliverer> http_deliverer_;
  std::unique_ptr<sns::FanoutQueue> fanout_queue_;
  std::unique_ptr<sns::SnsService> sns_;
  std::unique_ptr<LogRouter> log_router_;
  std::unique_ptr<CodeRoot> code_root_;
  std::unique_ptr<runtime::Pool> pool_;
  std::unique_ptr<runtime::RuntimeResolver> runtimes_;
  std::unique_ptr<sns::SnsTopicPublisher> topic_publisher_;
  std::unique_ptr<sns::LambdaEventSigner> lambda_event_signer_;
  std::unique_ptr<lambda::LambdaService> lambda_;
  std::unique_ptr<lambda::EventSourceMappings> mappings_;  // SQS pollers: stopped before Lambda
  std::unique_ptr<sns::Fanout> fanout_;
  std::unique_ptr<telemetry::LogQueries> log_queries_;
  std::unique_ptr<telemetry::TraceQueries> trace_queries_;
  std::unique_ptr<telemetry::FailureQueries> failure_queries_;
  std::unique_ptr<iac::HttpAwsApi> aws_api_;  // the deployer's client of the public port
  std::unique_ptr<iac::Deployer> deployer_;
  std::unique_ptr<protocol::HttpServer> server_;
  std::unique_ptr<TemplateWatcher> template_watcher_;  // serve --template; stops before the server
};

}  // namespace offstage::app
