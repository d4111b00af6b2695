// TraceQueries: reads traces from the spans table for the control API. Runs its SQL on the
// writer thread (the one owner of the database). Owned by app::Daemon; safe on any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/delivery_stats.h"
#include "emulator/telemetry/function_stats.h"
#include "emulator/telemetry/trace.h"

namespace offstage::telemetry {

class TraceQueries {
 public:
  explicit TraceQueries(storage::Writer& writer) : writer_(writer) {}

  common::Result<std::vector<storage::TraceSummaryRow>> Recent(int limit);
  // The `limit` most recent traces, built (figures and verdict), newest first: their spans are
  // read in one job on the writer thread.
  common::Result<std::vector<Trace>> RecentBuilt(int limit);
  // The invocations that started at or after `since_ns` (the newest `max_spans`), by function.
  common::Result<std::map<std::string, FunctionStats>> InvocationStats(int64_t since_ns,
                                                                       int max_spans);
  // The deliveries that started at or after `since_ns` (the newest `max_spans`): subscription
  // ARN -> status -> count (delivery_stats.h).
  common::Result<std::map<std::string, std::map<std::string, int>>> DeliveryStats(int64_t since_ns,
                                                                                  int max_spans);
  // nullopt when no span has that trace id.
  common::Result<std::optional<Trace>> Get(const std::string& trace_id);
  // The span whose id is `request_id` (an invocation, or an asynchronous event).
  common::Result<std::optional<storage::SpanRow>> Span(const std::string& request_id);

 private:
  storage::Writer& writer_;
};

}  // namespace offstage::telemetry
