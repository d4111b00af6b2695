// AsyncQueue: the durable queue of asynchronous (Event) invocations, with Lambda's retry rules
// (§6 of the wire reference). An event is committed to SQLite before its 202; worker
// threads take each event when it falls due and run one attempt through the
// AsyncHandler (the Lambda service) and then retry, expire or finish the event. After a crash,
// Load() puts every unfinished event back (at least once). Owned by LambdaService.
// Thread model: Enqueue/Activate/Wake from any thread; N workers of a common::DelayedQueue,
// whose mutex is never held while an attempt runs or the database is written.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/delayed_queue.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/storage/async_store.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::lambda {

using AsyncEvent = storage::AsyncEventRow;

// The function's asynchronous configuration at the time of an attempt.
struct AsyncPolicy {
  int max_retry_attempts = 2;
  int64_t max_event_age_ns = 21'600LL * 1'000'000'000;
};

enum class AttemptResult {
  kSuccess,
  kFunctionError,  // handler error, timeout, crash: retried up to max_retry_attempts
  kThrottled,      // no concurrency: back to the queue with backoff until the event is too old
  kRejected,       // reserved concurrency 0: straight to the on-failure destination and DLQ
  kAborted,        // the daemon is stopping: left queued in the database, resumed at restart
};

struct Attempt {
  AttemptResult result = AttemptResult::kSuccess;
  std::string outcome;                       // success | error | timeout | crash | throttled
  std::string error_type;                    // e.g. Sandbox.Timedout
  std::string payload;                       // the response or the error document
  int64_t started_ns = 0;                    // handed to the runtime; 0 when it never ran
  std::string executed_version = "$LATEST";  // the version that ran (an alias resolves per attempt)
};

enum class Condition { kSuccess, kRetriesExhausted, kEventAgeExceeded };

// The invocation record sent to an OnSuccess / OnFailure destination (§6 of the wire
// reference), as JSON text. `function_arn` is the ARN invoked, qualified (":$LATEST" when
// nothing else). `attempts` 0 means the function never ran (no response part);
// `response` is the last attempt's response or error document.
std::string InvocationRecord(const std::string& request_id, const std::string& function_arn,
                             Condition condition, int attempts, const std::string& payload,
                             const std::string& response, const std::string& timestamp,
                             const std::string& executed_version = "$LATEST");

class AsyncHandler {
 public:
  virtual ~AsyncHandler() = default;
  // nullopt when the function no longer exists.
  virtual std::optional<AsyncPolicy> PolicyFor(const AsyncEvent& event) = 0;
  // Completes the event's payload before anything delivers it (EventFinalizer). Called before
  // each attempt (and before an expiry's destinations), on the event as the last one left it:
  // it must be idempotent.
  virtual void Prepare(AsyncEvent& event) = 0;
  virtual Attempt RunAttempt(const AsyncEvent& event) = 0;
  // Called once per event at its end: destinations and DLQ. Returns the disposition text.
  virtual std::string Finish(const AsyncEvent& event, Condition condition, const Attempt& last) = 0;
};

struct AsyncOptions {
  // Delays before the 2nd, 3rd, ... attempt after a function error (AWS: ~1 min, ~2 min).
  std::vector<int64_t> retry_delays_ns = {60'000'000'000, 120'000'000'000};
  int workers = 16;
};

class AsyncQueue {
 public:
  AsyncQueue(AsyncOptions options, storage::Writer& writer, telemetry::Recorder& recorder,
             const common::Clock& clock, common::Logger& log);
  ~AsyncQueue();  // Stop()

  // Starts the workers; `handler` must outlive Stop().
  void Start(AsyncHandler* handler);
  // Re-queues every unfinished event from the database (after a restart).
  common::Status Load();
  // Commits the event (its own transaction, group-committed) and schedules it.
  common::Status Enqueue(const AsyncEvent& event);
  // Schedules an event already committed by the caller's own transaction.
  void Activate(const AsyncEvent& event);
  // Concurrency of `function_arn` was freed: throttled events of it may run now.
  void Wake(const std::string& function_arn);
  // No event is dispatched after this (running attempts go on); call before stopping the pool.
  void RequestStop();
  // Stops the workers; running attempts finish first.
  void Stop();

 private:
  // An event in the queue, with the throttles it met (not attempts: they back off instead).
  struct Queued {
    AsyncEvent event;
    int throttles = 0;
  };
  // Records the event's span as it now stands and queues it for its next_attempt_ns.
  void Schedule(Queued queued);
  void Process(Queued queued);
  int64_t ThrottleBackoff(int throttles) const;

  const AsyncOptions options_;
  // Records the event's span as it now stands; at its end, with the last attempt and how many
  // attempts the policy allowed, so the trace's verdict can say what failed and how often.
  void RecordEvent(const AsyncEvent& event, const Attempt* last = nullptr, int max_attempts = 0);

  storage::Writer& writer_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::Logger& log_;
  AsyncHandler* handler_ = nullptr;
  // Events waiting out a throttle backoff: while there are none (the usual case), Wake, which
  // every synchronous invocation's end calls, returns without scanning the delayed events.
  std::atomic<int> throttled_waiting_{0};
  common::DelayedQueue<Queued> queue_;
};

}  // namespace offstage::lambda
