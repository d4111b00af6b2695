// The control API under /_offstage/: health, and the stored logs of functions (for
// `offstage logs`). JSON in and out; no AWS wire shapes. Stateless apart from its references;
// safe on any thread.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "emulator/protocol/http_types.h"
#include "emulator/telemetry/log_queries.h"
#include "emulator/telemetry/trace_queries.h"

namespace offstage::protocol {

class ControlApi {
 public:
  using HealthProvider = std::function<std::string()>;
  ControlApi(HealthProvider health, telemetry::LogQueries& logs, telemetry::TraceQueries& traces)
      : health_(std::move(health)), logs_(logs), traces_(traces) {}

  HttpResponse Health() const;
  // GET /_offstage/logs?function=NAME&since_ns=N&after=SEQ&limit=N
  HttpResponse Logs(const std::map<std::string, std::string>& query) const;
  // GET /_offstage/traces?limit=N: the most recent traces, newest first.
  HttpResponse Traces(const std::map<std::string, std::string>& query) const;
  // GET /_offstage/traces/{trace-id}: the tree, every timestamp, and the figures.
  HttpResponse Trace(const std::string& trace_id) const;
  // GET /_offstage/invocations/{request-id}: the invocation's span and its trace id.
  HttpResponse Invocation(const std::string& request_id) const;

 private:
  HealthProvider health_;
  telemetry::LogQueries& logs_;
  telemetry::TraceQueries& traces_;
};

}  // namespace offstage::protocol
