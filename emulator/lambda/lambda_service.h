// LambdaService: the Lambda control plane (functions, code, configuration, concurrency,
// permissions, tags) and invocation. The function table is a FunctionStore (in memory, written
// through to SQLite); invocations lease an execution environment from runtime::Pool.
// Owned by app::Daemon. Thread model: any HTTP worker thread. Every function change goes through
// FunctionStore::Update, which commits first and changes memory after, one change at a time
// (docs/architecture.md, Durability); the code extraction of a change, and its side effects on
// the pool and the code store, run inside it, in order. Invocations read the store and never
// wait for a change; hot reload's fingerprints are a HotReload's, under a leaf mutex.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/arn.h"
#include "emulator/common/clock.h"
#include "emulator/common/faults.h"
#include "emulator/common/ids.h"
#include "emulator/common/latency.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/lambda/async_intake.h"
#include "emulator/lambda/async_queue.h"
#include "emulator/lambda/code_store.h"
#include "emulator/lambda/event_finalizer.h"
#include "emulator/lambda/function.h"
#include "emulator/lambda/function_store.h"
#include "emulator/lambda/hot_reload.h"
#include "emulator/lambda/layer.h"
#include "emulator/lambda/layer_store.h"
#include "emulator/lambda/topic_publisher.h"
#include "emulator/lambda/validation.h"
#include "emulator/runtime/pool.h"
#include "emulator/runtime/runtimes.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::lambda {

enum class InvocationType { kRequestResponse, kEvent, kDryRun };

// Where a streamed answer goes (InvokeWithResponseStream, RESPONSE_STREAM function URLs): told
// which version runs before the invocation starts (on the invoking thread), then the runtime's
// chunks as they arrive (runtime::ResponseSink, on the Runtime API's thread).
class InvokeSink : public runtime::ResponseSink {
 public:
  virtual void Running(const std::string& executed_version) = 0;
};

struct InvokeInput {
  std::string function_name;  // as given in the path
  std::string qualifier;      // ?Qualifier=
  InvocationType type = InvocationType::kRequestResponse;
  bool tail_log = false;
  std::optional<std::string> client_context;  // decoded JSON
  std::string payload;
  // A synchronous invocation whose answer is streamed (InvokeWithResponseStream, RESPONSE_STREAM
  // URLs): a streaming function's bytes go here as they come; a buffered function's answer
  // stays in InvokeOutput::payload. Owned by the caller.
  InvokeSink* sink = nullptr;
};

struct InvokeOutput {
  int status = 200;  // 200, 202 or 204
  std::string payload;
  std::optional<std::string> function_error;  // "Unhandled"
  std::optional<std::string> log_tail;        // last 4 KB of the log, not yet base64
  std::string executed_version = "$LATEST";
  std::string request_id;
  // The function streamed its answer (to InvokeInput::sink when there was one; else it was
  // buffered into `payload`).
  bool streamed = false;
};

struct LambdaOptions {
  std::string code_root;  // where zips are extracted
  std::string shim_dir;   // runtime-shim/
  bool freeze = true;
  AsyncOptions async;
  // What runs each declared runtime (owned by the daemon; null: node and python3 from PATH).
  const runtime::RuntimeResolver* resolver = nullptr;
  // --strict-runtimes: refuse deprecated runtimes after AWS's block dates, as AWS does.
  bool strict_runtimes = false;
  // The daemon's own URL, given to environments as AWS_ENDPOINT_URL (its listener is bound
  // before any service is built).
  std::string endpoint_url;
  // Fault injection rules (offstage faults; owned by the daemon; null: none).
  common::FaultInjector* faults = nullptr;
  // serve --latency: the simulated queueing of Event invokes and cold starts (owned by the
  // daemon; null: none).
  common::LatencyProfile* latency = nullptr;
};

// What Lambda reaches in other services, through interfaces lambda/ owns (DESIGN decision 10;
// app/ builds them before the LambdaService and keeps them alive after it).
struct LambdaPeers {
  // Where OnSuccess/OnFailure destinations and dead-letter topics publish.
  TopicPublisher& topics;
  // What completes the payloads other services queue (SNS signs its deliveries).
  EventFinalizer& finalizer;
  // Where SQS destinations and dead-letter queues send (null: recorded as not delivered).
  sqs::SqsService* queues = nullptr;
};

// Input of CreateAlias (every member but the version optional) and UpdateAlias (absent members
// are left unchanged; weights {} clears the routing).
struct AliasInput {
  std::optional<std::string> function_version;
  std::optional<std::string> description;
  std::optional<std::map<std::string, double>> weights;  // RoutingConfig.AdditionalVersionWeights
  std::optional<std::string> revision_id;
};

// A function as a request named it: the version its qualifier resolves to (an alias with a
// routing configuration is resolved by one weighted choice when invoking, to its primary
// version otherwise), and the ARN the request named (qualified when it had a qualifier).
struct Resolved {
  Function function;
  std::string arn;
};

// Input of Create/UpdateFunctionUrlConfig: absent members are left unchanged by Update.
struct UrlConfigInput {
  std::optional<std::string> auth_type;
  std::optional<UrlCors> cors;
  std::optional<std::string> invoke_mode;
};

// A function URL as the control API shows it: its configuration, the ARN it invokes and the URL
// the daemon serves it at.
struct UrlView {
  UrlConfig config;
  std::string function_arn;  // qualified when the URL is an alias's
  std::string function_url;  // http://<url_id>.lambda-url.<region>.localhost:<port>/
};

// Input of Put/UpdateFunctionEventInvokeConfig: absent members are left unset (Put) or
// unchanged (Update); a destination of "" clears it.
struct EventInvokeConfigInput {
  std::optional<int> max_retry_attempts;
  std::optional<int> max_event_age_seconds;
  std::optional<std::string> on_success;
  std::optional<std::string> on_failure;
};

// The filters and page of ListLayers and ListLayerVersions.
struct LayerFilter {
  std::string runtime;       // CompatibleRuntime ("" for any)
  std::string architecture;  // CompatibleArchitecture ("" for any)
  std::string marker;
  std::optional<int> max_items;
};

class LambdaService final : public AsyncIntake, private AsyncHandler {
 public:
  LambdaService(LambdaOptions options, LambdaPeers peers, storage::Writer& writer,
                runtime::Pool& pool, telemetry::Recorder& recorder, const common::Clock& clock,
                common::IdGenerator& ids, common::Logger& log);
  // Its shutdown: no asynchronous attempt starts, the running invocations end at once (the
  // pool stops every environment: an attempt cut short stays queued in the database), and the
  // queue's threads join.
  ~LambdaService() override;

  Status Load();
  // The daemon begins to stop: waits that stand for time passing (an injected timeout) end
  // now, before the HTTP server waits for the requests in flight.
  void Interrupt() EXCLUDES(stop_mu_);
  // Starts the asynchronous queue and resumes the invocations left unfinished (call once the
  // endpoint is known: handlers get it as AWS_ENDPOINT_URL).
  Status StartAsync();

  Result<Function> CreateFunction(const RequestContext& ctx, CreateFunctionInput in);
  Result<Function> GetFunction(const RequestContext& ctx, const std::string& name,
                               const std::string& qualifier);
  struct FunctionPage {
    std::vector<Function> functions;
    std::optional<std::string> next_marker;
  };
  Result<FunctionPage> ListFunctions(const RequestContext& ctx,
                                     const std::optional<std::string>& marker,
                                     std::optional<int> max_items);
  Result<Function> UpdateFunctionCode(const RequestContext& ctx, const std::string& name,
                                      CodeInput code, std::optional<std::string> revision_id,
                                      bool dry_run);
  Result<Function> UpdateFunctionConfiguration(const RequestContext& ctx, const std::string& name,
                                               ConfigInput config);
  Status DeleteFunction(const RequestContext& ctx, const std::string& name,
                        const std::string& qualifier);
  // GetFunction's answer with the ARN the request named (versions.cc).
  Result<Resolved> GetFunctionAt(const RequestContext& ctx, const std::string& name,
                                 const std::string& qualifier);

  // Function URLs (function_urls.cc).
  Result<UrlView> CreateFunctionUrlConfig(const RequestContext& ctx, const std::string& name,
                                          const std::string& qualifier, const UrlConfigInput& in);
  Result<UrlView> GetFunctionUrlConfig(const RequestContext& ctx, const std::string& name,
                                       const std::string& qualifier);
  Result<UrlView> UpdateFunctionUrlConfig(const RequestContext& ctx, const std::string& name,
                                          const std::string& qualifier, const UrlConfigInput& in);
  Status DeleteFunctionUrlConfig(const RequestContext& ctx, const std::string& name,
                                 const std::string& qualifier);
  Result<std::vector<UrlView>> ListFunctionUrlConfigs(const RequestContext& ctx,
                                                      const std::string& name);
  // The URL whose id is `url_id` (the first label of its host name), if any.
  std::optional<UrlView> FindUrl(const std::string& url_id) const;

  // Versions and aliases (versions.cc).
  Result<Function> PublishVersion(const RequestContext& ctx, const std::string& name,
                                  const std::optional<std::string>& code_sha256,
                                  const std::optional<std::string>& description,
                                  const std::optional<std::string>& revision_id);
  struct VersionPage {
    std::vector<Function> versions;  // $LATEST first
    std::optional<std::string> next_marker;
  };
  Result<VersionPage> ListVersionsByFunction(const RequestContext& ctx, const std::string& name,
                                             const std::optional<std::string>& marker,
                                             std::optional<int> max_items);
  // The alias and its ARN.
  Result<std::pair<Alias, std::string>> CreateAlias(const RequestContext& ctx,
                                                    const std::string& name,
                                                    const std::string& alias, const AliasInput& in);
  Result<std::pair<Alias, std::string>> GetAlias(const RequestContext& ctx, const std::string& name,
                                                 const std::string& alias);
  Result<std::pair<Alias, std::string>> UpdateAlias(const RequestContext& ctx,
                                                    const std::string& name,
                                                    const std::string& alias, const AliasInput& in);
  Status DeleteAlias(const RequestContext& ctx, const std::string& name, const std::string& alias);
  struct AliasPage {
    std::vector<std::pair<Alias, std::string>> aliases;
    std::optional<std::string> next_marker;
  };
  Result<AliasPage> ListAliases(const RequestContext& ctx, const std::string& name,
                                const std::optional<std::string>& function_version,
                                const std::optional<std::string>& marker,
                                std::optional<int> max_items);

  // Layers (layers.cc). `name` is a layer's name or ARN; `version` its number as the path has it.
  Result<LayerVersionView> PublishLayerVersion(const RequestContext& ctx, const std::string& name,
                                               const LayerInput& in);
  Result<LayerVersionView> GetLayerVersion(const RequestContext& ctx, const std::string& name,
                                           const std::string& version);
  Result<LayerVersionView> GetLayerVersionByArn(const RequestContext& ctx,
                                                const std::string& version_arn);
  struct LayerVersionPage {
    std::vector<LayerVersionView> versions;  // newest first
    std::optional<std::string> next_marker;
  };
  Result<LayerVersionPage> ListLayerVersions(const RequestContext& ctx, const std::string& name,
                                             const LayerFilter& filter);
  struct LayerPage {
    // Each layer (without its versions) with its newest version that matches the filter.
    std::vector<std::pair<Layer, LayerVersionView>> layers;
    std::optional<std::string> next_marker;
  };
  Result<LayerPage> ListLayers(const RequestContext& ctx, const LayerFilter& filter);
  Status DeleteLayerVersion(const RequestContext& ctx, const std::string& name,
                            const std::string& version);
  // The statement (JSON) and the policy's new revision id.
  Result<std::pair<std::string, std::string>> AddLayerVersionPermission(
      const RequestContext& ctx, const std::string& name, const std::string& version,
      const LayerPermissionInput& in);
  Status RemoveLayerVersionPermission(const RequestContext& ctx, const std::string& name,
                                      const std::string& version, const std::string& statement_id,
                                      const std::optional<std::string>& revision_id);
  // The policy document and its revision id.
  Result<std::pair<std::string, std::string>> GetLayerVersionPolicy(const RequestContext& ctx,
                                                                    const std::string& name,
                                                                    const std::string& version);

  Result<int> PutFunctionConcurrency(const RequestContext& ctx, const std::string& name,
                                     int reserved);
  Result<std::optional<int>> GetFunctionConcurrency(const RequestContext& ctx,
                                                    const std::string& name);
  Status DeleteFunctionConcurrency(const RequestContext& ctx, const std::string& name);

  Result<std::string> AddPermission(const RequestContext& ctx, const std::string& name,
                                    const PermissionInput& in);
  // `qualifier`: the Qualifier parameter (a version's or an alias's own policy; "" the
  // function's).
  Status RemovePermission(const RequestContext& ctx, const std::string& name,
                          const std::string& statement_id, const std::string& qualifier);
  // The policy document and its revision id.
  Result<std::pair<std::string, std::string>> GetPolicy(const RequestContext& ctx,
                                                        const std::string& name,
                                                        const std::string& qualifier);

  Status TagResource(const RequestContext& ctx, const std::string& arn,
                     const std::map<std::string, std::string>& tags);
  Status UntagResource(const RequestContext& ctx, const std::string& arn,
                       const std::vector<std::string>& keys);
  Result<std::map<std::string, std::string>> ListTags(const RequestContext& ctx,
                                                      const std::string& arn);
  AccountSettings GetAccountSettings(const RequestContext& ctx) const;
  // What runs `runtime` here, and whether it is the declared version (runtime/runtimes.h).
  runtime::Resolution ResolveRuntime(const std::string& runtime) const;

  Result<InvokeOutput> Invoke(const RequestContext& ctx, const InvokeInput& in);

  // offstage replay: invokes a recorded invocation's payload again, on its function or
  // another, synchronously or as an Event. Recorded under a "replay" span naming the original.
  Result<InvokeOutput> ReplayInvocation(const RequestContext& ctx, const std::string& request_id,
                                        const std::optional<std::string>& function, bool async,
                                        bool dry_run);
  // offstage replay failed: re-queues every asynchronous event of `function` that ended failed
  // or expired since `since_ns` and was never redriven; each original is marked, so a second
  // redrive does not send it again. Returns (original, new) request ids.
  Result<std::vector<std::pair<std::string, std::string>>> Redrive(const RequestContext& ctx,
                                                                   const std::string& function,
                                                                   int64_t since_ns, bool dry_run);

  Result<std::pair<std::string, EventInvokeConfig>> PutEventInvokeConfig(
      const RequestContext& ctx, const std::string& name, const std::string& qualifier,
      const EventInvokeConfigInput& in, bool merge);
  Result<std::pair<std::string, EventInvokeConfig>> GetEventInvokeConfig(
      const RequestContext& ctx, const std::string& name, const std::string& qualifier);
  Status DeleteEventInvokeConfig(const RequestContext& ctx, const std::string& name,
                                 const std::string& qualifier);
  // Every event invoke config of the function: $LATEST's, then its versions' and aliases'.
  Result<std::vector<std::pair<std::string, EventInvokeConfig>>> ListEventInvokeConfigs(
      const RequestContext& ctx, const std::string& name);

  // AsyncIntake: SNS's deliveries. Stage also makes the events of Invoke, replays and
  // destinations, which LambdaService stores and activates itself.
  Result<AsyncEvent> Stage(const RequestContext& ctx, const std::string& function_arn,
                           std::string payload, std::string source, std::string source_id) override;
  Status Write(storage::Database& db, const std::vector<AsyncEvent>& events) override;
  void Activate(const AsyncEvent& event) override { queue_.Activate(event); }

  size_t function_count() const;

  // The invocation an API request was made from, found by the access key id of the
  // environment that signed it (each environment has its own): the link from a handler's
  // calls to the invocation that made them.
  struct Caller {
    std::string span_id;
    std::string trace_id;
  };
  std::optional<Caller> CallerOf(const std::string& access_key_id) const;

 private:
  Result<std::string> ResolveArn(const RequestContext& ctx, const std::string& name,
                                 std::string_view member, std::string* qualifier,
                                 NameShape shape = NameShape::kNamespaced) const;
  // The same, with the Qualifier parameter beside the name: `qualifier` is the one they name
  // together; a name whose own qualifier differs is AWS's InvalidParameterValueException.
  Result<std::string> ResolveArn(const RequestContext& ctx, const std::string& name,
                                 const std::string& qualifier_param, std::string& qualifier) const;
  Result<Function> Find(const std::string& arn) const { return functions_.Find(arn); }
  Result<StoredCode> StoreCode(const std::string& function_name, const CodeInput& code);
  // The layer ARN a LayerName parameter names (a name or a layer ARN).
  Result<std::string> LayerArnOf(const RequestContext& ctx, const std::string& name) const;
  static LayerVersionView ViewOf(const Layer& layer, const LayerVersion& version);
  // Sets `f`'s layers to the versions `arns` names (AWS's checks: at most 5, distinct layers,
  // each existing and in the function's region, within the size limit with its code) and its
  // /opt directory to their merge.
  Status ResolveLayers(Function& f, const std::vector<std::string>& arns) const;
  // A Qualifier parameter's shape (botocore's pattern), as AWS's ValidationException.
  static Status ValidateQualifier(const std::string& qualifier);
  // `qualifier` names an existing version or alias of `f` ($LATEST), or AWS's
  // ResourceNotFoundException ("Function not found: …", "Cannot find alias arn: …").
  static Status CheckQualifier(const Function& f, const std::string& qualifier);
  // The event invoke config that applies to an invocation of `invoked_arn` (the invoked
  // version's or alias's own; $LATEST's when unqualified), or null.
  static const EventInvokeConfig* InvokeConfigFor(const Function& latest,
                                                  const std::string& invoked_arn);
  // Whether a function (any version) or a layer version uses the layer content in `dir`.
  bool LayerDirInUse(const std::string& dir) const;
  // AWS's limit on a function's code and its layers, unzipped, together.
  static Status CombinedSize(const std::vector<LayerRef>& layers, int64_t code_unzipped);
  // A change of an existing function (FunctionStore::Update): `change` edits a copy (an error:
  // nothing changes), which is committed and only then replaces the function in memory; when
  // the change bumped the generation, the old environments are retired. Returns the function as
  // it is now.
  Result<Function> UpdateFunction(const std::string& arn,
                                  const std::function<Status(Function&)>& change);
  // After a committed change that bumped the generation: the old environments are recycled.
  void RetireReplaced(const FunctionStore::Change& change);
  // The concurrency reserved by the functions other than `arn`.
  int ReservedByOthers(const std::string& arn) const;
  Status ApplyConfig(Function& function, const ConfigInput& config, bool creating) const;
  // AWS's deprecation of `function`'s runtime: a WARNING in the daemon's log naming AWS's block
  // dates, or (--strict-runtimes, after the block date of this operation) AWS's refusal.
  Status CheckLifecycle(const Function& function, bool creating) const;
  runtime::EnvironmentSpec SpecFor(const Function& function) const;
  // One run of the function on a leased environment.
  struct Run {
    std::optional<runtime::AcquireError> not_started;  // throttled, or could not start
    std::string start_error;
    runtime::InvocationOutcome outcome;
  };
  // The span an invocation is recorded as: a sync Invoke is its own span (id = request id);
  // each attempt of an asynchronous event is a child of the event's span.
  struct SpanInfo {
    std::string id;
    std::string trace_id;
    std::string parent;
    int attempt = 0;          // asynchronous attempts: 1, 2, 3
    int64_t queued_ns = 0;    // asynchronous: when the event was accepted
    int64_t received_ns = 0;  // synchronous: when the caller's request arrived
  };
  Run Execute(const Function& function, const std::string& request_id, const std::string& payload,
              const std::string& invoked_arn, const SpanInfo& span,
              const std::optional<std::string>& client_context,
              runtime::ResponseSink* sink = nullptr);
  // The run an injected fault makes of an invocation (the handler does not run): recorded as
  // its span, marked `injected`, and said in the function's log.
  Run Injected(const Function& function, const std::string& request_id,
               const common::Injection& injection, telemetry::Span& record, nlohmann::json& attrs);
  Result<InvokeOutput> RunSync(const RequestContext& ctx, const Function& function,
                               const InvokeInput& in, const std::string& invoked_arn);
  std::string TraceOf(const RequestContext& ctx);
  Result<std::string> CheckDestination(const std::string& arn) const;
  // The version of `latest` that `qualifier` names ("" and "$LATEST": latest itself; a number;
  // an alias: its version, or with `choose` one weighted choice of its routing), as the
  // ResourceNotFound error AWS gives when there is none.
  Result<Function> VersionOf(const Function& latest, const std::string& qualifier,
                             bool choose) const;
  // The qualifier of a qualified ARN ("" when unqualified), and the ARN without it.
  static std::string QualifierOf(const std::string& arn);
  static std::string UnqualifiedOf(const std::string& arn);
  // Deletes the published version `number` (DeleteFunction with a version qualifier).
  Status DeleteVersion(const std::string& arn, const std::string& number);
  UrlView ViewOf(const Function& f, const UrlConfig& url) const;
  // The function and the qualifier a URL action names (`qualifier`: the Qualifier parameter).
  Result<std::pair<std::string, std::string>> UrlTargetOf(const RequestContext& ctx,
                                                          const std::string& name,
                                                          const std::string& qualifier) const;
  // Whether a version other than `except` of `f`, or $LATEST, runs the code in `dir`.
  static bool CodeInUse(const Function& f, const std::string& dir, const Function* except);
  // AsyncHandler:
  std::optional<AsyncPolicy> PolicyFor(const AsyncEvent& event) override;
  void Prepare(AsyncEvent& event) override;
  // A recorded event's payload as it was delivered (replays send it again).
  std::string DeliveredPayload(const AsyncEvent& event);
  Attempt RunAttempt(const AsyncEvent& event) override;
  std::string Finish(const AsyncEvent& event, Condition condition, const Attempt& last) override;
  // The context of a call the event makes to `target` (a destination, a dead-letter target):
  // its trace, and the event as its cause.
  RequestContext CausedBy(const AsyncEvent& event, const common::Arn& target) const;
  // Sends `body` (with `attributes`) to the SQS queue `arn` as the event's consequence: the
  // message id, or the error.
  Result<std::string> SendToQueue(const std::string& arn, const std::string& body,
                                  const sqs::MessageAttributes& attributes,
                                  const AsyncEvent& event);
  std::string Deliver(const std::string& destination, const std::string& record,
                      const AsyncEvent& event);
  // The function at `arn` for an invocation, after hot reload's look at its local code
  // directory (if due; the walk runs with no lock held): a new generation if its files changed.
  Result<Function> FindForInvoke(const std::string& arn);

  const LambdaOptions options_;
  storage::Writer& writer_;
  runtime::Pool& pool_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  CodeStore code_store_;
  CodeStore layer_code_;  // <code root>/.layers/<layer>/<digest>
  FunctionStore functions_;
  LayerStore layers_;
  HotReload hot_reload_;
  // Which invocation an environment's credentials belong to: read by every signed request
  // (Attribute), so under a leaf mutex of its own, not the service's.
  mutable common::Mutex callers_mu_;
  std::map<std::string, Caller> callers_ GUARDED_BY(callers_mu_);  // by access key id

  TopicPublisher& publisher_;
  sqs::SqsService* const queues_;
  EventFinalizer& finalizer_;
  // An injected timeout waits here; the destructor ends the waits.
  common::Mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ GUARDED_BY(stop_mu_) = false;
  AsyncQueue queue_;
};

}  // namespace offstage::lambda
