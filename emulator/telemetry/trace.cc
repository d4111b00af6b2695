#include "emulator/telemetry/trace.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>

namespace offstage::telemetry {
namespace {

using nlohmann::json;

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  return buf;
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
    node.attrs = json::parse(rows[i].attrs_json, nullptr, false);
    if (!node.attrs.is_object()) node.attrs = json::object();
    node.depth = depth;
    order_of[i] = trace.spans.size();
    trace.spans.push_back(std::move(node));
    for (size_t child : children[i]) visit(child, depth + 1);
  };
  for (size_t root : roots) visit(root, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t child : children[i]) trace.spans[order_of[i]].children.push_back(order_of[child]);
  }

  if (trace.spans.empty()) return trace;
  trace.start_ns = trace.spans.front().span.start_ns;
  for (const auto& node : trace.spans) {
    trace.start_ns = std::min(trace.start_ns, node.span.start_ns);
    if (!node.span.end_ns) {
      trace.quiescent = false;
    } else {
      trace.end_ns = std::max(trace.end_ns, *node.span.end_ns);
    }
  }
  const TraceSpan& root = trace.spans.front();
  trace.root_name = root.span.name;
  trace.root_kind = root.span.kind;
  const int64_t root_end = root.span.end_ns.value_or(trace.end_ns);
  trace.root_duration_ns = root_end - root.span.start_ns;
  int64_t last_end = root_end;
  std::function<void(size_t)> walk = [&](size_t i) {
    for (size_t child : trace.spans[i].children) {
      ++trace.descendants;
      last_end = std::max(last_end, trace.spans[child].span.end_ns.value_or(trace.end_ns));
      walk(child);
    }
  };
  walk(0);
  trace.end_to_end_ns = last_end - root.span.start_ns;
  trace.offloaded = trace.descendants > 0 && root.span.end_ns && last_end > root_end;
  trace.margin_ns = trace.offloaded ? last_end - root_end : 0;
  return trace;
}

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
    row.attrs_json = span.at("attrs").dump();
    rows.push_back(std::move(row));
  }
  return BuildTrace(in.at("trace_id"), std::move(rows));
}

std::string Verdict(const Trace& trace) {
  if (trace.spans.empty()) return "the trace has no spans";
  if (!trace.quiescent) return trace.root_name + ": work is still queued or running";
  if (trace.descendants == 0) {
    return trace.root_name + " started no other work (" + Ms(trace.root_duration_ns) + ")";
  }
  if (trace.offloaded) {
    return trace.root_name + " returned " + Ms(trace.margin_ns) +
           " before the background work finished (critical path " + Ms(trace.root_duration_ns) +
           " of " + Ms(trace.end_to_end_ns) + ")";
  }
  return trace.root_name + " did not return before the work it started finished (" +
         Ms(trace.root_duration_ns) + " of " + Ms(trace.end_to_end_ns) + ")";
}

}  // namespace offstage::telemetry
