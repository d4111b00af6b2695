// LambdaService's replays: a recorded invocation again, and the redrive of a function's failed
// asynchronous events. Each is recorded as a "replay" span that names what it replays.
// Thread model: any HTTP worker thread (the control API's replay endpoints).
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/lambda/validation.h"
#include "emulator/storage/async_store.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

}  // namespace

Result<InvokeOutput> LambdaService::ReplayInvocation(const RequestContext& ctx,
                                                     const std::string& request_id,
                                                     const std::optional<std::string>& function,
                                                     bool async, bool dry_run) {
  std::optional<std::pair<std::string, std::string>> recorded;  // function ARN, payload
  std::optional<AsyncEvent> queued;                             // or an asynchronous event
  auto status = writer_.Query([&](storage::Database& db) -> Status {
    auto sync = storage::FindPayload(db, request_id);
    if (!sync) return Fail(sync.error());
    if (*sync) {
      recorded = std::move(*sync);
      return {};
    }
    auto event = storage::FindAsyncEvent(db, request_id);
    if (!event) return Fail(event.error());
    if (*event) queued = std::move(**event);
    return {};
  });
  if (!status) return Fail(status.error());
  if (queued) {
    recorded =
        std::make_pair(queued->invoked_arn.empty() ? queued->function_arn : queued->invoked_arn,
                       DeliveredPayload(*queued));
  }
  if (!recorded) {
    return Fail(ErrorCode::kLambdaResourceNotFound,
                "No recorded invocation has the request id " + request_id);
  }
  std::string target = recorded->first;
  if (function) {
    auto arn = ResolveArn(ctx, *function, "functionName", nullptr);
    if (!arn) return Fail(arn.error());
    target = *arn;
  }
  if (!Find(UnqualifiedOf(target))) {
    return FunctionNotFoundError(target);
  }
  if (dry_run) {
    InvokeOutput out;
    out.status = 204;
    return out;
  }
  RequestContext replay = ctx;
  replay.trace_id = telemetry::NewTraceId(clock_, ids_);
  replay.parent_span = ids_.Uuid();
  replay.request_id = ids_.Uuid();
  recorder_.Record(telemetry::ReplaySpan(
      replay.parent_span, replay.trace_id, "replay of invocation " + request_id, clock_.NowNanos(),
      nlohmann::json{{"replays", request_id}, {"function_arn", target}, {"async", async}}.dump(
          -1, ' ', false, common::kReplaceInvalidUtf8)));
  InvokeInput in;
  in.function_name = target;
  in.payload = recorded->second;
  in.type = async ? InvocationType::kEvent : InvocationType::kRequestResponse;
  return Invoke(replay, in);
}

Result<std::vector<std::pair<std::string, std::string>>> LambdaService::Redrive(
    const RequestContext& ctx, const std::string& function, int64_t since_ns, bool dry_run) {
  auto arn = ResolveArn(ctx, function, "functionName", nullptr);
  if (!arn) return Fail(arn.error());
  if (!Find(*arn)) return FunctionNotFoundError(*arn);
  std::vector<AsyncEvent> failed;
  auto status = writer_.Query([&](storage::Database& db) -> Status {
    auto rows = storage::FailedAsyncEvents(db, *arn, since_ns);
    if (!rows) return Fail(rows.error());
    failed = std::move(*rows);
    return {};
  });
  if (!status) return Fail(status.error());
  std::vector<std::pair<std::string, std::string>> out;
  // Nothing failed: nothing is redriven and no trace records a redrive of nothing.
  if (failed.empty()) return out;
  if (dry_run) {
    for (const auto& event : failed) out.emplace_back(event.request_id, "");
    return out;
  }
  RequestContext replay = ctx;
  replay.trace_id = telemetry::NewTraceId(clock_, ids_);
  replay.parent_span = ids_.Uuid();
  nlohmann::json originals = nlohmann::json::array();
  for (const auto& event : failed) originals.push_back(event.request_id);
  recorder_.Record(telemetry::ReplaySpan(
      replay.parent_span, replay.trace_id, "redrive of " + function, clock_.NowNanos(),
      nlohmann::json{{"replays", originals}, {"function_arn", *arn}}.dump(
          -1, ' ', false, common::kReplaceInvalidUtf8)));
  for (const auto& original : failed) {
    // To the version or alias the original named, resolved again now.
    auto next = Stage(replay, original.invoked_arn.empty() ? *arn : original.invoked_arn,
                      DeliveredPayload(original), "replay", original.request_id);
    if (!next) return Fail(next.error());
    // The new event and the mark on the original commit together: never redriven twice.
    auto committed = writer_
                         .Submit([event = *next, original_id = original.request_id,
                                  replay_id = replay.parent_span](storage::Database& db) -> Status {
                           if (auto s = storage::InsertAsyncEvent(db, event); !s) return s;
                           return storage::MarkRedriven(db, original_id, replay_id);
                         })
                         .get();
    if (!committed) return Fail(committed.error());
    queue_.Activate(*next);
    out.emplace_back(original.request_id, next->request_id);
  }
  return out;
}

}  // namespace offstage::lambda
