#include "emulator/telemetry/trace.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "emulator/common/json.h"

namespace offstage::telemetry {
namespace {

using nlohmann::json;

std::optional<int64_t> Int64(const json& attrs, const char* key) {
  auto it = attrs.find(key);
  if (it == attrs.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

int64_t BeginOf(const storage::SpanRow& span, SpanKind kind, const json& attrs) {
  int64_t begin = span.start_ns;
  if (kind != SpanKind::kInvocation) return begin;
  if (auto init = Int64(attrs, "init_ns"); init && *init > 0)
    begin = std::min(begin, span.start_ns - *init);
  for (const char* key : {"invoked_ns", "received_ns"}) {
    if (auto at = Int64(attrs, key); at && *at > 0) begin = std::min(begin, *at);
  }
  return begin;
}

// Work the trace knows is owed but has not seen recorded yet: a publish whose fan-out has not
// written its deliveries, a Lambda delivery whose queued event is not in yet.
bool AwaitsChildren(const TraceSpan& node, const std::vector<TraceSpan>& spans) {
  if (node.kind == SpanKind::kPublish) {
    auto owed = Int64(node.attrs, "deliveries");
    if (!owed) return false;
    int64_t seen = 0;
    for (size_t child : node.children) seen += spans[child].kind == SpanKind::kDelivery;
    return seen < *owed;
  }
  if (node.kind == SpanKind::kDelivery && node.status == SpanStatus::kInvoked &&
      node.attrs.contains("request_id")) {
    for (size_t child : node.children) {
      if (spans[child].kind == SpanKind::kEvent) return false;
    }
    return true;
  }
  return false;
}

}  // namespace

Trace BuildTrace(const std::string& trace_id, std::vector<storage::SpanRow> rows) {
  Trace trace;
  trace.trace_id = trace_id;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.id < b.id;
  });
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < rows.size(); ++i) by_id[rows[i].id] = i;
  std::vector<std::vector<size_t>> children(rows.size());
  std::vector<size_t> roots;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& parent = rows[i].parent_id;
    auto it = parent ? by_id.find(*parent) : by_id.end();
    if (it == by_id.end() || it->second == i) {
      roots.push_back(i);
    } else {
      children[it->second].push_back(i);
    }
  }
  // Depth-first, children in start order.
  std::vector<size_t> order_of(rows.size());
  std::function<void(size_t, int)> visit = [&](size_t i, int depth) {
    TraceSpan node;
    node.span = rows[i];
    node.kind = ParseSpanKind(node.span.kind);
    node.status = ParseSpanStatus(node.span.status);
    node.attrs = json::parse(rows[i].attrs_json, nullptr, false);
    if (!node.attrs.is_object()) node.attrs = json::object();
    node.depth = depth;
    node.begin_ns = BeginOf(node.span, node.kind, node.attrs);
    order_of[i] = trace.spans.size();
    trace.spans.push_back(std::move(node));
    for (size_t child : children[i]) visit(child, depth + 1);
  };
  for (size_t root : roots) visit(root, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t child : children[i]) trace.spans[order_of[i]].children.push_back(order_of[child]);
  }

  if (trace.spans.empty()) {
    trace.assessment = Assess(trace);
    return trace;
  }
  trace.start_ns = trace.spans.front().begin_ns;
  for (const auto& node : trace.spans) {
    trace.start_ns = std::min(trace.start_ns, node.begin_ns);
    if (!node.span.end_ns || AwaitsChildren(node, trace.spans)) trace.quiescent = false;
    if (node.span.end_ns) trace.end_ns = std::max(trace.end_ns, *node.span.end_ns);
  }
  const TraceSpan& root = trace.spans.front();
  trace.root_name = root.span.name;
  trace.root_kind = root.span.kind;
  // An asynchronous invocation from outside (InvocationType=Event) is the root of its trace: its
  // caller had the 202 once the event was accepted (start_ns); the event's run is its work.
  const bool accepted_event = root.kind == SpanKind::kEvent;
  const int64_t root_end =
      accepted_event ? root.span.start_ns : root.span.end_ns.value_or(trace.end_ns);
  trace.root_duration_ns = root_end - root.begin_ns;
  int64_t last_end = accepted_event ? root.span.end_ns.value_or(trace.end_ns) : root_end;
  std::function<void(size_t)> walk = [&](size_t i) {
    for (size_t child : trace.spans[i].children) {
      ++trace.descendants;
      last_end = std::max(last_end, trace.spans[child].span.end_ns.value_or(trace.end_ns));
      walk(child);
    }
  };
  walk(0);
  trace.end_to_end_ns = last_end - root.begin_ns;
  trace.offloaded =
      (trace.descendants > 0 || accepted_event) && root.span.end_ns && last_end > root_end;
  trace.margin_ns = trace.offloaded ? last_end - root_end : 0;
  trace.assessment = Assess(trace);
  return trace;
}

Trace WithoutSimulated(const Trace& trace) {
  std::map<std::string, const storage::SpanRow*> by_id;
  std::vector<const storage::SpanRow*> simulated;
  for (const auto& node : trace.spans) {
    by_id[node.span.id] = &node.span;
    if (node.kind == SpanKind::kSimulated && node.span.end_ns) simulated.push_back(&node.span);
  }
  std::vector<storage::SpanRow> rows;
  for (const auto& node : trace.spans) {
    if (node.kind == SpanKind::kSimulated) continue;
    // The simulated delays on this span's causal path: under itself or an ancestor.
    std::set<std::string> path = {node.span.id};
    for (auto parent = node.span.parent_id; parent && !path.count(*parent);) {
      path.insert(*parent);
      auto it = by_id.find(*parent);
      parent = it == by_id.end() ? std::nullopt : it->second->parent_id;
    }
    std::vector<const storage::SpanRow*> delays;
    for (const auto* x : simulated) {
      if (x->parent_id && path.count(*x->parent_id)) delays.push_back(x);
    }
    auto shift = [&](int64_t t) {
      int64_t moved = 0;
      for (const auto* x : delays) {
        if (*x->end_ns <= t) moved += *x->end_ns - x->start_ns;
      }
      return t - moved;
    };
    storage::SpanRow row = node.span;
    row.start_ns = shift(row.start_ns);
    if (row.end_ns) row.end_ns = shift(*row.end_ns);
    json attrs = node.attrs.is_object() ? node.attrs : json::object();
    for (const char* key : {"received_ns", "invoked_ns", "queued_ns", "handler_start_ns",
                            "handler_end_ns", "first_byte_ns"}) {
      if (auto it = attrs.find(key); it != attrs.end() && it->is_number_integer()) {
        *it = shift(it->get<int64_t>());
      }
    }
    row.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    rows.push_back(std::move(row));
  }
  return BuildTrace(trace.trace_id, std::move(rows));
}

namespace {

const char* OutcomeName(WorkOutcome outcome) {
  switch (outcome) {
    case WorkOutcome::kSucceeded:
      return "succeeded";
    case WorkOutcome::kFailed:
      return "failed";
    case WorkOutcome::kPending:
      return "pending";
  }
  return "pending";
}

json AssessmentToJson(const Trace& trace) {
  const Assessment& a = trace.assessment;
  json work = json::array();
  for (const auto& item : a.work) {
    work.push_back({{"span_id", trace.spans[item.span].span.id},
                    {"what", item.what},
                    {"outcome", OutcomeName(item.outcome)},
                    {"ran", item.ran},
                    {"detail", item.detail}});
  }
  return {{"root_succeeded", a.root_succeeded},
          {"root_problem", a.root_problem},
          {"replay", a.replay},
          {"work", work},
          {"ran", a.ran},
          {"succeeded", a.succeeded},
          {"failed", a.failed},
          {"pending", a.pending},
          {"assert_offloaded", a.refusals.empty()},
          {"refusals", a.refusals}};
}

}  // namespace

json TraceToJson(const Trace& trace) {
  json spans = json::array();
  for (const auto& node : trace.spans) {
    json span = {{"id", node.span.id},
                 {"kind", node.span.kind},
                 {"name", node.span.name},
                 {"parent_id", node.span.parent_id ? json(*node.span.parent_id) : json(nullptr)},
                 {"start_ns", node.span.start_ns},
                 {"end_ns", node.span.end_ns ? json(*node.span.end_ns) : json(nullptr)},
                 {"status", node.span.status},
                 {"depth", node.depth},
                 {"begin_ns", node.begin_ns},
                 {"attrs", node.attrs}};
    spans.push_back(std::move(span));
  }
  return {{"trace_id", trace.trace_id},
          {"quiescent", trace.quiescent},
          {"start_ns", trace.start_ns},
          {"end_ns", trace.end_ns},
          {"root",
           {{"name", trace.root_name},
            {"kind", trace.root_kind},
            {"duration_ns", trace.root_duration_ns},
            {"descendants", trace.descendants}}},
          {"end_to_end_ns", trace.end_to_end_ns},
          {"offloaded", trace.offloaded},
          {"margin_ns", trace.margin_ns},
          {"verdict", Verdict(trace)},
          {"outcome", AssessmentToJson(trace)},
          {"spans", spans}};
}

Trace TraceFromJson(const json& in) {
  std::vector<storage::SpanRow> rows;
  for (const auto& span : in.at("spans")) {
    storage::SpanRow row;
    row.id = span.at("id");
    row.kind = span.at("kind");
    row.name = span.at("name");
    if (!span.at("parent_id").is_null()) row.parent_id = span.at("parent_id");
    row.start_ns = span.at("start_ns");
    if (!span.at("end_ns").is_null()) row.end_ns = span.at("end_ns");
    row.status = span.at("status");
    row.attrs_json = span.at("attrs").dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    rows.push_back(std::move(row));
  }
  return BuildTrace(in.at("trace_id"), std::move(rows));
}

std::string Verdict(const Trace& trace) { return trace.assessment.text; }

}  // namespace offstage::telemetry
