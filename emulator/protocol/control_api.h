// The control API under /_offstage/: health, and the stored logs of functions (for
// `offstage logs`). JSON in and out; no AWS wire shapes. Stateless apart from its references;
// safe on any thread.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "emulator/protocol/http_types.h"
#include "emulator/telemetry/log_queries.h"

namespace offstage::protocol {

class ControlApi {
 public:
  using HealthProvider = std::function<std::string()>;
  ControlApi(HealthProvider health, telemetry::LogQueries& logs)
      : health_(std::move(health)), logs_(logs) {}

  HttpResponse Health() const;
  // GET /_offstage/logs?function=NAME&since_ns=N&after=SEQ&limit=N
  HttpResponse Logs(const std::map<std::string, std::string>& query) const;

 private:
  HealthProvider health_;
  telemetry::LogQueries& logs_;
};

}  // namespace offstage::protocol
