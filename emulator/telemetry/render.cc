// Renderers of a Trace: a text waterfall for the terminal, Chrome Trace Event JSON (opens in
// Perfetto), and a self-contained HTML page with an SVG waterfall. Pure functions.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "emulator/common/json.h"
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
  if (node.kind == SpanKind::kInvocation) {
    if (a.contains("attempt")) out += "#" + std::to_string(a["attempt"].get<int>()) + " ";
    if (a.contains("cold")) out += a["cold"].get<bool>() ? "cold" : "warm";
    if (node.status != SpanStatus::kSuccess && node.status != SpanStatus::kRunning) {
      std::string status = s.status;
      for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += (out.empty() ? "" : " ") + status;
    }
    if (node.status == SpanStatus::kRunning)
      out += (out.empty() ? "" : " ") + std::string("running");
    if (a.contains("pending_work")) out += " PENDING-WORK";
    if (a.contains("cpu_starved")) out += " CPU-WAIT";
  } else if (node.kind == SpanKind::kEvent) {
    out = "async " + s.status;
  } else if (node.kind == SpanKind::kPublish) {
    out = "publish";
  } else if (node.kind == SpanKind::kSimulated) {
    out = "SIMULATED";
  } else {
    out = s.status;
  }
  // A fault offstage injected on purpose (offstage faults), never the code's own.
  if (a.contains("injected")) out += " INJECTED";
  return out;
}

int64_t InitNs(const TraceSpan& node) {
  auto it = node.attrs.find("init_ns");
  return it != node.attrs.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// "Error: boom" from an invocation's or an event's attrs, or "".
std::string ErrorText(const TraceSpan& node) {
  for (auto [type_key, message_key] :
       {std::pair{"error_type", "error_message"}, std::pair{"last_error", "last_error_message"}}) {
    std::string text;
    if (auto it = node.attrs.find(type_key); it != node.attrs.end() && it->is_string()) {
      text = it->get<std::string>();
    }
    if (auto it = node.attrs.find(message_key); it != node.attrs.end() && it->is_string()) {
      text += (text.empty() ? "" : ": ") + it->get<std::string>();
    }
    if (!text.empty()) return text;
  }
  if (auto it = node.attrs.find("reason"); it != node.attrs.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return "";
}

bool Failed(const TraceSpan& node) {
  switch (node.status) {
    case SpanStatus::kError:
    case SpanStatus::kTimeout:
    case SpanStatus::kCrash:
    case SpanStatus::kAborted:
    case SpanStatus::kFailed:
    case SpanStatus::kExpired:
    case SpanStatus::kNotEmulated:
      return true;
    case SpanStatus::kThrottled:
      return node.kind == SpanKind::kInvocation;
    default:
      return false;
  }
}

char BarChar(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInvocation:
      return '#';
    case SpanKind::kEvent:
      return '.';
    case SpanKind::kPublish:
      return '=';
    case SpanKind::kSimulated:
      return 's';
    default:
      return '-';
  }
}

const char* Color(const TraceSpan& node) {
  if (Failed(node)) return "\x1b[31m";
  if (node.attrs.contains("pending_work") || node.status == SpanStatus::kThrottled ||
      node.status == SpanStatus::kRetrying) {
    return "\x1b[33m";
  }
  if (node.kind == SpanKind::kInvocation) return "\x1b[32m";
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
    // Before an invocation's run: its caller's wait for an environment ('~') and the cold
    // start ('i'), from begin_ns (the root's included: its caller waited for both).
    const int64_t init_ns = InitNs(node);
    const int init_from = column(s.start_ns - init_ns);
    for (int c = column(node.begin_ns); c < init_from; ++c) bar[static_cast<size_t>(c)] = '~';
    for (int c = init_from; c < from; ++c) bar[static_cast<size_t>(c)] = 'i';
    for (int c = std::min(from, bar_width - 1); c < to; ++c)
      bar[static_cast<size_t>(c)] = BarChar(node.kind);
    // A streamed answer's first byte, inside the run.
    if (auto fb = node.attrs.find("first_byte_ns");
        fb != node.attrs.end() && fb->is_number_integer() && fb->get<int64_t>() >= s.start_ns &&
        fb->get<int64_t>() <= end) {
      bar[static_cast<size_t>(std::clamp(column(fb->get<int64_t>()), from, to - 1))] = '^';
    }
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

namespace {

// Chrome's complete events on one thread must nest like a call stack: two that overlap without
// one containing the other draw over each other. Each span (with its wait and init segments) goes
// on its parent's track when it fits there, else on the first track it fits, else on a new one,
// so a track is a causal chain as far as time allows.
class Tracks {
 public:
  struct Slice {
    int64_t begin;
    int64_t end;
  };
  // The track for `slices` (disjoint, in order) of span `owner`, preferring `preferred`. A slice
  // may lie on a track only where it is disjoint from what is there or inside a slice of one of
  // its own ancestors (`is_ancestor`): nesting in anything else would draw a causal link that
  // does not exist.
  template <typename IsAncestor>
  int Place(size_t owner, const std::vector<Slice>& slices, int preferred,
            const IsAncestor& is_ancestor) {
    auto fits = [&](const std::vector<Owned>& track) {
      for (const auto& have : track) {
        for (const auto& want : slices) {
          const bool disjoint = have.slice.end <= want.begin || want.end <= have.slice.begin;
          const bool inside = have.slice.begin <= want.begin && want.end <= have.slice.end;
          if (!disjoint && !(inside && is_ancestor(have.owner))) return false;
        }
      }
      return true;
    };
    int track = -1;
    if (preferred >= 0 && fits(tracks_[static_cast<size_t>(preferred)])) track = preferred;
    for (size_t t = 0; track < 0 && t < tracks_.size(); ++t) {
      if (fits(tracks_[t])) track = static_cast<int>(t);
    }
    if (track < 0) {
      tracks_.emplace_back();
      track = static_cast<int>(tracks_.size() - 1);
    }
    for (const auto& slice : slices) tracks_[static_cast<size_t>(track)].push_back({owner, slice});
    return track;
  }

 private:
  struct Owned {
    size_t owner;
    Slice slice;
  };
  std::vector<std::vector<Owned>> tracks_;
};

std::string TrackName(const TraceSpan& node) {
  if (node.kind == SpanKind::kInvocation && node.attrs.contains("attempt")) {
    return node.span.name + " #" +
           node.attrs["attempt"].dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  }
  return node.kind == SpanKind::kInvocation ? node.span.name
                                            : node.span.kind + " " + node.span.name;
}

}  // namespace

std::string RenderChrome(const Trace& trace) {
  json events = json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"args", {{"name", "offstage trace " + trace.trace_id}}}});
  // Whole microseconds from the trace's start, floored: what nests or touches in nanoseconds
  // still does after the conversion (a float division would round two touching pieces into an
  // overlap). The exact times are in args (start_ns, end_ns).
  auto us = [&](int64_t ns) { return (ns - trace.start_ns) / 1000; };
  Tracks tracks;
  std::vector<int> track_of(trace.spans.size(), -1);
  std::vector<std::string> track_names;
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < trace.spans.size(); ++i) index_of[trace.spans[i].span.id] = i;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    const TraceSpan& node = trace.spans[i];
    const auto& s = node.span;
    const int64_t end = std::max(s.end_ns.value_or(trace.end_ns), s.start_ns);
    const int64_t init_begin = s.start_ns - InitNs(node);
    // What the span draws: the wait for an environment, the cold start, the span itself.
    struct Piece {
      std::string name;
      std::string cat;
      int64_t begin;
      int64_t end;
    };
    std::vector<Piece> pieces;
    if (node.begin_ns < init_begin)
      pieces.push_back({"waiting", "wait", node.begin_ns, init_begin});
    if (init_begin < s.start_ns) pieces.push_back({"init", "init", init_begin, s.start_ns});
    pieces.push_back({s.name, s.kind, s.start_ns, end});
    std::vector<Tracks::Slice> slices;
    for (const auto& piece : pieces) slices.push_back({piece.begin, piece.end});
    int preferred = -1;
    if (s.parent_id) {
      if (auto it = index_of.find(*s.parent_id); it != index_of.end()) {
        preferred = track_of[it->second];
      }
    }
    const int track = tracks.Place(i, slices, preferred, [&](size_t other) {
      for (auto parent = s.parent_id; parent;) {
        auto it = index_of.find(*parent);
        if (it == index_of.end()) return false;
        if (it->second == other) return true;
        parent = trace.spans[it->second].span.parent_id;
      }
      return false;
    });
    track_of[i] = track;
    if (static_cast<size_t>(track) >= track_names.size()) track_names.push_back(TrackName(node));

    json args = node.attrs;
    args["id"] = s.id;
    args["status"] = s.status;
    args["start_ns"] = s.start_ns;
    if (s.end_ns) args["end_ns"] = *s.end_ns;
    if (s.parent_id) args["parent_id"] = *s.parent_id;
    if (const std::string error = ErrorText(node); !error.empty()) args["error"] = error;
    for (const auto& piece : pieces) {
      const bool main = &piece == &pieces.back();
      json event = {{"name", main ? piece.name : piece.name + " (" + s.name + ")"},
                    {"cat", piece.cat},
                    {"ph", "X"},
                    {"ts", us(piece.begin)},
                    {"dur", us(piece.end) - us(piece.begin)},
                    {"pid", 1},
                    {"tid", track + 1}};
      event["args"] = main ? args : json{{"id", s.id}};
      events.push_back(std::move(event));
    }
  }
  for (size_t t = 0; t < track_names.size(); ++t) {
    const int tid = static_cast<int>(t) + 1;
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", 1},
                      {"tid", tid},
                      {"args", {{"name", track_names[t]}}}});
    events.push_back({{"name", "thread_sort_index"},
                      {"ph", "M"},
                      {"pid", 1},
                      {"tid", tid},
                      {"args", {{"sort_index", tid}}}});
  }
  return json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump(-1, ' ', false,
                                                                       common::kReplaceInvalidUtf8);
}

namespace {

std::string Escape(const std::string& text) {
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
}

std::string Fill(const TraceSpan& node) {
  if (Failed(node)) return "#c94a4a";
  if (node.attrs.contains("pending_work")) return "#d9a21b";
  switch (node.kind) {
    case SpanKind::kInvocation:
      return "#3a9d5d";
    case SpanKind::kEvent:
      return "#c9d6e8";
    case SpanKind::kPublish:
      return "#5b7fc7";
    default:
      return "#9aa7b8";
  }
}

const char* const kInitFill = "#8e6bbf";
const char* const kWaitFill = "#e3dcef";

}  // namespace

std::string RenderHtmlFragment(const Trace& trace) {
  const int row = 24;
  const int label = 340;
  const int bars = 760;
  const int right = 110;
  const int width = label + bars + right;
  const int height = row * static_cast<int>(trace.spans.size()) + 40;
  const int64_t total = std::max<int64_t>(trace.end_ns - trace.start_ns, 1);
  auto x_of = [&](int64_t t) {
    return label + static_cast<double>(t - trace.start_ns) * bars / static_cast<double>(total);
  };
  auto rect = [](double x, int y, double w, const std::string& fill, const std::string& cls,
                 const std::string& title) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                  "fill=\"%s\">",
                  cls.c_str(), x, y, std::max(1.0, w), row - 8, fill.c_str());
    return std::string(buf) + "<title>" + title + "</title></rect>";
  };
  // The SVG scales to the window (viewBox, width 100%): no horizontal scrolling.
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height) +
                    "\" width=\"100%\" role=\"img\" aria-label=\"waterfall\" "
                    "font-family=\"monospace\" font-size=\"12\">";
  svg += "<text x=\"" + std::to_string(label) + "\" y=\"16\">0 ms</text><text x=\"" +
         std::to_string(label + bars) + "\" y=\"16\" text-anchor=\"end\">" + Ms(total) + "</text>";
  int y = 30;
  for (const auto& node : trace.spans) {
    const auto& s = node.span;
    const int64_t end = s.end_ns.value_or(trace.end_ns);
    std::string title = s.name + " (" + s.kind + ", " + s.status + ") " +
                        (s.end_ns ? Ms(*s.end_ns - s.start_ns) : "running");
    if (auto it = node.attrs.find("request_id"); it != node.attrs.end() && it->is_string()) {
      title += "\nrequest id " + it->get<std::string>();
    } else {
      title += "\nid " + s.id;
    }
    const int64_t init_ns = InitNs(node);
    if (init_ns > 0) title += "\ncold start (init) " + Ms(init_ns);
    if (const std::string error = ErrorText(node); !error.empty()) title += "\n" + error;
    title = Escape(title);
    svg += "<text x=\"" + std::to_string(8 + node.depth * 14) + "\" y=\"" + std::to_string(y + 14) +
           "\">" + Escape(s.name + "  " + Marker(node)) + "</text>";
    const int64_t init_begin = s.start_ns - init_ns;
    if (node.begin_ns < init_begin) {
      svg += rect(x_of(node.begin_ns), y + 3, x_of(init_begin) - x_of(node.begin_ns), kWaitFill,
                  "wait",
                  Escape(s.name + ": waiting for an execution environment " +
                         Ms(init_begin - node.begin_ns)));
    }
    if (init_ns > 0) {
      svg += rect(x_of(init_begin), y + 3, x_of(s.start_ns) - x_of(init_begin), kInitFill, "init",
                  Escape(s.name + ": cold start (init) " + Ms(init_ns)));
    }
    svg += rect(x_of(s.start_ns), y + 3, x_of(end) - x_of(s.start_ns), Fill(node), "span " + s.kind,
                title);
    svg += "<text x=\"" + std::to_string(width - 4) + "\" y=\"" + std::to_string(y + 14) +
           "\" text-anchor=\"end\">" + (s.end_ns ? Ms(*s.end_ns - s.start_ns) : "running") +
           "</text>";
    y += row;
  }
  svg += "</svg>";

  std::string legend = "<ul class=\"legend\">";
  for (auto [fill, text] :
       {std::pair<std::string, std::string>{"#3a9d5d", "invocation (the handler running)"},
        {kInitFill, "cold start (init)"},
        {kWaitFill, "waiting for an execution environment"},
        {"#c9d6e8", "asynchronous event (accepted to final outcome)"},
        {"#5b7fc7", "publish"},
        {"#9aa7b8", "delivery"},
        {"#d9a21b", "returned with work pending"},
        {"#c94a4a", "failed, timed out, crashed, throttled or not delivered"}}) {
    legend += "<li><span class=\"swatch\" style=\"background:" + fill + "\"></span> " +
              Escape(text) + "</li>";
  }
  legend += "</ul>";

  const Assessment& a = trace.assessment;
  std::string work;
  if (!a.work.empty()) {
    work = "<h2>Background work</h2><ul class=\"work\">";
    for (const auto& item : a.work) {
      const char* outcome = item.outcome == WorkOutcome::kSucceeded ? "succeeded"
                            : item.outcome == WorkOutcome::kFailed  ? "FAILED"
                                                                    : "pending";
      work += std::string("<li class=\"") +
              (item.outcome == WorkOutcome::kFailed ? "failed" : "ok") + "\">" + Escape(item.what) +
              ": " + outcome + (item.detail.empty() ? "" : " (" + Escape(item.detail) + ")") +
              "</li>";
    }
    work += "</ul>";
  }
  const bool good = a.refusals.empty();
  return "<p class=\"verdict " + std::string(good ? "good" : "bad") + "\"><strong>" +
         Escape(Verdict(trace)) + "</strong></p>" + legend + svg + work;
}

std::string RenderHtml(const Trace& trace) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>offstage trace " +
         Escape(trace.trace_id) +
         "</title><style>body{font-family:sans-serif;margin:24px}p{font-size:15px}"
         ".verdict.good{color:#1d6b36}.verdict.bad{color:#a12a2a}.legend{list-style:none;"
         "padding:0;display:flex;flex-wrap:wrap;gap:4px "
         "16px;font-size:13px}.swatch{display:inline-block;"
         "width:14px;height:10px}.work .failed{color:#a12a2a}svg rect.span:hover,svg "
         "rect.init:hover{stroke:#000}</style></head>"
         "<body><h1>offstage trace</h1><p><code>" +
         Escape(trace.trace_id) + "</code></p>" + RenderHtmlFragment(trace) + "</body></html>\n";
}

}  // namespace offstage::telemetry
