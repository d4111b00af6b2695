#include "emulator/storage/migrations.h"

#include <array>

namespace offstage::storage {
namespace {

// Index i holds migration number i + 1; PRAGMA user_version records how many have run.
constexpr std::array<std::string_view, 14> kMigrations = {
    // 1: SNS state and accepted messages.
    R"sql(
CREATE TABLE topics (
  arn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  account TEXT NOT NULL,
  attributes TEXT NOT NULL,      -- JSON object of stored (settable) attributes
  tags TEXT NOT NULL,            -- JSON array of [key, value] in insertion order
  next_sequence INTEGER NOT NULL,
  subscriptions_deleted INTEGER NOT NULL DEFAULT 0,
  created_ns INTEGER NOT NULL
);
CREATE TABLE subscriptions (
  arn TEXT PRIMARY KEY,
  topic_arn TEXT NOT NULL,
  protocol TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  owner TEXT NOT NULL,
  confirmed INTEGER NOT NULL,
  token TEXT NOT NULL,
  attributes TEXT NOT NULL,      -- JSON object
  created_ns INTEGER NOT NULL
);
CREATE INDEX subscriptions_by_topic ON subscriptions(topic_arn);
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,       -- insertion order
  message_id TEXT NOT NULL UNIQUE,
  topic_arn TEXT NOT NULL,
  subject TEXT,
  body TEXT NOT NULL,
  structure TEXT,                -- "json" or NULL
  attributes TEXT NOT NULL,      -- JSON object name -> {DataType, Value}
  group_id TEXT,
  dedup_id TEXT,
  sequence_number TEXT,
  source_request_id TEXT NOT NULL,
    received_ns INTEGER NOT NULL   -- the publish span also has the commit time
);
-- FIFO deduplication windows are reloaded at start from the recent FIFO messages.
CREATE INDEX messages_fifo_recent ON messages(received_ns) WHERE dedup_id IS NOT NULL;
)sql",
    // 2: Lambda functions and the log lines of their environments.
    R"sql(
CREATE TABLE functions (
  arn TEXT PRIMARY KEY,          -- unqualified function ARN
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  account TEXT NOT NULL,
  config TEXT NOT NULL,          -- JSON: the function's configuration, code, tags, policy
  created_ns INTEGER NOT NULL
);
CREATE TABLE log_lines (
  seq INTEGER PRIMARY KEY,
  function_name TEXT NOT NULL,
  request_id TEXT NOT NULL,
  stream TEXT NOT NULL,          -- stdout | stderr | platform
  ts_ns INTEGER NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX log_lines_by_function ON log_lines(function_name, ts_ns);
CREATE INDEX log_lines_by_request ON log_lines(request_id);
)sql",
    // 3: the durable queue of asynchronous invocations, and every attempt made.
    R"sql(
CREATE TABLE async_events (
  request_id TEXT PRIMARY KEY,
  function_arn TEXT NOT NULL,
  invoked_arn TEXT NOT NULL,
  payload TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  source TEXT NOT NULL,          -- invoke | sns | destination
  source_id TEXT NOT NULL,       -- SNS message id, or the request id a destination came from
  parent_span TEXT NOT NULL,     -- the span that caused it ("" for none)
  state TEXT NOT NULL,           -- queued | retrying | succeeded | failed | expired
  attempts INTEGER NOT NULL,
  enqueued_ns INTEGER NOT NULL,
  next_attempt_ns INTEGER NOT NULL,
  finished_ns INTEGER,
    disposition TEXT,
  last_error TEXT,
  redriven_by TEXT               -- the replay that re-queued it (offstage replay failed)
);
CREATE INDEX async_events_unfinished ON async_events(state) WHERE state IN ('queued', 'retrying');
CREATE INDEX async_events_by_function ON async_events(function_arn, enqueued_ns);
CREATE TABLE async_attempts (
  request_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  dispatched_ns INTEGER NOT NULL,
  started_ns INTEGER,
  finished_ns INTEGER NOT NULL,
  outcome TEXT NOT NULL,         -- success | error | timeout | crash | throttled | expired
  error_type TEXT,
  next_retry_ns INTEGER,
  PRIMARY KEY (request_id, attempt)
);
)sql",
    // 4: SNS deliveries: one row per message and subscription, whatever became of it.
    R"sql(
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  subscription_arn TEXT NOT NULL,
  protocol TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  status TEXT NOT NULL,          -- filtered | invoked | pending | delivered | failed | not_emulated
  reason TEXT,
  async_request_id TEXT,         -- lambda: the asynchronous invocation it caused
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL,
  next_attempt_ns INTEGER,
  request TEXT                   -- http(s): the request to send, kept for retries after a restart
);
CREATE INDEX deliveries_by_message ON deliveries(message_id);
CREATE INDEX deliveries_pending ON deliveries(status) WHERE status = 'pending';
CREATE INDEX deliveries_by_request ON deliveries(async_request_id);
)sql",
    // 5: telemetry: every timed step (invocation, queued event, publish, delivery) as a span
    // with its causal parent, grouped by trace.
    R"sql(
CREATE TABLE spans (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,            -- invocation | event | publish | delivery
  trace_id TEXT NOT NULL,
  parent_id TEXT,
  name TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER,                -- NULL while in progress
  status TEXT NOT NULL,
  attrs TEXT NOT NULL            -- JSON object
);
CREATE INDEX spans_by_trace ON spans(trace_id, start_ns);
CREATE INDEX spans_by_start ON spans(start_ns);
-- The payloads of synchronous invocations, so they can be replayed (asynchronous ones keep
-- theirs in async_events).
CREATE TABLE payloads (
  request_id TEXT PRIMARY KEY,
  function_arn TEXT NOT NULL,
  payload TEXT NOT NULL,
  ts_ns INTEGER NOT NULL
);
)sql",
    // 6: Publish commits the message and answers; its fan-out (a delivery row and an
    // asynchronous event per subscription) is planned and committed after the answer. Until
    // then `fanout` says what is owed ("*": every subscription; else one subscription's ARN,
    // for a replay to it), so a restart finishes it.
    R"sql(
ALTER TABLE messages ADD COLUMN trace_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN fanout TEXT;
CREATE INDEX messages_fanout_pending ON messages(seq) WHERE fanout IS NOT NULL;
)sql",
    // 7: what failed, newest first, for the dashboard's Failures view (FailedAsyncEventsAll,
    // FailedDeliveries), without a scan of every event or delivery ever made.
    R"sql(
CREATE INDEX async_events_failed ON async_events(finished_ns)
  WHERE state IN ('failed', 'expired') AND redriven_by IS NULL;
CREATE INDEX deliveries_failed ON deliveries(updated_ns) WHERE status = 'failed';
)sql",
    // 8: the newest traces by their root spans (RecentTraces), for `offstage traces` and the
    // dashboard's live list, without grouping every span ever recorded.
    R"sql(
CREATE INDEX spans_roots ON spans(start_ns) WHERE parent_id IS NULL;
)sql",
    // 9: Lambda layers, one row per layer: its versions and last version number as JSON.
    R"sql(
CREATE TABLE layers (
  arn TEXT PRIMARY KEY,          -- arn:aws:lambda:<region>:<account>:layer:<name>
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  account TEXT NOT NULL,
  config TEXT NOT NULL,          -- JSON: versions (code, compatibility, policy), last_version
  created_ns INTEGER NOT NULL
);
)sql",
    // 10: deployed stacks (offstage deploy, serve --template), one row per stack: its template,
    // parameters, resources (logical id -> physical id, values, properties) and outputs as JSON.
    R"sql(
CREATE TABLE stacks (
  name TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  updated_ns INTEGER NOT NULL
);
)sql",
    // 11: SQS queues (one JSON document each: attributes, tags, times) and their messages, in
    // each queue's send order, with the state of their current receipt.
    R"sql(
CREATE TABLE sqs_queues (
  arn TEXT PRIMARY KEY,
  document TEXT NOT NULL
);
CREATE TABLE sqs_messages (
  queue_arn TEXT NOT NULL,
  seq INTEGER NOT NULL,           -- the queue's send order
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,       -- JSON object name -> {DataType, StringValue | BinaryValue}
  system TEXT NOT NULL,           -- JSON: AWSTraceHeader, SenderId, trace and span
  group_id TEXT,
  dedup_id TEXT,
  sequence_number TEXT,
  sent_ns INTEGER NOT NULL,
  visible_ns INTEGER NOT NULL,    -- when it can next be received (delay, visibility timeout)
  receive_count INTEGER NOT NULL,
  first_receive_ns INTEGER NOT NULL,
  receipt TEXT,                   -- the nonce of its newest receipt handle, NULL before any
  PRIMARY KEY (queue_arn, seq)
) WITHOUT ROWID;
)sql",
    // 12: Lambda's event source mappings (SQS -> Lambda), one JSON document each.
    R"sql(
CREATE TABLE event_source_mappings (
  uuid TEXT PRIMARY KEY,
  document TEXT NOT NULL
);
)sql",
    // 13: spans by start, for the two kinds read that way (SpansOfKindSince: the dashboard's
    // function and delivery figures) only. Every commit writes each index page it touches to the
    // WAL whole (4 KiB), so an index a span does not need is a page less per span: a Publish's
    // root span now touches four pages of spans, not five (docs/benchmarks.md, "disk bytes").
    R"sql(
DROP INDEX spans_by_start;
CREATE INDEX spans_invocations_by_start ON spans(start_ns) WHERE kind = 'invocation';
CREATE INDEX spans_deliveries_by_start ON spans(start_ns) WHERE kind = 'delivery';
)sql",
    // 14: log lines by request id served no query (QueryLogLines reads by time and sequence,
    // optionally by function), and every batch of log lines paid its pages in the WAL
    // (docs/benchmarks.md, "An index no query used").
    R"sql(
DROP INDEX log_lines_by_request;
)sql",
};

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

}  // namespace offstage::storage
