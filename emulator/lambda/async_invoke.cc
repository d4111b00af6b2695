// LambdaService's asynchronous side: accepting Event invocations into the durable queue,
// running their attempts, destinations (OnSuccess / OnFailure) and dead-letter topics, and the
// FunctionEventInvokeConfig API. §6 of ../shared/reference/aws-wire-protocol.md. Thread model:
// events are accepted and configured on HTTP worker threads; attempts, destinations and
// dead-letter topics run on the AsyncQueue's worker threads (the AsyncHandler side).
#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/lambda/validation.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;
using ojson = nlohmann::ordered_json;

constexpr int64_t kSecond = 1'000'000'000;

// Payloads are embedded as JSON when they parse as JSON, else as strings (§6).
ojson Embed(const std::string& payload) {
  auto parsed = common::ParseJson<ojson>(payload);
  if (parsed.is_discarded()) return payload;
  return parsed;
}

const char* ConditionName(Condition condition) {
  switch (condition) {
    case Condition::kSuccess:
      return "Success";
    case Condition::kRetriesExhausted:
      return "RetriesExhausted";
    case Condition::kEventAgeExceeded:
      return "EventAgeExceeded";
  }
  return "Success";
}

}  // namespace

std::string InvocationRecord(const std::string& request_id, const std::string& function_arn,
                             Condition condition, int attempts, const std::string& payload,
                             const std::string& response, const std::string& timestamp,
                             const std::string& executed_version) {
  ojson record = {{"version", "1.0"},
                  {"timestamp", timestamp},
                  {"requestContext",
                   {{"requestId", request_id},
                    {"functionArn", function_arn},
                    {"condition", ConditionName(condition)},
                    {"approximateInvokeCount", attempts}}},
                  {"requestPayload", Embed(payload)}};
  if (attempts > 0) {
    ojson context = {{"statusCode", 200}, {"executedVersion", executed_version}};
    if (condition != Condition::kSuccess) context["functionError"] = "Unhandled";
    record["responseContext"] = context;
    record["responsePayload"] = Embed(response);
  }
  return record.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

Status LambdaService::Write(storage::Database& db, const std::vector<AsyncEvent>& events) {
  for (const auto& event : events) {
    if (auto status = storage::InsertAsyncEvent(db, event); !status) return status;
  }
  return {};
}

Result<AsyncEvent> LambdaService::Stage(const RequestContext& ctx, const std::string& function_arn,
                                        std::string payload, std::string source,
                                        std::string source_id) {
  // A qualified ARN (an SNS subscription or a destination naming a version or an alias) is
  // resolved again at each attempt; it must name one now.
  const std::string qualifier = QualifierOf(function_arn);
  const std::string unqualified = UnqualifiedOf(function_arn);
  auto latest = Find(unqualified);
  if (!latest) return FunctionNotFoundError(function_arn);
  if (auto version = VersionOf(*latest, qualifier, /*choose=*/false); !version) {
    return Fail(version.error());
  }
  AsyncEvent event;
  event.request_id = ids_.Uuid();
  event.function_arn = unqualified;
  event.invoked_arn = function_arn;
  event.payload = std::move(payload);
  event.trace_id = TraceOf(ctx);
  event.parent_span = ctx.parent_span;
  event.source = std::move(source);
  event.source_id = std::move(source_id);
  event.state = storage::AsyncEventState::kQueued;
  event.enqueued_ns = event.next_attempt_ns = clock_.NowNanos();
  return event;
}

const EventInvokeConfig* LambdaService::InvokeConfigFor(const Function& latest,
                                                        const std::string& invoked_arn) {
  const std::string qualifier = QualifierOf(invoked_arn);
  if (qualifier.empty() || qualifier == "$LATEST") {
    return latest.event_invoke_config ? &*latest.event_invoke_config : nullptr;
  }
  // The invoked version's or alias's own (AWS applies no other: a config put on the function
  // does not cover an invocation of its alias).
  auto it = latest.qualified_invoke_configs.find(qualifier);
  return it == latest.qualified_invoke_configs.end() ? nullptr : &it->second;
}

std::optional<AsyncPolicy> LambdaService::PolicyFor(const AsyncEvent& event) {
  auto function = Find(event.function_arn);
  if (!function) return std::nullopt;
  AsyncPolicy policy;
  if (const EventInvokeConfig* config = InvokeConfigFor(*function, event.invoked_arn)) {
    if (config->max_retry_attempts) policy.max_retry_attempts = *config->max_retry_attempts;
    if (config->max_event_age_seconds) {
      policy.max_event_age_ns = *config->max_event_age_seconds * kSecond;
    }
  }
  return policy;
}

void LambdaService::Prepare(AsyncEvent& event) { event.payload = DeliveredPayload(event); }

std::string LambdaService::DeliveredPayload(const AsyncEvent& event) {
  return finalizer_.Finalize(event.source, event.payload);
}

Attempt LambdaService::RunAttempt(const AsyncEvent& event) {
  Attempt attempt;
  auto latest = Find(event.function_arn);
  // The version its ARN names now (an alias that routes to two versions picks one).
  auto function = latest ? VersionOf(*latest, QualifierOf(event.invoked_arn), /*choose=*/true)
                         : Result<Function>(Fail(latest.error()));
  if (!function) {
    attempt.result = AttemptResult::kRejected;
    attempt.outcome = "error";
    attempt.error_type = "ResourceNotFoundException";
    return attempt;
  }
  if (function->reserved_concurrency == 0) {
    // Reserved concurrency 0: AWS sends such events straight to the DLQ / OnFailure (§6).
    attempt.result = AttemptResult::kRejected;
    attempt.outcome = "throttled";
    attempt.error_type = "TooManyRequestsException";
    return attempt;
  }
  SpanInfo span{event.request_id + "#" + std::to_string(event.attempts + 1), event.trace_id,
                event.request_id, event.attempts + 1, event.enqueued_ns};
  attempt.executed_version = function->version;
  Run run =
      Execute(*function, event.request_id, event.payload, event.invoked_arn, span, std::nullopt);
  if (run.not_started) {
    if (*run.not_started == runtime::AcquireError::kStopping) {
      attempt.result = AttemptResult::kAborted;
      attempt.outcome = "aborted";
    } else if (*run.not_started == runtime::AcquireError::kStartFailed) {
      attempt.result = AttemptResult::kFunctionError;
      attempt.outcome = "error";
      attempt.error_type = "Runtime.InvalidEntrypoint";
      attempt.payload = nlohmann::json{{"errorMessage", "RequestId: " + event.request_id +
                                                            " Error: " + run.start_error},
                                       {"errorType", "Runtime.InvalidEntrypoint"}}
                            .dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    } else {
      attempt.result = AttemptResult::kThrottled;
      attempt.outcome = "throttled";
    }
    return attempt;
  }
  const runtime::InvocationOutcome& outcome = run.outcome;
  attempt.started_ns = outcome.handed_over_ns;
  attempt.payload = outcome.payload;
  attempt.error_type = outcome.error_type;
  switch (outcome.kind) {
    case runtime::OutcomeKind::kSuccess:
      attempt.result = AttemptResult::kSuccess;
      attempt.outcome = "success";
      break;
    case runtime::OutcomeKind::kFunctionError:
      attempt.result = AttemptResult::kFunctionError;
      attempt.outcome = "error";
      break;
    case runtime::OutcomeKind::kTimeout:
      attempt.result = AttemptResult::kFunctionError;
      attempt.outcome = "timeout";
      break;
    case runtime::OutcomeKind::kExited:
      attempt.result = AttemptResult::kFunctionError;
      attempt.outcome = "crash";
      break;
    case runtime::OutcomeKind::kPlatformError:
      attempt.result = AttemptResult::kAborted;
      attempt.outcome = "aborted";
      break;
  }
  return attempt;
}

RequestContext LambdaService::CausedBy(const AsyncEvent& event, const common::Arn& target) const {
  RequestContext ctx;
  ctx.request_id = event.request_id;
  ctx.region = target.region;
  ctx.account = target.account;
  ctx.trace_id = event.trace_id;
  ctx.parent_span = event.request_id;  // caused by the event
  ctx.received_ns = clock_.NowNanos();
  return ctx;
}

Result<std::string> LambdaService::SendToQueue(const std::string& arn, const std::string& body,
                                               const sqs::MessageAttributes& attributes,
                                               const AsyncEvent& event) {
  auto parsed = common::ParseArn(arn);
  if (!parsed) return Fail(common::InvalidParameter(arn + " is not an ARN"));
  sqs::SendEntry entry;  // no group id: a FIFO queue refuses it, as AWS takes none here
  entry.body = body;
  entry.attributes = attributes;
  auto sent = queues_->SendMessage(CausedBy(event, *parsed), arn, std::move(entry));
  if (!sent) return Fail(sent.error());
  return sent->id;
}

std::string LambdaService::Deliver(const std::string& destination, const std::string& record,
                                   const AsyncEvent& event) {
  auto arn = common::ParseArn(destination);
  if (!arn) return "not delivered to " + destination + ": not an ARN";
  const RequestContext ctx = CausedBy(event, *arn);
  if (arn->service == "sns") {
    auto published = publisher_.PublishToTopic(ctx, destination, record, {});
    if (!published) {
      log_.Warn("offstage: could not deliver the result of " + event.request_id + " to " +
                destination + ": " + published.error().message);
      return "not delivered to " + destination + ": " + published.error().message;
    }
    return "delivered to " + destination + " as message " + *published;
  }
  if (arn->service == "lambda") {
    const std::string function_arn =
        common::FunctionArn(arn->region, arn->account, arn->resource.substr(9));
    auto next = Stage(ctx, function_arn, record, "destination", event.request_id);
    if (!next) {
      log_.Warn("offstage: could not deliver the result of " + event.request_id + " to " +
                destination + ": " + next.error().message);
      return "not delivered to " + destination + ": " + next.error().message;
    }
    if (auto status = queue_.Enqueue(*next); !status) {
      return "not delivered to " + destination + ": " + status.error().message;
    }
    return "delivered to " + destination + " as invocation " + next->request_id;
  }
  if (arn->service == "sqs" && queues_ != nullptr) {
    auto sent = SendToQueue(destination, record, {}, event);
    if (!sent) {
      log_.Warn("offstage: could not deliver the result of " + event.request_id + " to " +
                destination + ": " + sent.error().message);
      return "not delivered to " + destination + ": " + sent.error().message;
    }
    return "delivered to " + destination + " as message " + *sent;
  }
  log_.Warn("offstage: the destination " + destination + " of " + event.function_arn +
            " is not emulated (" + arn->service + "); the record of " + event.request_id +
            " is kept in the trace only");
  return "not delivered to " + destination + ": " + arn->service + " destinations are not emulated";
}

std::string LambdaService::Finish(const AsyncEvent& event, Condition condition,
                                  const Attempt& last) {
  auto function = Find(event.function_arn);
  if (!function) return "dropped: the function no longer exists";
  std::string disposition = condition == Condition::kSuccess ? "succeeded"
                            : condition == Condition::kRetriesExhausted
                                ? "failed after " + std::to_string(event.attempts) + " attempt(s)"
                                : "expired after " + std::to_string(event.attempts) + " attempt(s)";

  const EventInvokeConfig* config = InvokeConfigFor(*function, event.invoked_arn);
  const std::optional<std::string> destination = !config ? std::nullopt
                                                 : condition == Condition::kSuccess
                                                     ? config->on_success
                                                     : config->on_failure;
  if (destination) {
    // Built only when it goes somewhere: it was 3% of the daemon's CPU per event otherwise.
    const std::string record = InvocationRecord(
        event.request_id,
        QualifierOf(event.invoked_arn).empty() ? event.invoked_arn + ":$LATEST" : event.invoked_arn,
        condition, event.attempts, event.payload, last.payload,
        common::IsoMillis(clock_.NowNanos()), last.executed_version);
    disposition += "; " + Deliver(*destination, record, event);
  }

  if (condition != Condition::kSuccess && function->dead_letter_target) {
    // Dead-letter queue: the original event, with RequestID, ErrorCode, ErrorMessage (§6).
    const std::string& target = *function->dead_letter_target;
    auto arn = common::ParseArn(target);
    std::string message = last.error_type;
    auto error = common::ParseJson(last.payload);
    if (error.is_object() && error.contains("errorMessage") && error["errorMessage"].is_string()) {
      message = error["errorMessage"].get<std::string>();
    }
    if (message.size() > 1024) message.resize(1024);
    if (arn && arn->service == "sns") {
      const RequestContext ctx = CausedBy(event, *arn);
      std::map<std::string, std::pair<std::string, std::string>> attributes = {
          {"RequestID", {"String", event.request_id}}, {"ErrorCode", {"Number", "200"}}};
      if (!message.empty()) attributes["ErrorMessage"] = {"String", message};
      auto published = publisher_.PublishToTopic(ctx, target, event.payload, attributes);
      disposition += published
                         ? "; sent to the DLQ " + target + " as message " + *published
                         : "; not sent to the DLQ " + target + ": " + published.error().message;
    } else if (arn && arn->service == "sqs" && queues_ != nullptr) {
      // AWS's SQS dead-letter message: the event, with the same three attributes.
      sqs::MessageAttributes attributes = {
          {"RequestID", sqs::MessageAttribute{"String", event.request_id, false}},
          {"ErrorCode", sqs::MessageAttribute{"Number", "200", false}}};
      if (!message.empty()) {
        attributes["ErrorMessage"] = sqs::MessageAttribute{"String", message, false};
      }
      auto sent = SendToQueue(target, event.payload, attributes, event);
      disposition += sent ? "; sent to the DLQ " + target + " as message " + *sent
                          : "; not sent to the DLQ " + target + ": " + sent.error().message;
    } else {
      log_.Warn("offstage: the dead-letter queue " + target + " of " + function->name +
                " is not emulated; the failed event " + event.request_id +
                " is kept in the trace only");
      disposition += "; not sent to the DLQ " + target + ": its service is not emulated here";
    }
  }
  return disposition;
}

Result<std::string> LambdaService::CheckDestination(const std::string& destination) const {
  auto arn = common::ParseArn(destination);
  const bool known =
      arn && (arn->service == "sns" || arn->service == "sqs" || arn->service == "lambda" ||
              arn->service == "events" || arn->service == "s3");
  if (!known || (arn->service == "lambda" && !arn->resource.starts_with("function:"))) {
    return InvalidParameterValueError("The destination ARN " + destination + " is invalid.");
  }
  return destination;
}

Result<std::pair<std::string, EventInvokeConfig>> LambdaService::PutEventInvokeConfig(
    const RequestContext& ctx, const std::string& name, const std::string& qualifier_param,
    const EventInvokeConfigInput& in, bool merge) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, qualifier_param, qualifier);
  if (!arn) return Fail(arn.error());
  if (auto status = ValidateQualifier(qualifier); !status) return Fail(status.error());
  if (qualifier == "$LATEST") qualifier.clear();
  // Both ranges are the request's constraints: AWS answers every violation in one
  // ValidationException, before it looks for the function.
  std::vector<std::string> violations;
  if (in.max_retry_attempts && (*in.max_retry_attempts < 0 || *in.max_retry_attempts > 2)) {
    violations.push_back(Violation(std::to_string(*in.max_retry_attempts), "maximumRetryAttempts",
                                   *in.max_retry_attempts < 0
                                       ? "Member must have value greater than or equal to 0"
                                       : "Member must have value less than or equal to 2"));
  }
  if (in.max_event_age_seconds &&
      (*in.max_event_age_seconds < 60 || *in.max_event_age_seconds > 21600)) {
    violations.push_back(Violation(
        std::to_string(*in.max_event_age_seconds), "maximumEventAgeInSeconds",
        *in.max_event_age_seconds < 60 ? "Member must have value greater than or equal to 60"
                                       : "Member must have value less than or equal to 21600"));
  }
  if (auto status = Violations(violations); !status) return Fail(status.error());
  for (const auto* destination : {&in.on_success, &in.on_failure}) {
    if (*destination && !(*destination)->empty()) {
      if (auto checked = CheckDestination(**destination); !checked) {
        return Fail(checked.error());
      }
    }
  }
  if (!merge && !in.max_retry_attempts && !in.max_event_age_seconds && !in.on_success &&
      !in.on_failure) {
    return InvalidParameterValueError(
        "You must specify at least one of error handling or destination setting.");
  }
  const std::string config_arn = *arn + ":" + (qualifier.empty() ? "$LATEST" : qualifier);
  EventInvokeConfig result;
  auto updated = functions_.Update(*arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f || (!qualifier.empty() && !CheckQualifier(*f, qualifier))) {
      return Fail(ErrorCode::kLambdaResourceNotFound, "The function doesn't exist.");
    }
    std::optional<EventInvokeConfig>& unqualified = f->event_invoke_config;
    auto qualified = f->qualified_invoke_configs.find(qualifier);
    const bool exists = qualifier.empty() ? unqualified.has_value()
                                          : qualified != f->qualified_invoke_configs.end();
    EventInvokeConfig config;
    if (merge) {
      if (!exists) {
        return Fail(ErrorCode::kLambdaResourceNotFound,
                    "The function " + config_arn + " doesn't have an EventInvokeConfig");
      }
      config = qualifier.empty() ? *unqualified : qualified->second;
    }
    if (in.max_retry_attempts) config.max_retry_attempts = in.max_retry_attempts;
    if (in.max_event_age_seconds) config.max_event_age_seconds = in.max_event_age_seconds;
    auto set = [](std::optional<std::string>& field, const std::optional<std::string>& value) {
      if (!value) return;
      if (value->empty()) {
        field.reset();
      } else {
        field = value;
      }
    };
    set(config.on_success, in.on_success);
    set(config.on_failure, in.on_failure);
    config.last_modified_ns = clock_.NowNanos();
    result = config;
    if (qualifier.empty()) {
      unqualified = config;
    } else {
      f->qualified_invoke_configs[qualifier] = config;
    }
    return true;
  });
  if (!updated) return Fail(updated.error());
  return std::make_pair(config_arn, result);
}

Result<std::pair<std::string, EventInvokeConfig>> LambdaService::GetEventInvokeConfig(
    const RequestContext& ctx, const std::string& name, const std::string& qualifier_param) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, qualifier_param, qualifier);
  if (!arn) return Fail(arn.error());
  if (auto status = ValidateQualifier(qualifier); !status) return Fail(status.error());
  if (qualifier == "$LATEST") qualifier.clear();
  const std::string config_arn = *arn + ":" + (qualifier.empty() ? "$LATEST" : qualifier);
  auto missing = [&] {
    return Fail(ErrorCode::kLambdaResourceNotFound,
                "The function " + config_arn + " doesn't have an EventInvokeConfig");
  };
  auto function = Find(*arn);
  if (!function) return missing();
  if (qualifier.empty()) {
    if (!function->event_invoke_config) return missing();
    return std::make_pair(config_arn, *function->event_invoke_config);
  }
  auto it = function->qualified_invoke_configs.find(qualifier);
  if (it == function->qualified_invoke_configs.end()) return missing();
  return std::make_pair(config_arn, it->second);
}

Status LambdaService::DeleteEventInvokeConfig(const RequestContext& ctx, const std::string& name,
                                              const std::string& qualifier_param) {
  auto existing = GetEventInvokeConfig(ctx, name, qualifier_param);
  if (!existing) return Fail(existing.error());
  const std::string& config_arn = existing->first;
  const std::string arn = UnqualifiedOf(config_arn);
  const std::string qualifier = QualifierOf(config_arn);
  auto updated = functions_.Update(arn, [&](std::optional<Function>& f) -> Result<bool> {
    const bool removed = !f ? false
                         : qualifier == "$LATEST"
                             ? f->event_invoke_config.has_value()
                             : f->qualified_invoke_configs.erase(qualifier) > 0;
    if (!removed) {  // deleted meanwhile
      return Fail(ErrorCode::kLambdaResourceNotFound,
                  "The function " + config_arn + " doesn't have an EventInvokeConfig");
    }
    if (qualifier == "$LATEST") f->event_invoke_config.reset();
    return true;
  });
  if (!updated) return Fail(updated.error());
  return {};
}

Result<std::vector<std::pair<std::string, EventInvokeConfig>>>
LambdaService::ListEventInvokeConfigs(const RequestContext& ctx, const std::string& name) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, "functionName", &qualifier);
  if (!arn) return Fail(arn.error());
  auto function = Find(*arn);
  if (!function) return Fail(ErrorCode::kLambdaResourceNotFound, "The function doesn't exist.");
  std::vector<std::pair<std::string, EventInvokeConfig>> configs;
  if (function->event_invoke_config) {
    configs.emplace_back(*arn + ":$LATEST", *function->event_invoke_config);
  }
  for (const auto& [q, config] : function->qualified_invoke_configs) {
    configs.emplace_back(*arn + ":" + q, config);
  }
  return configs;
}

}  // namespace offstage::lambda
