#include "emulator/app/daemon.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/version.h"
#include "emulator/app/config_file.h"
#include "emulator/app/credentials_file.h"
#include "emulator/common/json.h"
#include "emulator/protocol/sigv4.h"
#include "emulator/sns/filter_policy.h"

namespace offstage::app {
namespace {

// Where the runtime interface clients are, and how that was decided.
struct ShimDir {
  std::string path;
  std::string source;   // "--shim-dir", "OFFSTAGE_SHIM_DIR", "beside the binary", "installed"
  bool usable = false;  // node/bootstrap.mjs and python/bootstrap.py are there
  std::vector<std::string> searched;  // when not configured: every place looked at
};

bool ShimUsable(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir / "node" / "bootstrap.mjs", ec) &&
         std::filesystem::is_regular_file(dir / "python" / "bootstrap.py", ec);
}

// runtime-shim/ ships beside the binary: build/offstage -> runtime-shim/, or an installed
// /usr/bin/offstage -> /usr/share/offstage/runtime-shim. A binary copied elsewhere finds none:
// the daemon then says so at startup (Daemon::Create), and Node and Python invokes fail with
// an error naming the problem (runtime::Environment::Start), not as Runtime.ExitError.
ShimDir FindShimDir(const std::string& configured) {
  ShimDir found;
  if (!configured.empty()) {
    found.path = configured;
    found.source = "--shim-dir";
  } else if (const char* env = std::getenv("OFFSTAGE_SHIM_DIR"); env && *env) {
    found.path = env;
    found.source = "OFFSTAGE_SHIM_DIR";
  }
  if (!found.path.empty()) {
    found.usable = ShimUsable(found.path);
    return found;
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path bin_dir = exe.parent_path();
  const std::pair<std::filesystem::path, const char*> candidates[] = {
      {bin_dir / ".." / "runtime-shim", "beside the binary"},
      {bin_dir / ".." / "share" / "offstage" / "runtime-shim", "beside the binary"},
      {std::filesystem::path("/usr/share/offstage/runtime-shim"), "installed"}};
  for (const auto& [candidate, source] : candidates) {
    const std::string normal = candidate.lexically_normal().string();
    found.searched.push_back(normal);
    if (ShimUsable(candidate)) {
      found.path = std::filesystem::weakly_canonical(candidate, ec).string();
      found.source = source;
      found.usable = true;
      return found;
    }
  }
  found.path = found.searched.front();
  found.source = "not found";
  return found;
}

// The "retention" object of /_offstage/health and POST /_offstage/prune.
nlohmann::json RetentionJson(const storage::Pruner* pruner) {
  if (!pruner) return nullptr;
  const storage::RetentionPolicy& policy = pruner->policy();
  const storage::PruneStats stats = pruner->stats();
  return {
      {"policy", storage::FormatRetention(policy)},
      {"max_age_seconds", policy.max_age_ns > 0 ? nlohmann::json(policy.max_age_ns / 1'000'000'000)
                                                : nlohmann::json(nullptr)},
      {"max_invocations", policy.max_invocations > 0 ? nlohmann::json(policy.max_invocations)
                                                     : nlohmann::json(nullptr)},
      {"max_rows_per_table",
       policy.max_rows > 0 ? nlohmann::json(policy.max_rows) : nlohmann::json(nullptr)},
      {"passes", stats.passes},
      {"last_pass_ns", stats.last_pass_ns},
      {"cutoff_ns", stats.cutoff_ns},
      {"invocations_kept", stats.invocations},
      {"deleted", stats.deleted},
  };
}

// Event source mappings' FilterCriteria through SNS's filter engine: a Lambda pattern is an
// SNS filter policy in MessageBody scope matched against the record (the same syntax; the
// engine's operators and limits are SNS's: docs/compatibility.md).
class SnsEventFilter final : public lambda::EventFilter {
 public:
  explicit SnsEventFilter(sns::FilterPolicy policy) : policy_(std::move(policy)) {}
  bool Matches(std::string_view record_json) const override {
    return policy_.MatchesBody(record_json);
  }

 private:
  sns::FilterPolicy policy_;
};

common::Result<std::shared_ptr<const lambda::EventFilter>> ParseEventFilter(
    std::string_view pattern) {
  auto policy = sns::FilterPolicy::Parse(pattern, sns::FilterScope::kMessageBody);
  if (!policy) return common::Fail(policy.error());
  return std::shared_ptr<const lambda::EventFilter>(
      std::make_shared<SnsEventFilter>(std::move(*policy)));
}

}  // namespace

Daemon::Daemon(const DaemonOptions& options)
    : options_(options), log_(common::LogLevel::kInfo, options.quiet) {}

common::Result<std::unique_ptr<Daemon>> Daemon::Create(const DaemonOptions& options) {
  std::unique_ptr<Daemon> daemon(new Daemon(options));
  daemon->started_ns_ = daemon->clock_.NowNanos();
  std::string path = ":memory:";
  if (!options.ephemeral) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      return common::Fail(common::Internal("cannot create the data directory " + options.data_dir +
                                           ": " + ec.message()));
    }
    // One daemon per data directory: two would each believe they own the state.
    auto lock = DataDirLock::Acquire(options.data_dir + "/offstage.lock");
    if (!lock) {
      return common::Fail(common::Internal("another offstage daemon is using the data directory " +
                                           options.data_dir));
    }
    daemon->lock_ = std::move(*lock);
    path = options.data_dir + "/offstage.db";
  }
  // The port first: every component below is built once, knowing the daemon's URL, and a port
  // in use fails the start before any state is opened.
  auto socket = protocol::ListenSocket::Open(options.host, options.port);
  if (!socket) return common::Fail(socket.error());
  daemon->endpoint_ = "http://" + options.host + ":" + std::to_string(socket->port());
  // Handlers reach the daemon on loopback even when it listens on every address.
  const std::string reachable = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
  const std::string base_url = "http://" + reachable + ":" + std::to_string(socket->port());
  auto db = storage::Database::Open(path, /*auto_checkpoint=*/options.ephemeral);
  if (!db) return common::Fail(db.error());
  daemon->db_ = std::move(*db);
  if (!options.ephemeral) daemon->checkpointer_ = std::make_unique<storage::Checkpointer>(path);
  Daemon* self = daemon.get();
  daemon->writer_ = std::make_unique<storage::Writer>(
      *daemon->db_, daemon->clock_, [self](const std::string& line) { self->log_.Warn(line); });
  daemon->recorder_ = std::make_unique<telemetry::Recorder>(*daemon->writer_);
  storage::RetentionPolicy retention = options.retention;
  retention.max_rows =
      options.max_telemetry_rows.value_or(options.ephemeral ? kEphemeralMaxRows : 0);
  daemon->pruner_ = std::make_unique<storage::Pruner>(*daemon->writer_, daemon->clock_, retention);
  daemon->sqs_ = std::make_unique<sqs::SqsService>(*daemon->writer_, *daemon->recorder_,
                                                   daemon->clock_, daemon->ids_, daemon->log_);
  if (auto status = daemon->sqs_->Load(); !status) return common::Fail(status.error());
  daemon->signer_ = std::make_unique<sns::Signer>(
      options.ephemeral ? std::string() : options.data_dir + "/sns-signing.pem");
  // A damaged key stops the daemon here: replacing it would change the certificate.
  if (auto status = daemon->signer_->Load(); !status) return common::Fail(status.error());
  sns::HttpDelivererOptions http_options;
  http_options.insecure_tls = options.sns_insecure_tls;
  http_options.signer = daemon->signer_.get();
  http_options.faults = &daemon->faults_;
  http_options.sqs = daemon->sqs_.get();
  auto latency = common::LatencyProfile::Load(options.latency, options.latency_seed);
  if (!latency) return common::Fail(latency.error());
  daemon->latency_ = std::move(*latency);
  if (daemon->latency_) {
    daemon->log_.Warn("offstage: latency profile " + daemon->latency_->name() + " (seed " +
                      std::to_string(options.latency_seed) +
                      "): SNS deliveries, Event invokes and cold starts are delayed on purpose; "
                      "each delay is a simulated span of its own (docs/realism.md)");
  }
  for (const common::FaultRule& rule : options.faults) {
    const common::FaultRule added = daemon->faults_.Add(rule);
    daemon->log_.Warn("offstage: fault rule " + added.id + " in place: " + added.ToJson());
  }
  daemon->http_deliverer_ = std::make_unique<sns::HttpDeliverer>(
      http_options, *daemon->writer_, *daemon->recorder_, daemon->clock_, daemon->log_);
  daemon->fanout_queue_ = std::make_unique<sns::FanoutQueue>(daemon->clock_);
  const sns::DeliveryOptions delivery{base_url,           options.sns_retry_delays_ns,
                                      &daemon->faults_,   daemon->latency_.get(),
                                      daemon->sqs_.get(), daemon->signer_.get()};
  daemon->sns_ = std::make_unique<sns::SnsService>(
      sns::SnsPeers{*daemon->fanout_queue_, *daemon->http_deliverer_, *daemon->signer_, delivery},
      *daemon->writer_, *daemon->recorder_, daemon->clock_, daemon->ids_, daemon->log_);
  if (auto status = daemon->sns_->Load(); !status) return common::Fail(status.error());

  if (options.ephemeral) {
    auto temporary = CodeRoot::Temporary();
    if (!temporary) return common::Fail(temporary.error());
    daemon->code_root_ = std::move(*temporary);
  } else {
    daemon->code_root_ = CodeRoot::Kept(options.data_dir + "/code");
  }
  daemon->log_router_ =
      std::make_unique<LogRouter>(daemon->log_, *daemon->writer_, /*echo=*/!options.quiet);
  runtime::PoolOptions pool_options;
  pool_options.max_environments = options.max_environments;
  pool_options.idle_timeout_ns = options.idle_timeout_seconds * 1'000'000'000;
  daemon->pool_ = std::make_unique<runtime::Pool>(pool_options, daemon->supervisor_, daemon->clock_,
                                                  daemon->ids_, *daemon->log_router_);
  runtime::ResolverOptions resolver_options;
  resolver_options.runtimes_dir =
      options.runtimes_dir.empty() ? runtime::DefaultRuntimesDir() : options.runtimes_dir;
  resolver_options.paths = options.runtime_paths;
  daemon->runtimes_ = std::make_unique<runtime::RuntimeResolver>(resolver_options);
  lambda::LambdaOptions lambda_options;
  lambda_options.resolver = daemon->runtimes_.get();
  lambda_options.strict_runtimes = options.strict_runtimes;
  lambda_options.code_root = daemon->code_root_->path();
  const ShimDir shim = FindShimDir(options.shim_dir);
  lambda_options.shim_dir = shim.path;
  if (shim.usable) {
    daemon->log_.Info("offstage: runtime clients: " + shim.path + " (" + shim.source + ")");
  } else {
    std::string where = shim.path + " (" + shim.source + ")";
    if (!shim.searched.empty()) {
      where.clear();
      for (const auto& dir : shim.searched) where += (where.empty() ? "" : ", ") + dir;
    }
    daemon->log_.Warn(
        "offstage: WARNING: no runtime shim directory: looked in " + where +
        " for node/bootstrap.mjs and python/bootstrap.py. Every Node.js and Python invoke will "
        "fail until offstage is started with --shim-dir DIR or OFFSTAGE_SHIM_DIR=DIR naming "
        "its runtime-shim/ directory (provided runtimes are not affected)");
  }
  lambda_options.freeze = options.freeze;
  lambda_options.async.retry_delays_ns = options.async_retry_delays_ns;
  lambda_options.async.workers = options.max_environments;
  lambda_options.endpoint_url = base_url;
  lambda_options.faults = &daemon->faults_;
  lambda_options.latency = daemon->latency_.get();
  daemon->topic_publisher_ = std::make_unique<sns::SnsTopicPublisher>(*daemon->sns_);
  daemon->lambda_event_signer_ =
      std::make_unique<sns::LambdaEventSigner>(*daemon->signer_, daemon->log_);
  daemon->lambda_ = std::make_unique<lambda::LambdaService>(
      lambda_options,
      lambda::LambdaPeers{*daemon->topic_publisher_, *daemon->lambda_event_signer_,
                          daemon->sqs_.get()},
      *daemon->writer_, *daemon->pool_, *daemon->recorder_, daemon->clock_, daemon->ids_,
      daemon->log_);
  if (auto status = daemon->lambda_->Load(); !status) return common::Fail(status.error());
  daemon->mappings_ = std::make_unique<lambda::EventSourceMappings>(
      *daemon->lambda_, *daemon->sqs_, *daemon->writer_, daemon->clock_, daemon->ids_, daemon->log_,
      ParseEventFilter);
  if (auto status = daemon->mappings_->Load(); !status) return common::Fail(status.error());
  daemon->fanout_ = std::make_unique<sns::Fanout>(
      *daemon->fanout_queue_, *daemon->lambda_, *daemon->http_deliverer_, delivery,
      *daemon->writer_, *daemon->recorder_, daemon->clock_, daemon->ids_, daemon->log_);

  protocol::ServerOptions server_options;
  server_options.threads = options.http_threads;
  server_options.default_region = options.region;
  server_options.default_account = options.account;
  server_options.cors_origins = options.cors_origins;
  server_options.allowed_hosts = options.allowed_hosts;
  if (options.verify_signatures) {
    auto keys = LoadAccessKeys(options.credentials_file, options.access_keys);
    if (!keys) return common::Fail(keys.error());
    if (keys->empty()) {
      return common::Fail(common::InvalidParameter(
          "--verify-signatures needs --credentials FILE or --access-key ID:SECRET"));
    }
    server_options.verifier = std::make_shared<const protocol::SigV4Verifier>(
        std::move(*keys),
        protocol::EnvironmentCredentials{runtime::kEnvironmentSecret,
                                         runtime::kEnvironmentSessionToken},
        daemon->clock_);
  } else if (!options.credentials_file.empty() || !options.access_keys.empty()) {
    return common::Fail(common::InvalidParameter(
        "--credentials and --access-key take effect only with --verify-signatures"));
  }
  daemon->log_queries_ = std::make_unique<telemetry::LogQueries>(*daemon->writer_);
  daemon->trace_queries_ = std::make_unique<telemetry::TraceQueries>(*daemon->writer_);
  daemon->failure_queries_ = std::make_unique<telemetry::FailureQueries>(*daemon->writer_);
  // Stacks: the deployer is a client of the public port (bound above), as CloudFormation is of
  // the services' APIs; it is built before the server whose control API calls it.
  // With --verify-signatures its requests are signed as an execution environment's are (a
  // temporary key the verifier accepts with the environments' secret and session token).
  std::optional<iac::SigningKey> deploy_key;
  if (options.verify_signatures) {
    std::string id = "ASIA" + daemon->ids_.Hex(8);
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    deploy_key =
        iac::SigningKey{id, runtime::kEnvironmentSecret, runtime::kEnvironmentSessionToken};
  }
  daemon->aws_api_ =
      std::make_unique<iac::HttpAwsApi>(reachable, socket->port(), options.region, deploy_key);
  daemon->deployer_ = std::make_unique<iac::Deployer>(
      *daemon->aws_api_, *daemon->writer_, daemon->ids_, daemon->clock_, daemon->log_,
      iac::Deployer::Options{options.region, options.account, daemon->code_root_->path()});
  if (auto status = daemon->deployer_->Load(); !status) return common::Fail(status.error());
  daemon->server_ = std::make_unique<protocol::HttpServer>(
      server_options, std::move(*socket),
      protocol::HttpServer::Backends{
          *daemon->sns_, *daemon->lambda_, *daemon->sqs_, *daemon->mappings_, *daemon->log_queries_,
          *daemon->trace_queries_, *daemon->failure_queries_, daemon->writer_->changes(),
          *daemon->pool_, daemon->faults_, [self] { return self->HealthJson(); },
          [self] { return self->signer_->CertificatePem(); },
          [self](common::RequestContext& ctx) { self->Attribute(ctx); },
          [self] { return self->PruneNow(); }, StackHooks(*daemon->deployer_)},
      daemon->clock_, daemon->ids_, daemon->log_);
  daemon->template_watcher_ =
      std::make_unique<TemplateWatcher>(*daemon->deployer_, options.templates, daemon->log_);
  return daemon;
}

// Destroying the members in reverse is the shutdown (daemon.h, docs/architecture.md); first,
// Lambda's waits that stand for time passing (an injected timeout) end, so the server's wait
// for the requests in flight does not wait for them.
Daemon::~Daemon() {
  if (lambda_) lambda_->Interrupt();
  if (sqs_) sqs_->Interrupt();       // long polls answer now
  if (mappings_) mappings_->Stop();  // each poller finishes the batch it holds
}

common::Result<std::string> Daemon::Start() {
  http_deliverer_->Start();
  if (auto status = http_deliverer_->Load(); !status) return common::Fail(status.error());
  if (auto status = lambda_->StartAsync(); !status) return common::Fail(status.error());
  mappings_->Start();
  fanout_->Start();  // the fan-outs owed since the last stop first
  if (!options_.config_file.empty()) {
    if (auto status = ApplyConfigFile(options_.config_file, options_.region, options_.account,
                                      *sns_, *lambda_, *sqs_, *mappings_, faults_, log_);
        !status) {
      return common::Fail(status.error());
    }
  }
  pruner_->Start();
  server_->Start();
  // The templates of --template: deployed through the port that now serves (the stacks' own
  // requests), before the ready line, then watched.
  if (auto status = template_watcher_->DeployAll(); !status) return common::Fail(status.error());
  template_watcher_->Start();
  return endpoint_;
}

void Daemon::Attribute(common::RequestContext& ctx) {
  // A call signed with an environment's own credentials was made by the invocation running
  // there (DESIGN 6); otherwise the X-Amzn-Trace-Id root, or a new trace.
  if (auto caller = lambda_->CallerOf(ctx.access_key_id)) {
    ctx.trace_id = caller->trace_id;
    ctx.parent_span = caller->span_id;
    return;
  }
  const std::string root = telemetry::TraceRootOf(ctx.trace_header);
  ctx.trace_id = root.empty() ? telemetry::NewTraceId(clock_, ids_) : root;
}

std::string Daemon::HealthJson() const {
  const auto counts = sns_->counts();
  const int64_t uptime_ns = clock_.NowNanos() - started_ns_;
  // Writes nobody waited for (spans, logs, delivery states) that were lost: traces and verdicts
  // may be missing what they describe, so the daemon does not call itself "ok".
  const uint64_t lost = writer_ ? writer_->failed_posts() : 0;
  nlohmann::json health = {
      {"status", lost == 0 ? "ok" : "degraded"},
      {"lost_writes", lost},
      {"version", common::kVersion},
      {"pid", static_cast<int64_t>(getpid())},
      {"endpoint", endpoint_},
      {"uptime_seconds", static_cast<double>(uptime_ns) / 1e9},
      {"data_dir",
       options_.ephemeral ? nlohmann::json(nullptr) : nlohmann::json(options_.data_dir)},
      {"region", options_.region},
      {"account", options_.account},
      {"counts",
       {{"topics", counts.topics},
        {"subscriptions", counts.subscriptions},
        {"messages", counts.messages},
        {"functions", lambda_ ? lambda_->function_count() : 0},
        {"environments", pool_ ? pool_->total() : 0}}},
      {"retention", RetentionJson(pruner_.get())},
  };
  if (lost > 0) health["first_lost_write_error"] = writer_->first_post_error();
  return health.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

common::Result<std::string> Daemon::PruneNow() {
  if (!pruner_->policy().enabled()) {
    return common::Fail(common::InvalidParameter("retention is off (--retention off)"));
  }
  auto stats = pruner_->RunOnce();
  if (!stats) return common::Fail(stats.error());
  return RetentionJson(pruner_.get()).dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

}  // namespace offstage::app
