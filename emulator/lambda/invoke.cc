// LambdaService's data plane: one invocation. Invoke checks the request (qualifier, payload
// limits, JSON) and answers DryRun, hands Event invocations to the asynchronous queue
// (async_invoke.cc), and runs RequestResponse ones synchronously; Execute runs the function
// once on an environment leased from runtime::Pool (for Invoke and for each asynchronous
// attempt) and records its span. Hot reload's look at a function and the environment spec live
// here too. Thread model: any HTTP worker thread (and the asynchronous queue's workers for
// Execute); the function store's and hot reload's mutexes are taken only briefly, never while a
// directory is walked, an environment starts or a handler runs.
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/lambda/validation.h"
#include "emulator/storage/async_store.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;
using nlohmann::json;

constexpr size_t kMaxSyncPayload = 6 * 1024 * 1024;  // 6 MB (§4.4)
constexpr size_t kMaxAsyncPayload = 1024 * 1024;     // 1 MB since late 2025 (§4.4)

std::string ErrorBody(const std::string& type, const std::string& message) {
  return json{{"errorMessage", message}, {"errorType", type}}.dump(-1, ' ', false,
                                                                   common::kReplaceInvalidUtf8);
}

telemetry::SpanStatus OutcomeStatus(runtime::OutcomeKind kind) {
  using telemetry::SpanStatus;
  switch (kind) {
    case runtime::OutcomeKind::kSuccess:
      return SpanStatus::kSuccess;
    case runtime::OutcomeKind::kFunctionError:
      return SpanStatus::kError;
    case runtime::OutcomeKind::kTimeout:
      return SpanStatus::kTimeout;
    case runtime::OutcomeKind::kExited:
      return SpanStatus::kCrash;
    case runtime::OutcomeKind::kPlatformError:
      return SpanStatus::kAborted;
  }
  return SpanStatus::kError;
}

}  // namespace

runtime::EnvironmentSpec LambdaService::SpecFor(const Function& f) const {
  runtime::EnvironmentSpec spec;
  spec.function_name = f.name;
  spec.function_arn = f.VersionArn();  // each version has its own environments
  spec.version = f.version;
  spec.runtime = f.runtime;
  spec.handler = f.handler;
  spec.code_dir = f.code.dir;
  spec.memory_mb = f.memory;
  spec.timeout_seconds = f.timeout;
  spec.variables = f.variables;
  spec.region = f.region;
  spec.shim_dir = options_.shim_dir;
  spec.freeze = options_.freeze;
  spec.generation = f.generation;
  const runtime::Resolution resolved = ResolveRuntime(f.runtime);
  spec.interpreter = resolved.path;
  spec.runtime_warning = resolved.Warning();
  spec.endpoint_url = options_.endpoint_url;
  spec.opt_dir = f.opt_dir;
  return spec;
}

Result<Function> LambdaService::FindForInvoke(const std::string& arn) {
  auto function = functions_.Find(arn);
  if (!function) return function;
  auto walk = hot_reload_.Due(*function);  // a local code directory to fingerprint
  if (!walk) return function;
  // The directory walk runs with no lock held: every other request would wait behind it.
  std::string current = CodeStore::Fingerprint(walk->dir);
  if (!hot_reload_.Apply(arn, *walk, std::move(current))) return functions_.Find(arn);
  function = functions_.BumpGeneration(arn);  // warm environments are recycled at their next lease
  if (function) {
    log_.Info("offstage: code of " + function->name + " changed; recycling its environments");
  }
  return function;
}

Result<InvokeOutput> LambdaService::Invoke(const RequestContext& ctx, const InvokeInput& in) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, in.function_name, in.qualifier, qualifier);
  if (!arn) return Fail(arn.error());
  auto found = FindForInvoke(*arn);
  if (!found) return FunctionNotFoundError(*arn, qualifier);
  // The version the qualifier names; an alias that routes to two versions picks one here.
  auto version = VersionOf(*found, qualifier, /*choose=*/true);
  if (!version) return Fail(version.error());
  const Function function = std::move(*version);

  if (in.type == InvocationType::kEvent && in.payload.size() > kMaxAsyncPayload) {
    return Fail(ErrorCode::kLambdaRequestTooLarge,
                std::to_string(in.payload.size()) +
                    " byte payload is too large for the Event invocation type (limit " +
                    std::to_string(kMaxAsyncPayload) + " bytes)");
  }
  if (in.payload.size() > kMaxSyncPayload) {
    return Fail(ErrorCode::kLambdaRequestTooLarge, "Request must be smaller than " +
                                                       std::to_string(kMaxSyncPayload) +
                                                       " bytes for the InvokeFunction operation");
  }
  if (!in.payload.empty()) {
    // Jackson's limit on AWS's side; and nothing downstream recurses 20,000 deep (issue #15).
    if (!common::JsonDepthWithin(in.payload)) {
      return Fail(ErrorCode::kLambdaInvalidRequestContent,
                  "Could not parse request body into json: Could not parse payload into json: " +
                      common::JsonTooDeepDetail());
    }
    // Checked without building the document (SAX); parsed only to word a refusal.
    if (!json::accept(in.payload)) {
      std::string detail = "invalid JSON";
      try {
        const json parsed = json::parse(in.payload);
        (void)parsed;
      } catch (const json::exception& e) {  // parse_error; out_of_range for 1e400
        detail = e.what();
      }
      return Fail(
          ErrorCode::kLambdaInvalidRequestContent,
          "Could not parse request body into json: Could not parse payload into json: " + detail);
    }
  }
  const std::string invoked_arn = qualifier.empty() ? *arn : *arn + ":" + qualifier;
  if (in.type == InvocationType::kDryRun) {
    InvokeOutput out;
    out.status = 204;
    return out;
  }
  if (in.type == InvocationType::kEvent) {
    auto event = Stage(ctx, *arn, in.payload.empty() ? "{}" : in.payload, "invoke", ctx.request_id);
    if (!event) return Fail(event.error());
    event->invoked_arn = invoked_arn;
    // A latency profile's queueing (serve --latency): the first attempt starts that much later,
    // recorded as a simulated span under the event.
    if (options_.latency != nullptr) {
      if (auto delay = options_.latency->Sample(common::LatencyHop::kAsyncInvoke)) {
        event->next_attempt_ns += *delay;
        recorder_.Record(telemetry::SimulatedSpan(
            event->request_id + "~latency", event->trace_id, event->request_id,
            common::LatencyHopName(common::LatencyHop::kAsyncInvoke), clock_.NowNanos(), *delay));
      }
    }
    // Durable before the 202: committed (group commit) and then scheduled.
    if (auto status = queue_.Enqueue(*event); !status) return Fail(status.error());
    InvokeOutput out;
    out.status = 202;
    out.request_id = event->request_id;
    return out;
  }
  return RunSync(ctx, function, in, invoked_arn);
}

std::string LambdaService::TraceOf(const RequestContext& ctx) {
  if (!ctx.trace_id.empty()) return ctx.trace_id;
  return telemetry::NewTraceId(clock_, ids_);
}

std::optional<LambdaService::Caller> LambdaService::CallerOf(
    const std::string& access_key_id) const {
  if (access_key_id.empty()) return std::nullopt;
  common::MutexLock lock(callers_mu_);
  auto it = callers_.find(access_key_id);
  if (it == callers_.end()) return std::nullopt;
  return it->second;
}

LambdaService::Run LambdaService::Execute(const Function& function, const std::string& request_id,
                                          const std::string& payload,
                                          const std::string& invoked_arn, const SpanInfo& span,
                                          const std::optional<std::string>& client_context,
                                          runtime::ResponseSink* sink) {
  Run run;
  const int64_t invoked_ns = clock_.NowNanos();
  telemetry::Span record;
  record.id = span.id;
  record.kind = telemetry::SpanKindName(telemetry::SpanKind::kInvocation);
  record.trace_id = span.trace_id;
  if (!span.parent.empty()) record.parent_id = span.parent;
  record.name = function.name;
  record.start_ns = invoked_ns;
  record.status = telemetry::SpanStatusName(telemetry::SpanStatus::kRunning);
  json attrs = {{"request_id", request_id}, {"function_arn", function.arn}};
  if (function.version != "$LATEST") attrs["version"] = function.version;
  if (span.attempt > 0) {
    attrs["attempt"] = span.attempt;
    attrs["queued_ns"] = span.queued_ns;
  }
  // The caller of a synchronous invoke waited from its request on (docs/tracing.md).
  if (span.received_ns > 0) attrs["received_ns"] = span.received_ns;
  record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  recorder_.Record(record);

  // A fault injected into this invocation (offstage faults) replaces its run.
  if (options_.faults != nullptr && !options_.faults->empty()) {
    if (auto injection = options_.faults->Draw(
            common::FaultTarget::kFunction, {function.name, function.arn, invoked_arn},
            {common::FaultKind::kError, common::FaultKind::kTimeout, common::FaultKind::kCrash,
             common::FaultKind::kThrottle})) {
      return Injected(function, request_id, *injection, record, attrs);
    }
  }
  // Queued attempts (span.attempt > 0) may wait for a warm environment (Pool::Acquire).
  auto env = pool_.Acquire(SpecFor(function), function.reserved_concurrency.value_or(-1),
                           /*prefer_warm=*/span.attempt > 0);
  if (!env) {
    run.not_started = env.error().reason;
    run.start_error = env.error().message;
    record.end_ns = clock_.NowNanos();
    record.status = telemetry::SpanStatusName(run.not_started == runtime::AcquireError::kStartFailed
                                                  ? telemetry::SpanStatus::kError
                                                  : telemetry::SpanStatus::kThrottled);
    attrs["error"] = run.start_error;
    record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    recorder_.Record(record);
    return run;
  }
  {
    common::MutexLock lock(callers_mu_);
    callers_[(*env)->access_key_id()] = Caller{span.id, span.trace_id};
  }
  // A latency profile's cold start (serve --latency): a new environment's first event waits
  // that much more, as a simulated span before the invocation's, never inside it.
  if (options_.latency != nullptr && (*env)->snapshot().invocations == 0) {
    const common::LatencyHop hop =
        common::StartsWith(function.runtime, "nodejs")   ? common::LatencyHop::kColdStartNode
        : common::StartsWith(function.runtime, "python") ? common::LatencyHop::kColdStartPython
                                                         : common::LatencyHop::kColdStartOther;
    if (auto delay = options_.latency->Sample(hop)) {
      const int64_t from = clock_.NowNanos();
      {
        common::MutexLock lock(stop_mu_);
        stop_cv_.wait_for(lock.native(), std::chrono::nanoseconds(*delay),
                          [this]() REQUIRES(stop_mu_) { return stopping_; });
      }
      recorder_.Record(telemetry::SimulatedSpan(span.id + "~latency", span.trace_id, span.id,
                                                common::LatencyHopName(hop), from,
                                                clock_.NowNanos() - from));
    }
  }
  runtime::InvocationRequest request;
  request.request_id = request_id;
  request.payload = payload.empty() ? "{}" : payload;
  request.invoked_function_arn = invoked_arn;
  request.trace_id = "Root=" + span.trace_id + ";Parent=" + ids_.Hex(8) + ";Sampled=0";
  request.client_context = client_context;
  request.timeout_ns = static_cast<int64_t>(function.timeout) * 1'000'000'000;
  request.sink = sink;
  run.outcome = (*env)->Invoke(request);
  if (run.outcome.never_taken) {
    // The warm runtime exited between invocations (after its last answer): this event never
    // reached it, so it runs in another environment, as Lambda starts a new one.
    {
      common::MutexLock lock(callers_mu_);
      callers_.erase((*env)->access_key_id());
    }
    pool_.Release(*env, /*reusable=*/false, 0, 0);
    env = pool_.Acquire(SpecFor(function), function.reserved_concurrency.value_or(-1),
                        /*prefer_warm=*/false);
    if (!env) {
      run.not_started = env.error().reason;
      run.start_error = env.error().message;
      record.end_ns = clock_.NowNanos();
      record.status =
          telemetry::SpanStatusName(run.not_started == runtime::AcquireError::kStartFailed
                                        ? telemetry::SpanStatus::kError
                                        : telemetry::SpanStatus::kThrottled);
      attrs["error"] = run.start_error;
      record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
      recorder_.Record(record);
      return run;
    }
    {
      common::MutexLock lock(callers_mu_);
      callers_[(*env)->access_key_id()] = Caller{span.id, span.trace_id};
    }
    run.outcome = (*env)->Invoke(request);
  }
  if (!run.outcome.reusable) {
    common::MutexLock lock(callers_mu_);
    callers_.erase((*env)->access_key_id());
  }
  pool_.Release(*env, run.outcome.reusable, static_cast<int64_t>(run.outcome.duration_ms * 1e6),
                run.outcome.init_duration_ns);
  queue_.Wake(function.arn);  // a slot of this function is free again

  const runtime::InvocationOutcome& o = run.outcome;
  // The span is the handler's run: from the event handed to the runtime to its answer.
  record.start_ns = o.handed_over_ns != 0 ? o.handed_over_ns : invoked_ns;
  record.end_ns = o.finished_ns != 0 ? o.finished_ns : clock_.NowNanos();
  record.status = telemetry::SpanStatusName(OutcomeStatus(o.kind));
  attrs["invoked_ns"] = invoked_ns;
  attrs["cold"] = o.cold_start;
  if (o.init_duration_ns > 0) attrs["init_ns"] = o.init_duration_ns;
  attrs["duration_ms"] = o.duration_ms;
  attrs["max_memory_mb"] = o.max_memory_mb;
  if (!o.error_type.empty()) attrs["error_type"] = o.error_type;
  if (o.kind != runtime::OutcomeKind::kSuccess) {
    auto error = json::parse(o.payload, nullptr, false);
    if (error.is_object() && error.contains("errorMessage") && error["errorMessage"].is_string()) {
      std::string message = error["errorMessage"].get<std::string>();
      message = common::ShortenUtf8(message, 512);
      attrs["error_message"] = message;
    }
  }
  if (!o.pending_work.empty()) attrs["pending_work"] = o.pending_work;
  if (o.streamed) {  // a streamed answer: when its first bytes came, and how many came
    attrs["streamed_bytes"] = o.streamed_bytes;
    if (o.first_byte_ns != 0) attrs["first_byte_ns"] = o.first_byte_ns;
  }
  if (o.cpu_wait_ns >= 0) attrs["cpu_wait_ns"] = o.cpu_wait_ns;
  if (o.cpu_starved) attrs["cpu_starved"] = true;
  if (o.handler_end_ns != 0) {  // the runtime's own measurement of the handler, if it sent one
    attrs["handler_start_ns"] = o.handler_start_ns;
    attrs["handler_end_ns"] = o.handler_end_ns;
  }
  record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  recorder_.Record(record);
  return run;
}

LambdaService::Run LambdaService::Injected(const Function& function, const std::string& request_id,
                                           const common::Injection& injection,
                                           telemetry::Span& record, json& attrs) {
  Run run;
  const std::string what = injection.Describe();
  attrs["injected"] = what;
  // Said in the function's own log, as its runs are, and in the daemon's.
  auto say = [&](const std::string& text) {
    pool_.logs().Write(runtime::LogLine{function.name, request_id, runtime::LogStream::kPlatform,
                                        clock_.NowNanos(), "offstage: INJECTED " + text});
  };
  log_.Warn("offstage: " + function.name + " " + request_id + ": " + what);
  if (injection.kind == common::FaultKind::kThrottle) {
    say(what + ": the invocation was throttled; the handler did not run");
    run.not_started = runtime::AcquireError::kThrottledReserved;
    run.start_error = "Rate Exceeded. (" + what + ")";
    record.end_ns = clock_.NowNanos();
    record.status = telemetry::SpanStatusName(telemetry::SpanStatus::kThrottled);
    attrs["error"] = run.start_error;
    record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    recorder_.Record(record);
    return run;
  }
  runtime::InvocationOutcome& o = run.outcome;
  o.handed_over_ns = clock_.NowNanos();
  switch (injection.kind) {
    case common::FaultKind::kTimeout: {
      // A timeout takes the function's timeout, as a real one does (interrupted by a stop).
      say(what + ": the handler did not run; the invocation times out after " +
          std::to_string(function.timeout) + " s");
      bool stopped = false;
      {
        common::MutexLock lock(stop_mu_);
        stopped = stop_cv_.wait_for(lock.native(), std::chrono::seconds(function.timeout),
                                    [this]() REQUIRES(stop_mu_) { return stopping_; });
      }
      if (stopped) {
        // The daemon stops: not the function's timeout. A queued event stays queued.
        run.not_started = runtime::AcquireError::kStopping;
        run.start_error = "the daemon is stopping";
        record.end_ns = clock_.NowNanos();
        record.status = telemetry::SpanStatusName(telemetry::SpanStatus::kAborted);
        record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
        recorder_.Record(record);
        return run;
      }
      o.kind = runtime::OutcomeKind::kTimeout;
      o.error_type = "Sandbox.Timedout";
      o.payload = ErrorBody("Sandbox.Timedout",
                            "RequestId: " + request_id + " Error: Task timed out after " +
                                std::to_string(function.timeout) + ".00 seconds (" + what + ")");
      break;
    }
    case common::FaultKind::kCrash:
      say(what + ": the handler did not run; the runtime 'exited'");
      o.kind = runtime::OutcomeKind::kExited;
      o.error_type = "Runtime.ExitError";
      o.payload = ErrorBody("Runtime.ExitError", "RequestId: " + request_id +
                                                     " Error: Runtime exited with error: exit "
                                                     "status 1 (" +
                                                     what + ")");
      break;
    default:
      say(what + ": the handler did not run; the invocation failed");
      o.kind = runtime::OutcomeKind::kFunctionError;
      o.error_type = "Offstage.InjectedError";
      o.payload = ErrorBody("Offstage.InjectedError", what);
      break;
  }
  o.finished_ns = clock_.NowNanos();
  o.duration_ms = static_cast<double>(o.finished_ns - o.handed_over_ns) / 1e6;
  o.log = "offstage: INJECTED " + what + "\n";
  record.start_ns = o.handed_over_ns;
  record.end_ns = o.finished_ns;
  record.status = telemetry::SpanStatusName(OutcomeStatus(o.kind));
  attrs["error_type"] = o.error_type;
  attrs["error_message"] = what;
  attrs["duration_ms"] = o.duration_ms;
  record.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  recorder_.Record(record);
  return run;
}

Result<InvokeOutput> LambdaService::RunSync(const RequestContext& ctx, const Function& function,
                                            const InvokeInput& in, const std::string& invoked_arn) {
  auto throttled = [](const std::string& reason, const std::string& message = "Rate Exceeded.") {
    common::ApiError error{ErrorCode::kLambdaTooManyRequests, message};
    error.reason = reason;
    return Fail(std::move(error));
  };
  if (function.reserved_concurrency == 0) {
    return throttled("ReservedFunctionConcurrentInvocationLimitExceeded");
  }
  InvokeOutput out;
  out.executed_version = function.version;
  out.request_id = ctx.request_id.empty() ? ids_.Uuid() : ctx.request_id;
  SpanInfo span{out.request_id, TraceOf(ctx), ctx.parent_span, 0, 0, ctx.received_ns};
  // Kept so the invocation can be replayed (offstage replay invocation).
  // Under the ARN invoked: a replay runs the version or alias the original named.
  writer_.Post([id = out.request_id, arn = invoked_arn, payload = in.payload,
                ts = clock_.NowNanos()](storage::Database& db) {
    return storage::InsertPayload(db, id, arn, payload, ts);
  });
  if (in.sink != nullptr) in.sink->Running(function.version);
  Run run =
      Execute(function, out.request_id, in.payload, invoked_arn, span, in.client_context, in.sink);
  if (run.not_started) {
    switch (*run.not_started) {
      case runtime::AcquireError::kThrottledReserved:
        // An injected throttle says so (offstage faults); a real one is AWS's text.
        return throttled("ReservedFunctionConcurrentInvocationLimitExceeded",
                         run.start_error.find("injected") != std::string::npos
                             ? run.start_error
                             : std::string("Rate Exceeded."));
      case runtime::AcquireError::kThrottledAccount:
        return throttled("ConcurrentInvocationLimitExceeded");
      case runtime::AcquireError::kStopping:
        return Fail(ErrorCode::kLambdaService, "The daemon is shutting down.");
      case runtime::AcquireError::kStartFailed:
        // What Lambda reports when the runtime cannot be started (e.g. no bootstrap).
        out.function_error = "Unhandled";
        out.payload = ErrorBody("Runtime.InvalidEntrypoint",
                                "RequestId: " + out.request_id + " Error: " + run.start_error);
        return out;
    }
  }
  runtime::InvocationOutcome& outcome = run.outcome;
  if (outcome.kind == runtime::OutcomeKind::kPlatformError) {
    return Fail(ErrorCode::kLambdaService,
                "The execution environment stopped before the "
                "invocation finished (the daemon is shutting down).");
  }
  out.payload = std::move(outcome.payload);
  out.streamed = outcome.streamed;
  if (outcome.kind != runtime::OutcomeKind::kSuccess) out.function_error = "Unhandled";
  if (in.tail_log) {
    const size_t keep = 4096;
    out.log_tail =
        outcome.log.size() > keep ? outcome.log.substr(outcome.log.size() - keep) : outcome.log;
  }
  return out;
}

}  // namespace offstage::lambda
