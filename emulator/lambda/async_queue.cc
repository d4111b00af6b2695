#include "emulator/lambda/async_queue.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "emulator/common/priority.h"

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
      log_(log) {}

void AsyncQueue::RecordEvent(const AsyncEvent& event) {
  // The event's span runs from its acceptance to its final disposition; its attempts are
  // invocation spans beneath it.
  telemetry::Span span;
  span.id = event.request_id;
  span.kind = "event";
  span.trace_id = event.trace_id;
  if (!event.parent_span.empty()) span.parent_id = event.parent_span;
  const size_t colon = event.function_arn.rfind(':');
  span.name = event.function_arn.substr(colon + 1);
  span.start_ns = event.enqueued_ns;
  span.end_ns = event.finished_ns;
  span.status = event.state;
  nlohmann::json attrs = {{"request_id", event.request_id},
                          {"function_arn", event.function_arn},
                          {"source", event.source},
                          {"attempts", event.attempts}};
  if (event.disposition) attrs["disposition"] = *event.disposition;
  if (event.state == "retrying") attrs["next_attempt_ns"] = event.next_attempt_ns;
  span.attrs_json = attrs.dump();
  recorder_.Record(std::move(span));
}

AsyncQueue::~AsyncQueue() { Stop(); }

void AsyncQueue::Start(AsyncHandler* handler) {
  handler_ = handler;
  scheduler_ = std::thread([this] {
    common::RunInBackground();
    Schedule();
  });
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] {
      common::RunInBackground();
      Work();
    });
  }
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

void AsyncQueue::Activate(const AsyncEvent& event) {
  RecordEvent(event);
  {
    common::MutexLock lock(mu_);
    waiting_.emplace(event.next_attempt_ns, event);
  }
  schedule_cv_.notify_one();
}

void AsyncQueue::Wake(const std::string& function_arn) {
  bool moved = false;
  {
    common::MutexLock lock(mu_);
    const int64_t now = clock_.NowNanos();
    std::vector<AsyncEvent> woken;
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second.function_arn == function_arn && throttles_.contains(it->second.request_id) &&
          it->first > now) {
        woken.push_back(std::move(it->second));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& event : woken) {
      ready_.push_back(std::move(event));
      moved = true;
    }
  }
  if (moved) work_cv_.notify_all();
}

void AsyncQueue::RequestStop() {
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
  }
  schedule_cv_.notify_all();
  work_cv_.notify_all();
}

void AsyncQueue::Stop() {
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
  }
  schedule_cv_.notify_all();
  work_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

size_t AsyncQueue::pending() const {
  common::MutexLock lock(mu_);
  return waiting_.size() + ready_.size() + static_cast<size_t>(running_);
}

void AsyncQueue::Schedule() {
  common::MutexLock lock(mu_);
  while (!stopping_) {
    const int64_t now = clock_.NowNanos();
    bool moved = false;
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      ready_.push_back(std::move(waiting_.begin()->second));
      waiting_.erase(waiting_.begin());
      moved = true;
    }
    if (moved) work_cv_.notify_all();
    if (waiting_.empty()) {
      schedule_cv_.wait(lock.native());
    } else {
      schedule_cv_.wait_for(lock.native(), std::chrono::nanoseconds(waiting_.begin()->first - now));
    }
  }
}

void AsyncQueue::Work() {
  while (true) {
    AsyncEvent event;
    {
      common::MutexLock lock(mu_);
      work_cv_.wait(lock.native(), [&]() REQUIRES(mu_) { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      event = std::move(ready_.front());
      ready_.erase(ready_.begin());
      ++running_;
    }
    Process(std::move(event));
    common::MutexLock lock(mu_);
    --running_;
  }
}

int64_t AsyncQueue::ThrottleBackoff(int throttles) const {
  // AWS: from 1 s, growing to at most 5 minutes (§6). Wake() shortcuts it when a slot frees.
  const int64_t delay = kSecond << std::min(throttles, 9);
  return std::min<int64_t>(delay, 300 * kSecond);
}

void AsyncQueue::Process(AsyncEvent event) {
  const int64_t dispatched = clock_.NowNanos();
  auto policy = handler_->PolicyFor(event.function_arn);
  auto finish = [&](const std::string& state, Condition condition, const Attempt& last,
                    const std::optional<storage::AsyncAttemptRow>& attempt_row) {
    event.state = state;
    event.finished_ns = clock_.NowNanos();
    event.disposition = handler_->Finish(event, condition, last);
    if (!last.error_type.empty()) event.last_error = last.error_type;
    RecordEvent(event);
    {
      common::MutexLock lock(mu_);
      throttles_.erase(event.request_id);
    }
    writer_.Post([event, attempt_row](storage::Database& db) -> common::Status {
      if (attempt_row) {
        if (auto status = storage::InsertAsyncAttempt(db, *attempt_row); !status) return status;
      }
      return storage::UpdateAsyncEvent(db, event);
    });
  };
  if (!policy) {
    event.state = "failed";
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
    finish("expired", Condition::kEventAgeExceeded, Attempt{}, std::nullopt);
    return;
  }

  Attempt attempt = handler_->RunAttempt(event);
  if (attempt.result == AttemptResult::kAborted) return;  // still queued in the database
  if (attempt.result == AttemptResult::kRejected) {
    finish("failed", Condition::kRetriesExhausted, attempt, std::nullopt);
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
    int throttles;
    {
      common::MutexLock lock(mu_);
      throttles = ++throttles_[event.request_id];
    }
    row.attempt = -throttles;  // throttles are recorded, but are not invocation attempts
    event.next_attempt_ns = finished + ThrottleBackoff(throttles - 1);
    row.next_retry_ns = event.next_attempt_ns;
    event.state = event.attempts == 0 ? "queued" : "retrying";
    writer_.Post([event, row](storage::Database& db) -> common::Status {
      if (auto status = storage::InsertAsyncAttempt(db, row); !status) return status;
      return storage::UpdateAsyncEvent(db, event);
    });
    Activate(event);
    return;
  }

  ++event.attempts;
  row.attempt = event.attempts;
  if (attempt.result == AttemptResult::kSuccess) {
    finish("succeeded", Condition::kSuccess, attempt, row);
    return;
  }
  event.last_error = attempt.error_type;
  if (event.attempts > policy->max_retry_attempts) {
    finish("failed", Condition::kRetriesExhausted, attempt, row);
    return;
  }
  const auto& delays = options_.retry_delays_ns;
  const int64_t delay =
      delays.empty() ? 0 : delays[std::min<size_t>(event.attempts - 1, delays.size() - 1)];
  event.state = "retrying";
  event.next_attempt_ns = finished + delay;
  row.next_retry_ns = event.next_attempt_ns;
  writer_.Post([event, row](storage::Database& db) -> common::Status {
    if (auto status = storage::InsertAsyncAttempt(db, row); !status) return status;
    return storage::UpdateAsyncEvent(db, event);
  });
  Activate(event);
}

}  // namespace offstage::lambda
