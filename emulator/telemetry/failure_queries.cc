#include "emulator/telemetry/failure_queries.h"

#include <nlohmann/json.hpp>

namespace offstage::telemetry {

common::Result<Failures> FailureQueries::Recent(int limit) {
  Failures out;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto events = storage::RecentFailedAsyncEvents(db, limit);
    if (!events) return common::Fail(events.error());
    auto deliveries = storage::FailedDeliveries(db, limit);
    if (!deliveries) return common::Fail(deliveries.error());
    out.events = std::move(*events);
    out.deliveries = std::move(*deliveries);
    // An event's span (its id is the request id) carries its last error's message.
    for (const auto& event : out.events) {
      std::string message;
      auto span = storage::FindSpan(db, event.request_id);
      if (!span) return common::Fail(span.error());
      if (*span) {
        auto attrs = nlohmann::json::parse((*span)->attrs_json, nullptr, false);
        if (attrs.is_object()) {
          auto it = attrs.find("last_error_message");
          if (it != attrs.end() && it->is_string()) message = it->get<std::string>();
        }
      }
      out.messages.push_back(std::move(message));
    }
    return {};
  });
  if (!status) return common::Fail(status.error());
  return out;
}

}  // namespace offstage::telemetry
