// Renderers of a Trace: a text waterfall for the terminal, Chrome Trace Event JSON (opens in
// Perfetto), and a self-contained HTML page with an SVG waterfall. Pure functions.
#include <algorithm>
#include <cstdio>
#include <string>

#include "emulator/common/strings.h"
#include "emulator/telemetry/trace.h"

namespace offstage::telemetry {
namespace {

using nlohmann::json;

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string Marker(const TraceSpan& node) {
  const auto& s = node.span;
  const auto& a = node.attrs;
  std::string out;
  if (s.kind == "invocation") {
    if (a.contains("attempt")) out += "#" + std::to_string(a["attempt"].get<int>()) + " ";
    if (a.contains("cold")) out += a["cold"].get<bool>() ? "cold" : "warm";
    if (s.status != "success" && s.status != "running") {
      std::string status = s.status;
      for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += (out.empty() ? "" : " ") + status;
    }
    if (s.status == "running") out += (out.empty() ? "" : " ") + std::string("running");
    if (a.contains("pending_work")) out += " PENDING-WORK";
  } else if (s.kind == "event") {
    out = "async " + s.status;
  } else if (s.kind == "publish") {
    out = "publish";
  } else {
    out = s.status;
  }
  return out;
}

char BarChar(const std::string& kind) {
  if (kind == "invocation") return '#';
  if (kind == "event") return '.';
  if (kind == "publish") return '=';
  return '-';
}

const char* Color(const TraceSpan& node) {
  const std::string& status = node.span.status;
  if (status == "error" || status == "timeout" || status == "crash" || status == "failed" ||
      status == "expired") {
    return "\x1b[31m";
  }
  if (node.attrs.contains("pending_work") || status == "throttled" || status == "retrying") {
    return "\x1b[33m";
  }
  if (node.span.kind == "invocation") return "\x1b[32m";
  return "\x1b[36m";
}

std::string Fit(std::string text, size_t width) {
  if (text.size() > width) {
    text.resize(width > 2 ? width - 2 : width);
    if (width > 2) text += "..";
  }
  text.resize(width, ' ');
  return text;
}

}  // namespace

std::string RenderText(const Trace& trace, const RenderOptions& options) {
  const int width = std::max(options.width, 60);
  const int label_width = std::clamp(width * 2 / 5, 28, 56);
  const int duration_width = 11;
  const int bar_width = width - label_width - 2 - 1 - duration_width;
  const int64_t t0 = trace.start_ns;
  const int64_t total = std::max<int64_t>(trace.end_ns - t0, 1);
  auto column = [&](int64_t t) {
    const int64_t c = (t - t0) * bar_width / total;
    return static_cast<int>(std::clamp<int64_t>(c, 0, bar_width));
  };

  std::string out;
  out += Fit("trace " + trace.trace_id, static_cast<size_t>(width - 16)) + " " +
         Fit("total " + Ms(trace.end_ns - t0), 15) + "\n";
  // Time axis: 0, the middle and the end.
  std::string axis(static_cast<size_t>(bar_width), ' ');
  const std::string left = "0 ms";
  const std::string middle = Ms(total / 2);
  const std::string right = Ms(total);
  axis.replace(0, left.size(), left);
  const int mid = bar_width / 2 - static_cast<int>(middle.size()) / 2;
  if (mid > static_cast<int>(left.size()) + 1)
    axis.replace(static_cast<size_t>(mid), middle.size(), middle);
  if (bar_width > static_cast<int>(right.size())) {
    axis.replace(static_cast<size_t>(bar_width) - right.size(), right.size(), right);
  }
  out += std::string(static_cast<size_t>(label_width) + 1, ' ') + axis + "\n";

  for (const auto& node : trace.spans) {
    const auto& s = node.span;
    // The marker (cold, #2, ERROR, PENDING-WORK...) matters more than the whole name: when
    // both do not fit, the name is shortened.
    std::string label = std::string(static_cast<size_t>(node.depth) * 2, ' ') + s.name;
    const std::string marker = Marker(node);
    if (!marker.empty()) {
      const size_t room = static_cast<size_t>(label_width);
      if (label.size() + 2 + marker.size() > room && room > marker.size() + 8) {
        label = Fit(label, room - 2 - marker.size());
        while (!label.empty() && label.back() == ' ') label.pop_back();
      }
      label += "  " + marker;
    }
    std::string bar(static_cast<size_t>(bar_width), ' ');
    const int64_t end = s.end_ns.value_or(trace.end_ns);
    const int from = column(s.start_ns);
    int to = std::max(column(end), from + 1);
    to = std::min(to, bar_width);
    if (node.attrs.contains("init_ns")) {
      const int init_from = column(s.start_ns - node.attrs["init_ns"].get<int64_t>());
      for (int c = init_from; c < from; ++c) bar[static_cast<size_t>(c)] = 'i';
    }
    for (int c = std::min(from, bar_width - 1); c < to; ++c)
      bar[static_cast<size_t>(c)] = BarChar(s.kind);
    if (!s.end_ns) bar[static_cast<size_t>(bar_width - 1)] = '>';
    std::string duration = s.end_ns ? Ms(*s.end_ns - s.start_ns) : "running";
    duration =
        std::string(
            static_cast<size_t>(std::max(0, duration_width - static_cast<int>(duration.size()))),
            ' ') +
        duration;
    if (options.color) {
      out += Fit(label, static_cast<size_t>(label_width)) + "|" + Color(node) + bar + "\x1b[0m|" +
             duration + "\n";
    } else {
      out += Fit(label, static_cast<size_t>(label_width)) + "|" + bar + "|" + duration + "\n";
    }
  }
  // The verdict, wrapped at the width.
  std::string line;
  const std::string verdict = Verdict(trace);
  for (std::string_view word : common::Split(verdict, ' ')) {
    if (!line.empty() && static_cast<int>(line.size() + 1 + word.size()) > width) {
      out += line + "\n";
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  out += line + "\n";
  return out;
}

std::string RenderChrome(const Trace& trace) {
  json events = json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"args", {{"name", "offstage trace " + trace.trace_id}}}});
  for (const auto& node : trace.spans) {
    const auto& s = node.span;
    const int64_t end = s.end_ns.value_or(trace.end_ns);
    json args = node.attrs;
    args["id"] = s.id;
    args["status"] = s.status;
    if (s.parent_id) args["parent_id"] = *s.parent_id;
    events.push_back({{"name", s.name},
                      {"cat", s.kind},
                      {"ph", "X"},
                      {"ts", static_cast<double>(s.start_ns - trace.start_ns) / 1e3},
                      {"dur", static_cast<double>(std::max<int64_t>(end - s.start_ns, 0)) / 1e3},
                      {"pid", 1},
                      {"tid", node.depth + 1},
                      {"args", args}});
  }
  return json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump();
}

std::string RenderHtml(const Trace& trace) {
  auto escape = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      switch (c) {
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '&':
          out += "&amp;";
          break;
        case '"':
          out += "&quot;";
          break;
        default:
          out.push_back(c);
      }
    }
    return out;
  };
  const int row = 24;
  const int label = 320;
  const int bars = 760;
  const int height = row * static_cast<int>(trace.spans.size()) + 60;
  const int64_t total = std::max<int64_t>(trace.end_ns - trace.start_ns, 1);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(label + bars + 120) + "\" height=\"" + std::to_string(height) +
                    "\" font-family=\"monospace\" font-size=\"12\">";
  svg += "<text x=\"" + std::to_string(label) + "\" y=\"16\">0 ms</text><text x=\"" +
         std::to_string(label + bars - 60) + "\" y=\"16\">" + Ms(total) + "</text>";
  int y = 30;
  for (const auto& node : trace.spans) {
    const auto& s = node.span;
    const int64_t end = s.end_ns.value_or(trace.end_ns);
    const double x = label + static_cast<double>(s.start_ns - trace.start_ns) * bars / total;
    const double w = std::max(1.0, static_cast<double>(end - s.start_ns) * bars / total);
    std::string fill = s.kind == "invocation" ? "#3a9d5d"
                       : s.kind == "event"    ? "#c9d6e8"
                       : s.kind == "publish"  ? "#5b7fc7"
                                              : "#9aa7b8";
    if (s.status == "error" || s.status == "timeout" || s.status == "crash" ||
        s.status == "failed") {
      fill = "#c94a4a";
    }
    if (node.attrs.contains("pending_work")) fill = "#d9a21b";
    const std::string title = escape(s.name + " (" + s.kind + ", " + s.status + ") " +
                                     (s.end_ns ? Ms(*s.end_ns - s.start_ns) : "running"));
    svg += "<text x=\"" + std::to_string(8 + node.depth * 14) + "\" y=\"" + std::to_string(y + 14) +
           "\">" + escape(s.name + "  " + Marker(node)) + "</text>";
    char rect[256];
    std::snprintf(rect, sizeof rect,
                  "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">", x, y + 3,
                  w, row - 8, fill.c_str());
    svg += rect;
    svg += "<title>" + title + "</title></rect>";
    svg += "<text x=\"" + std::to_string(label + bars + 8) + "\" y=\"" + std::to_string(y + 14) +
           "\">" + (s.end_ns ? Ms(*s.end_ns - s.start_ns) : "running") + "</text>";
    y += row;
  }
  svg += "</svg>";
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>offstage trace " +
         escape(trace.trace_id) +
         "</title><style>body{font-family:sans-serif;margin:24px}p{font-size:15px}</style></head>"
         "<body><h1>offstage trace</h1><p><code>" +
         escape(trace.trace_id) + "</code></p><p><strong>" + escape(Verdict(trace)) +
         "</strong></p>" + svg + "</body></html>\n";
}

}  // namespace offstage::telemetry
