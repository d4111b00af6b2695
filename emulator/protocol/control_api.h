// The control API under /_offstage/: health, and the stored logs of functions (for
// `offstage logs`). JSON in and out; no AWS wire shapes. Stateless apart from its references;
// safe on any thread.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "emulator/common/request_context.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/http_types.h"
#include "emulator/sns/sns_service.h"
#include "emulator/telemetry/log_queries.h"
#include "emulator/telemetry/trace_queries.h"

namespace offstage::protocol {

class ControlApi {
 public:
  using HealthProvider = std::function<std::string()>;
  ControlApi(HealthProvider health, telemetry::LogQueries& logs, telemetry::TraceQueries& traces,
             sns::SnsService& sns, lambda::LambdaService& lambda)
      : health_(std::move(health)), logs_(logs), traces_(traces), sns_(sns), lambda_(lambda) {}

  HttpResponse Health() const;
  // GET /_offstage/logs?function=NAME&since_ns=N&after=SEQ&limit=N; 404 for a function that
  // does not exist and left no lines.
  HttpResponse Logs(const common::RequestContext& ctx,
                    const std::map<std::string, std::string>& query) const;
  // GET /_offstage/traces?limit=N: the most recent traces, newest first.
  HttpResponse Traces(const std::map<std::string, std::string>& query) const;
  // GET /_offstage/traces/{trace-id}: the tree, every timestamp, and the figures.
  HttpResponse Trace(const std::string& trace_id) const;
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
  // GET /_offstage/topics, GET /_offstage/functions
  HttpResponse Topics(const common::RequestContext& ctx) const;
  HttpResponse Functions(const common::RequestContext& ctx) const;

 private:
  HealthProvider health_;
  telemetry::LogQueries& logs_;
  telemetry::TraceQueries& traces_;
  sns::SnsService& sns_;
  lambda::LambdaService& lambda_;
};

}  // namespace offstage::protocol
