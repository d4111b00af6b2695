// The control API's reads for the dashboard (docs/dashboard.md): traces with their figures, a
// trace's waterfall fragment, failures, and the long poll on the change feed. See
// control_api.h.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "emulator/common/json.h"
#include "emulator/protocol/control_api.h"

namespace offstage::protocol {
namespace {

using nlohmann::json;

HttpResponse Reply(int status, const json& body) {
  return HttpResponse{
      status, "application/json", body.dump(-1, ' ', false, common::kReplaceInvalidUtf8), {}};
}

// An integer query parameter within [low, high], `fallback` when absent; nullopt when malformed.
std::optional<int64_t> IntParam(const std::map<std::string, std::string>& query, const char* key,
                                int64_t fallback, int64_t low, int64_t high) {
  auto it = query.find(key);
  if (it == query.end() || it->second.empty()) return fallback;
  try {
    size_t used = 0;
    const long long value = std::stoll(it->second, &used);
    if (used != it->second.size()) return std::nullopt;
    return std::clamp<int64_t>(value, low, high);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The badge a trace list shows. "offloaded" exactly when `offstage trace --assert-offloaded`
// passes (no refusal); otherwise why not, worst first.
std::string Badge(const telemetry::Trace& trace) {
  const telemetry::Assessment& a = trace.assessment;
  if (a.refusals.empty()) return "offloaded";
  if (a.failed > 0 || (!a.replay && !a.root_succeeded)) return "failed";
  if (a.pending > 0 || !trace.quiescent) return "running";
  return "not-offloaded";
}

std::string FunctionNameOf(const std::string& arn) {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME
  const size_t at = arn.find(":function:");
  return at == std::string::npos ? arn : arn.substr(at + 10);
}

}  // namespace

HttpResponse ControlApi::TracesWithFigures(int limit) const {
  auto traces = traces_.RecentBuilt(limit);
  if (!traces) return Reply(500, {{"error", traces.error().message}});
  json out = json::array();
  for (const auto& trace : *traces) {
    std::set<std::string> names;
    int injected = 0;  // spans with a fault injected on purpose (offstage faults)
    for (const auto& node : trace.spans) {
      names.insert(node.span.name);
      if (node.attrs.is_object() && node.attrs.contains("injected")) ++injected;
    }
    const telemetry::Assessment& a = trace.assessment;
    out.push_back({{"trace_id", trace.trace_id},
                   {"start_ns", trace.start_ns},
                   {"spans", trace.spans.size()},
                   {"root_name", trace.root_name},
                   {"root_kind", trace.root_kind},
                   {"quiescent", trace.quiescent},
                   {"root_duration_ns", trace.root_duration_ns},
                   {"end_to_end_ns", trace.end_to_end_ns},
                   {"offloaded", trace.offloaded},
                   {"margin_ns", trace.margin_ns},
                   {"badge", Badge(trace)},
                   {"verdict", telemetry::Verdict(trace)},
                   {"work",
                    {{"ran", a.ran},
                     {"succeeded", a.succeeded},
                     {"failed", a.failed},
                     {"pending", a.pending}}},
                   {"injected", injected},
                   {"names", names}});
  }
  return Reply(200, {{"traces", out}});
}

HttpResponse ControlApi::Waterfall(const std::string& trace_id) const {
  auto trace = traces_.Get(trace_id);
  if (!trace) return Reply(500, {{"error", trace.error().message}});
  if (!*trace) return Reply(404, {{"error", "no trace " + trace_id}});
  return HttpResponse{200, "text/html; charset=utf-8", telemetry::RenderHtmlFragment(**trace), {}};
}

HttpResponse ControlApi::Failures(const std::map<std::string, std::string>& query) const {
  auto limit = IntParam(query, "limit", 100, 1, 1000);
  if (!limit) return Reply(400, {{"error", "limit must be an integer"}});
  auto found = failures_.Recent(static_cast<int>(*limit));
  if (!found) return Reply(500, {{"error", found.error().message}});
  json events = json::array();
  for (size_t i = 0; i < found->events.size(); ++i) {
    const storage::AsyncEventRow& e = found->events[i];
    events.push_back({{"request_id", e.request_id},
                      {"function", FunctionNameOf(e.function_arn)},
                      {"function_arn", e.function_arn},
                      {"state", storage::AsyncEventStateName(e.state)},
                      {"attempts", e.attempts},
                      {"enqueued_ns", e.enqueued_ns},
                      {"finished_ns", e.finished_ns.value_or(0)},
                      {"last_error", e.last_error.value_or("")},
                      {"last_error_message", found->messages[i]},
                      {"source", e.source},
                      {"trace_id", e.trace_id}});
  }
  json deliveries = json::array();
  for (const auto& d : found->deliveries) {
    deliveries.push_back({{"id", d.id},
                          {"message_id", d.message_id},
                          {"subscription_arn", d.subscription_arn},
                          {"protocol", d.protocol},
                          {"endpoint", d.endpoint},
                          {"attempts", d.attempts},
                          {"reason", d.reason.value_or("")},
                          {"updated_ns", d.updated_ns}});
  }
  return Reply(200, {{"events", events}, {"deliveries", deliveries}});
}

HttpResponse ControlApi::Changes(const std::map<std::string, std::string>& query) const {
  auto since = IntParam(query, "since", 0, 0, INT64_MAX);
  auto wait_ms = IntParam(query, "wait_ms", 25'000, 0, 25'000);
  if (!since || !wait_ms) return Reply(400, {{"error", "since and wait_ms must be integers"}});
  // Leave the HTTP workers to the APIs: a long poll beyond the cap answers at once.
  if (long_polls_.fetch_add(1) >= kMaxLongPolls) {
    long_polls_.fetch_sub(1);
    return Reply(200, {{"version", changes_.version()}, {"busy", true}});
  }
  const uint64_t version =
      changes_.WaitPast(static_cast<uint64_t>(*since), std::chrono::milliseconds(*wait_ms));
  long_polls_.fetch_sub(1);
  return Reply(200, {{"version", version}});
}

}  // namespace offstage::protocol
