// The control API under /_offstage/: health, stored logs and traces, the CLI's actions, and what
// the dashboard reads (docs/dashboard.md). JSON in and out; no AWS wire shapes. Implemented in
// control_api.cc (reads), control_actions.cc (the CLI's actions, topics, functions) and
// control_dashboard.cc (the dashboard's reads and its long poll). Stateless apart from its
// references; safe on any thread (Changes blocks its worker for at most 25 s).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/common/change_feed.h"
#include "emulator/common/faults.h"
#include "emulator/common/request_context.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/http_types.h"
#include "emulator/runtime/pool.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/telemetry/failure_queries.h"
#include "emulator/telemetry/log_queries.h"
#include "emulator/telemetry/trace_queries.h"

namespace offstage::protocol {

class ControlApi {
 public:
  using HealthProvider = std::function<std::string()>;
  struct Sources {
    telemetry::LogQueries& logs;
    telemetry::TraceQueries& traces;
    telemetry::FailureQueries& failures;
    common::ChangeFeed& changes;  // moves after every committed write
    const runtime::Pool& pool;    // the execution environments, for the Functions view
    sns::SnsService& sns;
    lambda::LambdaService& lambda;
    sqs::SqsService& sqs;
    common::FaultInjector& faults;
  };
  ControlApi(HealthProvider health, Sources sources)
      : health_(std::move(health)),
        logs_(sources.logs),
        traces_(sources.traces),
        failures_(sources.failures),
        changes_(sources.changes),
        pool_(sources.pool),
        sns_(sources.sns),
        lambda_(sources.lambda),
        sqs_(sources.sqs),
        faults_(sources.faults) {}

  HttpResponse Health() const;
  // GET /_offstage/logs?function=NAME&since_ns=N&after=SEQ&limit=N&tail=1; 404 for a function
  // that does not exist and left no lines. Without `function`, every function's lines; with
  // tail=1, the last `limit` lines rather than the first.
  HttpResponse Logs(const common::RequestContext& ctx,
                    const std::map<std::string, std::string>& query) const;
  // GET /_offstage/traces?limit=N: the most recent traces, newest first. With figures=1, each
  // with its verdict (the badge, the one-line text), timings, status and the names it touches.
  HttpResponse Traces(const std::map<std::string, std::string>& query) const;
  // GET /_offstage/traces/{trace-id}: the tree, every timestamp, and the figures.
  HttpResponse Trace(const std::string& trace_id) const;
  // GET /_offstage/traces/{trace-id}/waterfall: the HTML renderer's fragment (verdict, legend,
  // waterfall, background work), as `trace --format html` draws it.
  HttpResponse Waterfall(const std::string& trace_id) const;
  // GET /_offstage/invocations/{request-id}: the invocation's span and its trace id.
  HttpResponse Invocation(const std::string& request_id) const;

  // The CLI's actions (JSON bodies; control_actions.cc). `ctx` carries the default region and
  // account and a fresh trace.
  // POST /_offstage/replay/message {"message_id", "subscription"?, "dry_run"?}
  HttpResponse ReplayMessage(const common::RequestContext& ctx, const std::string& body) const;
  // POST /_offstage/replay/invocation {"request_id", "function"?, "async"?, "dry_run"?}
  HttpResponse ReplayInvocation(const common::RequestContext& ctx, const std::string& body) const;
  // POST /_offstage/replay/failed {"function", "since_ns"?, "dry_run"?}
  HttpResponse ReplayFailed(const common::RequestContext& ctx, const std::string& body) const;
  // POST /_offstage/publish {"topic", "message", "subject"?, "attributes"?,
  //                         "message_group_id"?, "message_deduplication_id"?}
  HttpResponse Publish(const common::RequestContext& ctx, const std::string& body) const;
  // POST /_offstage/invoke {"function", "payload"?, "async"?}
  HttpResponse Invoke(const common::RequestContext& ctx, const std::string& body) const;
  // SQS for the CLI. A queue is named by name (the default region and account), ARN or URL.
  // GET /_offstage/queues: each queue's messages (visible, in flight, delayed) and its
  // dead-letter queue.
  HttpResponse Queues(const common::RequestContext& ctx) const;
  // POST /_offstage/send {"queue", "message", "attributes"?, "message_group_id"?,
  //                      "message_deduplication_id"?, "delay_seconds"?}
  HttpResponse Send(const common::RequestContext& ctx, const std::string& body) const;
  // POST /_offstage/receive {"queue", "max"?, "wait_seconds"?, "delete"?}: received as
  // ReceiveMessage receives (the receive count grows); with delete, deleted once answered.
  HttpResponse Receive(const common::RequestContext& ctx, const std::string& body) const;
  // POST /_offstage/replay/dlq {"queue", "to"?, "rate"?, "dry_run"?}: starts a message move
  // task (StartMessageMoveTask) on the dead-letter queue; GET /_offstage/replay/dlq?queue=Q:
  // its newest task (ListMessageMoveTasks), which the CLI polls until it ends.
  HttpResponse ReplayDlq(const common::RequestContext& ctx, const std::string& body) const;
  HttpResponse DlqReplayStatus(const common::RequestContext& ctx,
                               const std::map<std::string, std::string>& query) const;
  // GET /_offstage/topics, GET /_offstage/functions. With detail=1: each topic's subscriptions
  // (filter policies, and the last five minutes' deliveries by status); each function's
  // environments and the figures of its last five minutes of invocations.
  HttpResponse Topics(const common::RequestContext& ctx,
                      const std::map<std::string, std::string>& query) const;
  HttpResponse Functions(const common::RequestContext& ctx,
                         const std::map<std::string, std::string>& query) const;
  // GET /_offstage/failures?limit=N: asynchronous events that failed or expired and were never
  // redriven, and HTTP/S deliveries whose retries ran out, newest first.
  HttpResponse Failures(const std::map<std::string, std::string>& query) const;
  // GET /_offstage/changes?since=V&wait_ms=N: {"version": V'} as soon as the stored data
  // changed since version V (at once if it already has), or after wait_ms (at most 25000) with
  // V unchanged. The dashboard's long poll. Each waits on an HTTP worker, so at most
  // kMaxLongPolls wait at once; beyond that the answer is at once, with "busy": true (the
  // page then polls every two seconds instead).
  HttpResponse Changes(const std::map<std::string, std::string>& query) const;
  // Fault injection (control_faults.cc; docs/faults.md). GET /_offstage/faults: {"faults": [rule]}
  // with each rule's counts; POST /_offstage/faults with a rule's JSON: the rule as added (201),
  // or 400 and why; DELETE /_offstage/faults[?id=f1]: {"cleared": N}.
  HttpResponse Faults() const;
  HttpResponse AddFault(const std::string& body) const;
  HttpResponse ClearFaults(const std::map<std::string, std::string>& query) const;
  static constexpr int kMaxLongPolls = 16;

 private:
  HttpResponse TracesWithFigures(int limit) const;
  // The subscriptions of `topic_arn`, each with its recent `deliveries` by outcome.
  nlohmann::json SubscriptionsOf(
      const common::RequestContext& ctx, const std::string& topic_arn,
      const std::map<std::string, std::map<std::string, int>>& deliveries) const;
  // The window of the figures the dashboard shows (functions, deliveries): five minutes.
  static constexpr int64_t kStatsWindowNs = 5LL * 60 * 1'000'000'000;

  HealthProvider health_;
  mutable std::atomic<int> long_polls_{0};  // Changes calls waiting now
  telemetry::LogQueries& logs_;
  telemetry::TraceQueries& traces_;
  telemetry::FailureQueries& failures_;
  common::ChangeFeed& changes_;
  const runtime::Pool& pool_;
  sns::SnsService& sns_;
  lambda::LambdaService& lambda_;
  sqs::SqsService& sqs_;
  common::FaultInjector& faults_;
};

}  // namespace offstage::protocol
