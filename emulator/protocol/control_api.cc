#include "emulator/protocol/control_api.h"

#include <nlohmann/json.hpp>

namespace offstage::protocol {
namespace {

HttpResponse JsonReply(int status, const nlohmann::json& body) {
  return HttpResponse{status, "application/json", body.dump(), {}};
}

HttpResponse BadRequest(const std::string& message) { return JsonReply(400, {{"error", message}}); }

}  // namespace

HttpResponse ControlApi::Health() const {
  return HttpResponse{200, "application/json", health_(), {}};
}

HttpResponse ControlApi::Logs(const std::map<std::string, std::string>& query) const {
  auto get = [&](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  const std::string function = get("function");
  if (function.empty()) return BadRequest("the query parameter 'function' is required");
  int64_t since_ns = 0;
  int64_t after = 0;
  int limit = 1000;
  try {
    if (!get("since_ns").empty()) since_ns = std::stoll(get("since_ns"));
    if (!get("after").empty()) after = std::stoll(get("after"));
    if (!get("limit").empty()) limit = std::clamp(std::stoi(get("limit")), 1, 10000);
  } catch (const std::exception&) {
    return BadRequest("since_ns, after and limit must be integers");
  }
  auto lines = logs_.Lines(function, since_ns, after, limit);
  if (!lines) return JsonReply(500, {{"error", lines.error().message}});
  nlohmann::json out = nlohmann::json::array();
  int64_t last = after;
  for (const auto& entry : *lines) {
    out.push_back({{"seq", entry.seq},
                   {"ts_ns", entry.row.ts_ns},
                   {"request_id", entry.row.request_id},
                   {"stream", entry.row.stream},
                   {"text", entry.row.text}});
    last = entry.seq;
  }
  return JsonReply(200, {{"function", function}, {"lines", out}, {"next", last}});
}

}  // namespace offstage::protocol
