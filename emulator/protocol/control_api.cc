#include "emulator/protocol/control_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"

namespace offstage::protocol {
namespace {

HttpResponse JsonReply(int status, const nlohmann::json& body) {
  return HttpResponse{
      status, "application/json", body.dump(-1, ' ', false, common::kReplaceInvalidUtf8), {}};
}

HttpResponse BadRequest(const std::string& message) { return JsonReply(400, {{"error", message}}); }

}  // namespace

HttpResponse ControlApi::Health() const {
  return HttpResponse{200, "application/json", health_(), {}};
}

HttpResponse ControlApi::Logs(const common::RequestContext& ctx,
                              const std::map<std::string, std::string>& query) const {
  auto get = [&](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  const std::string function = get("function");
  const bool tail = get("tail") == "1";
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
  auto lines = logs_.Lines(function, since_ns, after, limit, tail);
  if (!lines) return JsonReply(500, {{"error", lines.error().message}});
  // A deleted function's stored lines can still be read; a name nothing ever ran under is a
  // mistake worth saying.
  if (lines->empty() && after == 0 && !function.empty()) {
    if (auto found = lambda_.GetFunction(ctx, function, ""); !found) {
      return JsonReply(404, {{"error", found.error().message},
                             {"code", std::string(found.error().info().aws_code)}});
    }
  }
  nlohmann::json out = nlohmann::json::array();
  int64_t last = after;
  for (const auto& entry : *lines) {
    out.push_back({{"seq", entry.seq},
                   {"function", entry.row.function_name},
                   {"ts_ns", entry.row.ts_ns},
                   {"request_id", entry.row.request_id},
                   {"stream", entry.row.stream},
                   {"text", entry.row.text}});
    last = entry.seq;
  }
  return JsonReply(200, {{"function", function}, {"lines", out}, {"next", last}});
}

HttpResponse ControlApi::Traces(const std::map<std::string, std::string>& query) const {
  int limit = 20;
  if (auto it = query.find("limit"); it != query.end()) {
    try {
      limit = std::clamp(std::stoi(it->second), 1, 1000);
    } catch (const std::exception&) {
      return BadRequest("limit must be an integer");
    }
  }
  if (auto it = query.find("figures"); it != query.end() && it->second == "1") {
    return TracesWithFigures(limit);
  }
  auto rows = traces_.Recent(limit);
  if (!rows) return JsonReply(500, {{"error", rows.error().message}});
  nlohmann::json traces = nlohmann::json::array();
  for (const auto& row : *rows) {
    traces.push_back({{"trace_id", row.trace_id},
                      {"start_ns", row.start_ns},
                      {"spans", row.spans},
                      {"root_name", row.root_name},
                      {"root_kind", row.root_kind}});
  }
  return JsonReply(200, {{"traces", traces}});
}

HttpResponse ControlApi::Trace(const std::string& trace_id) const {
  auto trace = traces_.Get(trace_id);
  if (!trace) return JsonReply(500, {{"error", trace.error().message}});
  if (!*trace) return JsonReply(404, {{"error", "no trace " + trace_id}});
  return JsonReply(200, telemetry::TraceToJson(**trace));
}

HttpResponse ControlApi::Invocation(const std::string& request_id) const {
  auto span = traces_.Span(request_id);
  if (!span) return JsonReply(500, {{"error", span.error().message}});
  if (!*span) return JsonReply(404, {{"error", "no invocation " + request_id}});
  const auto& s = **span;
  return JsonReply(200, {{"request_id", request_id},
                         {"trace_id", s.trace_id},
                         {"kind", s.kind},
                         {"name", s.name},
                         {"start_ns", s.start_ns},
                         {"end_ns", s.end_ns ? nlohmann::json(*s.end_ns) : nlohmann::json(nullptr)},
                         {"status", s.status},
                         {"attrs", nlohmann::json::parse(s.attrs_json, nullptr, false)}});
}

}  // namespace offstage::protocol
