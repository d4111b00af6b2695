// SQL for the durable queue of asynchronous invocations (async_events) and the record of every
// attempt (async_attempts), as plain rows; the event's state as an enum, whose names are the
// only spelling of it (in rows, in this file's SQL, the pruner's and a span's status). Runs on
// the Writer thread; AsyncEventStateName/ParseAsyncEventState are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/storage/database.h"

namespace offstage::storage {

// Queued and Retrying are unfinished (the queue still owes an attempt); the other three are
// final.
enum class AsyncEventState { kQueued, kRetrying, kSucceeded, kFailed, kExpired };

// "queued", "retrying", "succeeded", "failed", "expired".
std::string_view AsyncEventStateName(AsyncEventState state);
std::optional<AsyncEventState> ParseAsyncEventState(std::string_view name);
// The SQL list of the unfinished states' names: "('queued', 'retrying')".
const std::string& UnfinishedAsyncStatesSql();

struct AsyncEventRow {
  std::string request_id;
  std::string function_arn;
  std::string invoked_arn;
  std::string payload;
  std::string trace_id;
  std::string source;
  std::string source_id;
  std::string parent_span;
  AsyncEventState state = AsyncEventState::kQueued;
  int attempts = 0;
  int64_t enqueued_ns = 0;
  int64_t next_attempt_ns = 0;
  std::optional<int64_t> finished_ns;
  std::optional<std::string> disposition;
  std::optional<std::string> last_error;
};

struct AsyncAttemptRow {
  std::string request_id;
  int attempt = 0;
  int64_t dispatched_ns = 0;
  std::optional<int64_t> started_ns;
  int64_t finished_ns = 0;
  std::string outcome;
  std::optional<std::string> error_type;
  std::optional<int64_t> next_retry_ns;
};

Status InsertAsyncEvent(Database& db, const AsyncEventRow& row);
// Updates state, attempts, next_attempt_ns, finished_ns, disposition and last_error.
Status UpdateAsyncEvent(Database& db, const AsyncEventRow& row);
Status InsertAsyncAttempt(Database& db, const AsyncAttemptRow& row);
// Events still to run (queued or retrying), oldest first.
Result<std::vector<AsyncEventRow>> UnfinishedAsyncEvents(Database& db);
Result<std::vector<AsyncAttemptRow>> AsyncAttempts(Database& db, const std::string& request_id);
// Finished events of a function that ended failed or expired since `since_ns` and were never
// redriven, oldest first.
Result<std::vector<AsyncEventRow>> FailedAsyncEvents(Database& db, const std::string& function_arn,
                                                     int64_t since_ns);
// Every function's events that ended failed or expired and were never redriven, the most
// recently finished first, at most `limit`.
Result<std::vector<AsyncEventRow>> RecentFailedAsyncEvents(Database& db, int limit);
Status MarkRedriven(Database& db, const std::string& request_id, const std::string& replay_id);
Result<std::optional<AsyncEventRow>> FindAsyncEvent(Database& db, const std::string& request_id);

// Payloads of synchronous invocations (for replay).
Status InsertPayload(Database& db, const std::string& request_id, const std::string& function_arn,
                     const std::string& payload, int64_t ts_ns);
// (function ARN, payload) of a synchronous invocation.
Result<std::optional<std::pair<std::string, std::string>>> FindPayload(
    Database& db, const std::string& request_id);

}  // namespace offstage::storage
