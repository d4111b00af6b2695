#include "emulator/lambda/async_queue.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::lambda {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

}  // namespace

AsyncQueue::AsyncQueue(AsyncOptions options, storage::Writer& writer, telemetry::Recorder& recorder,
                       const common::Clock& clock, common::Logger& log)
    : options_(std::move(options)),
      writer_(writer),
      recorder_(recorder),
      clock_(clock),
      log_(log),
      queue_(clock) {}

void AsyncQueue::RecordEvent(const AsyncEvent& event, const Attempt* last, int max_attempts) {
  // The event's span runs from its acceptance to its final disposition; its attempts are
  // invocation spans beneath it.
  telemetry::Span span;
  span.id = event.request_id;
  span.kind = telemetry::SpanKindName(telemetry::SpanKind::kEvent);
  span.trace_id = event.trace_id;
  if (!event.parent_span.empty()) span.parent_id = event.parent_span;
  const size_t colon = event.function_arn.rfind(':');
  span.name = event.function_arn.substr(colon + 1);
  span.start_ns = event.enqueued_ns;
  span.end_ns = event.finished_ns;
  span.status = storage::AsyncEventStateName(event.state);
  nlohmann::json attrs = {{"request_id", event.request_id},
                          {"function_arn", event.function_arn},
                          {"source", event.source},
                          {"attempts", event.attempts}};
  if (event.disposition) attrs["disposition"] = *event.disposition;
  if (event.state == storage::AsyncEventState::kRetrying)
    attrs["next_attempt_ns"] = event.next_attempt_ns;
  if (max_attempts > 0) attrs["max_attempts"] = max_attempts;
  if (event.last_error) attrs["last_error"] = *event.last_error;
  if (last && last->result != AttemptResult::kSuccess) {
    std::string message;
    auto error = nlohmann::json::parse(last->payload, nullptr, false);
    if (error.is_object() && error.contains("errorMessage") && error["errorMessage"].is_string()) {
      message = error["errorMessage"].get<std::string>();
    } else if (last->result == AttemptResult::kRejected && last->outcome == "throttled") {
      message = "the function's reserved concurrency is 0; the event never ran";
    } else if (last->result == AttemptResult::kRejected) {
      message = "the function does not exist";
    }
    message = common::ShortenUtf8(message, 512);
    if (!message.empty()) attrs["last_error_message"] = message;
  }
  span.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  recorder_.Record(std::move(span));
}

AsyncQueue::~AsyncQueue() { Stop(); }

void AsyncQueue::Start(AsyncHandler* handler) {
  handler_ = handler;
  queue_.Start(options_.workers, [this](Queued queued) { Process(std::move(queued)); });
}

common::Status AsyncQueue::Load() {
  std::vector<AsyncEvent> events;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto rows = storage::UnfinishedAsyncEvents(db);
    if (!rows) return common::Fail(rows.error());
    events = std::move(*rows);
    return {};
  });
  if (!status) return status;
  if (!events.empty()) {
    log_.Info("offstage: resuming " + std::to_string(events.size()) +
              " asynchronous invocation(s) accepted before the last stop");
  }
  for (auto& event : events) Activate(event);
  return {};
}

common::Status AsyncQueue::Enqueue(const AsyncEvent& event) {
  auto committed =
      writer_
          .Submit([event](storage::Database& db) { return storage::InsertAsyncEvent(db, event); })
          .get();
  if (!committed) return common::Fail(committed.error());
  Activate(event);
  return {};
}

void AsyncQueue::Activate(const AsyncEvent& event) { Schedule(Queued{event, 0}); }

void AsyncQueue::Schedule(Queued queued) {
  RecordEvent(queued.event);
  if (queued.throttles > 0) throttled_waiting_.fetch_add(1);
  const int64_t due = queued.event.next_attempt_ns;
  queue_.Add(due, std::move(queued));
}

void AsyncQueue::Wake(const std::string& function_arn) {
  if (throttled_waiting_.load() == 0) return;
  queue_.Hasten([&](const Queued& queued) {
    return queued.throttles > 0 && queued.event.function_arn == function_arn;
  });
}

void AsyncQueue::RequestStop() { queue_.RequestStop(); }

void AsyncQueue::Stop() { queue_.Stop(); }

int64_t AsyncQueue::ThrottleBackoff(int throttles) const {
  // AWS: from 1 s, growing to at most 5 minutes (§6). Wake() shortcuts it when a slot frees.
  const int64_t delay = kSecond << std::min(throttles, 9);
  return std::min<int64_t>(delay, 300 * kSecond);
}

void AsyncQueue::Process(Queued queued) {
  if (queued.throttles > 0) throttled_waiting_.fetch_sub(1);
  AsyncEvent& event = queued.event;
  const int64_t dispatched = clock_.NowNanos();
  auto policy = handler_->PolicyFor(event);
  auto finish = [&](storage::AsyncEventState state, Condition condition, const Attempt& last,
                    const std::optional<storage::AsyncAttemptRow>& attempt_row) {
    event.state = state;
    event.finished_ns = clock_.NowNanos();
    event.disposition = handler_->Finish(event, condition, last);
    if (!last.error_type.empty()) event.last_error = last.error_type;
    RecordEvent(event, &last, policy->max_retry_attempts + 1);
    writer_.Post([event, attempt_row](storage::Database& db) -> common::Status {
      if (attempt_row) {
        if (auto status = storage::InsertAsyncAttempt(db, *attempt_row); !status) return status;
      }
      return storage::UpdateAsyncEvent(db, event);
    });
  };
  if (!policy) {
    event.state = storage::AsyncEventState::kFailed;
    event.finished_ns = dispatched;
    event.disposition = "dropped: the function no longer exists";
    log_.Warn("offstage: dropped asynchronous invocation " + event.request_id + " of " +
              event.function_arn + ": the function no longer exists");
    writer_.Post([event](storage::Database& db) { return storage::UpdateAsyncEvent(db, event); });
    RecordEvent(event);
    return;
  }
  handler_->Prepare(event);  // before any attempt, destination or dead-letter topic
  if (dispatched - event.enqueued_ns > policy->max_event_age_ns) {
    finish(storage::AsyncEventState::kExpired, Condition::kEventAgeExceeded, Attempt{},
           std::nullopt);
    return;
  }

  Attempt attempt = handler_->RunAttempt(event);
  if (attempt.result == AttemptResult::kAborted) return;  // still queued in the database
  if (attempt.result == AttemptResult::kRejected) {
    finish(storage::AsyncEventState::kFailed, Condition::kRetriesExhausted, attempt, std::nullopt);
    return;
  }
  const int64_t finished = clock_.NowNanos();
  storage::AsyncAttemptRow row;
  row.request_id = event.request_id;
  row.dispatched_ns = dispatched;
  if (attempt.started_ns != 0) row.started_ns = attempt.started_ns;
  row.finished_ns = finished;
  row.outcome = attempt.outcome;
  if (!attempt.error_type.empty()) row.error_type = attempt.error_type;

  if (attempt.result == AttemptResult::kThrottled) {
    const int throttles = ++queued.throttles;
    row.attempt = -throttles;  // throttles are recorded, but are not invocation attempts
    event.next_attempt_ns = finished + ThrottleBackoff(throttles - 1);
    row.next_retry_ns = event.next_attempt_ns;
    event.state = event.attempts == 0 ? storage::AsyncEventState::kQueued
                                      : storage::AsyncEventState::kRetrying;
    writer_.Post([event, row](storage::Database& db) -> common::Status {
      if (auto status = storage::InsertAsyncAttempt(db, row); !status) return status;
      return storage::UpdateAsyncEvent(db, event);
    });
    Schedule(std::move(queued));
    return;
  }

  ++event.attempts;
  row.attempt = event.attempts;
  if (attempt.result == AttemptResult::kSuccess) {
    finish(storage::AsyncEventState::kSucceeded, Condition::kSuccess, attempt, row);
    return;
  }
  event.last_error = attempt.error_type;
  if (event.attempts > policy->max_retry_attempts) {
    finish(storage::AsyncEventState::kFailed, Condition::kRetriesExhausted, attempt, row);
    return;
  }
  const auto& delays = options_.retry_delays_ns;
  const int64_t delay =
      delays.empty() ? 0 : delays[std::min<size_t>(event.attempts - 1, delays.size() - 1)];
  event.state = storage::AsyncEventState::kRetrying;
  event.next_attempt_ns = finished + delay;
  row.next_retry_ns = event.next_attempt_ns;
  writer_.Post([event, row](storage::Database& db) -> common::Status {
    if (auto status = storage::InsertAsyncAttempt(db, row); !status) return status;
    return storage::UpdateAsyncEvent(db, event);
  });
  Schedule(std::move(queued));
}

}  // namespace offstage::lambda
