#include "emulator/telemetry/verdict.h"

#include <cstdio>
#include <functional>

#include "emulator/telemetry/trace.h"

namespace offstage::telemetry {
namespace {

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string Str(const nlohmann::json& attrs, const char* key) {
  auto it = attrs.find(key);
  return it != attrs.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int Int(const nlohmann::json& attrs, const char* key, int fallback) {
  auto it = attrs.find(key);
  return it != attrs.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

// "Error: worker broken", "Sandbox.Timedout", or "" when the span says nothing of an error.
std::string ErrorOf(const nlohmann::json& attrs, const char* type_key, const char* message_key) {
  const std::string type = Str(attrs, type_key);
  const std::string message = Str(attrs, message_key);
  if (type.empty()) return message;
  if (message.empty()) return type;
  return type + ": " + message;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// The root's own outcome: "" when it succeeded.
std::string RootProblem(const TraceSpan& root) {
  const auto& s = root.span;
  if (root.kind == SpanKind::kInvocation) {
    if (root.status == SpanStatus::kSuccess || root.status == SpanStatus::kRunning) return "";
    const std::string error = ErrorOf(root.attrs, "error_type", "error_message");
    return Upper(s.status) + (error.empty() ? "" : " (" + error + ")");
  }
  if (root.kind == SpanKind::kDelivery &&
      (root.status == SpanStatus::kFailed || root.status == SpanStatus::kNotEmulated)) {
    return Upper(s.status) + " (" + Str(root.attrs, "reason") + ")";
  }
  return "";
}

class Judge {
 public:
  explicit Judge(const Trace& trace) : trace_(trace) {}

  // The work below span i. An event's attempts are summed up by the event itself; what they
  // caused in turn is work of its own.
  void Walk(size_t i) {
    const bool event = At(i).kind == SpanKind::kEvent;
    for (size_t child : At(i).children) {
      if (event && At(child).kind == SpanKind::kInvocation) {
        Walk(child);
      } else {
        Visit(child);
      }
    }
  }

  std::vector<WorkItem> items;

  void Visit(size_t i) {
    const TraceSpan& node = At(i);
    const auto& s = node.span;
    if (node.kind == SpanKind::kEvent) {
      Event(i);
      Walk(i);
      return;
    }
    if (node.kind == SpanKind::kInvocation) {
      WorkItem item{i, s.name, WorkOutcome::kPending, true, ""};
      if (node.status == SpanStatus::kSuccess) {
        item.outcome = WorkOutcome::kSucceeded;
      } else if (node.status != SpanStatus::kRunning) {
        item.outcome = WorkOutcome::kFailed;
        item.ran = node.status != SpanStatus::kThrottled;
        const std::string error = ErrorOf(node.attrs, "error_type", "error_message");
        item.detail = Upper(s.status) + (error.empty() ? "" : ", " + error);
      }
      items.push_back(std::move(item));
    } else if (node.kind == SpanKind::kDelivery) {
      Delivery(i);
    } else if (node.kind == SpanKind::kPublish) {
      Publish(i);
    }
    Walk(i);
  }

 private:
  const TraceSpan& At(size_t i) const { return trace_.spans[i]; }

  void Event(size_t i) {
    const TraceSpan& node = At(i);
    const auto& s = node.span;
    WorkItem item{i, s.name, WorkOutcome::kPending, false, ""};
    const int attempts = Int(node.attrs, "attempts", 0);
    for (size_t child : node.children) {
      const TraceSpan& c = At(child);
      if (c.kind == SpanKind::kInvocation && c.status != SpanStatus::kThrottled) item.ran = true;
    }
    item.ran = item.ran || attempts > 0;
    if (node.status == SpanStatus::kSucceeded) {
      item.outcome = WorkOutcome::kSucceeded;
      item.ran = true;  // an event succeeds only by running
    } else if (node.status == SpanStatus::kFailed || node.status == SpanStatus::kExpired) {
      item.outcome = WorkOutcome::kFailed;
      const int allowed = Int(node.attrs, "max_attempts", 0);
      std::string detail = node.status == SpanStatus::kExpired ? "expired, " : "";
      detail += std::to_string(attempts) +
                (allowed > 0 ? " of " + std::to_string(allowed) + " attempts"
                             : std::string(attempts == 1 ? " attempt" : " attempts"));
      std::string error = ErrorOf(node.attrs, "last_error", "last_error_message");
      if (error.empty()) {
        // The last attempt's own account.
        for (size_t child : node.children) {
          if (At(child).kind == SpanKind::kInvocation && At(child).status != SpanStatus::kSuccess) {
            error = ErrorOf(At(child).attrs, "error_type", "error_message");
          }
        }
      }
      if (!error.empty()) detail += ", " + error;
      const std::string disposition = Str(node.attrs, "disposition");
      const size_t semicolon = disposition.find("; ");
      if (semicolon != std::string::npos) detail += " (" + disposition.substr(semicolon + 2) + ")";
      item.detail = std::move(detail);
    }
    items.push_back(std::move(item));
  }

  void Delivery(size_t i) {
    const TraceSpan& node = At(i);
    const auto& s = node.span;
    const std::string protocol = Str(node.attrs, "protocol");
    if (node.status == SpanStatus::kFiltered || node.status == SpanStatus::kInvoked) {
      return;  // the event is the work
    }
    WorkItem item{i, s.name, WorkOutcome::kPending, false, ""};
    if (node.status == SpanStatus::kDelivered) {
      item.outcome = WorkOutcome::kSucceeded;
      item.ran = true;
    } else if (node.status == SpanStatus::kFailed) {
      item.outcome = WorkOutcome::kFailed;
      item.ran = protocol == "http" || protocol == "https";
      item.detail = Str(node.attrs, "reason");
    } else if (node.status == SpanStatus::kNotEmulated) {
      item.outcome = WorkOutcome::kFailed;
      item.detail = "not delivered: " + protocol + " delivery is not emulated by offstage";
    }
    items.push_back(std::move(item));
  }

  // A message that reached no subscription is work handed to nobody.
  void Publish(size_t i) {
    const TraceSpan& node = At(i);
    int filtered = 0;
    int deliveries = 0;
    for (size_t child : node.children) {
      if (At(child).kind != SpanKind::kDelivery) continue;
      ++deliveries;
      if (At(child).status == SpanStatus::kFiltered) ++filtered;
    }
    if (deliveries > filtered) return;
    WorkItem item{i, "topic " + node.span.name, WorkOutcome::kFailed, false, ""};
    item.detail = deliveries == 0 ? "the message reached no subscription (the topic had none)"
                                  : "the message matched no subscription (" +
                                        std::to_string(filtered) + " filtered out)";
    items.push_back(std::move(item));
  }

  const Trace& trace_;
};

std::string Describe(const WorkItem& item) {
  return item.detail.empty() ? item.what : item.what + ", " + item.detail;
}

}  // namespace

Assessment Assess(const Trace& trace) {
  Assessment out;
  if (trace.spans.empty()) {
    out.text = "the trace has no spans";
    out.refusals = out.timing_refusals = {"the trace has no spans"};
    return out;
  }
  const TraceSpan& root = trace.spans.front();
  const std::string& name = trace.root_name;
  out.replay = root.kind == SpanKind::kReplay;
  out.root_problem = RootProblem(root);
  out.root_succeeded = out.root_problem.empty();

  Judge judge(trace);
  if (root.kind == SpanKind::kEvent) {
    // An Event invoke's caller had its 202 at acceptance: the event itself is the work.
    judge.Visit(0);
  } else {
    judge.Walk(0);
  }
  out.work = std::move(judge.items);
  std::vector<std::string> failures;
  for (const auto& item : out.work) {
    if (item.ran) ++out.ran;
    switch (item.outcome) {
      case WorkOutcome::kSucceeded:
        ++out.succeeded;
        break;
      case WorkOutcome::kFailed:
        ++out.failed;
        failures.push_back(Describe(item));
        break;
      case WorkOutcome::kPending:
        ++out.pending;
        break;
    }
  }

  if (!trace.quiescent) {
    out.text = name + ": work is still queued or running";
    const std::string refusal = trace.trace_id + " is still running (use --wait)";
    out.refusals = out.timing_refusals = {refusal};
    return out;
  }

  // The refusals of --assert-offloaded, in the order a reader needs them.
  if (!out.replay && !out.root_succeeded) {
    out.refusals.push_back(name + " itself failed: " + out.root_problem);
  }
  const bool accepted_event = root.kind == SpanKind::kEvent;
  if (trace.descendants == 0 && !accepted_event) {
    out.refusals.push_back(name + " started no other work");
    out.timing_refusals.push_back(name + " started no other work");
  } else if (out.ran == 0) {
    out.refusals.push_back("no background work ran");
  }
  for (const auto& failure : failures) out.refusals.push_back("background work failed: " + failure);
  if (!out.replay && (trace.descendants > 0 || accepted_event) && !trace.offloaded) {
    const std::string late = name + " did not return before the work it started finished (" +
                             Ms(trace.root_duration_ns) + " of " + Ms(trace.end_to_end_ns) + ")";
    // When nothing ran, "no background work ran" says it all.
    if (out.ran > 0) out.refusals.push_back(late);
    out.timing_refusals.push_back(late);
  }

  // The one-line verdict.
  std::string text;
  if (!out.replay && !out.root_succeeded) text = name + " FAILED: " + out.root_problem + "; ";
  if (!failures.empty()) {
    text += "background work FAILED: ";
    for (size_t i = 0; i < failures.size(); ++i) text += (i ? "; " : "") + failures[i];
    text += ". ";
  }
  if (out.replay) {
    if (trace.descendants == 0) {
      text += name + " sent nothing";
    } else {
      text += name + ": " + std::to_string(out.succeeded) + " of " +
              std::to_string(out.work.size()) +
              " piece(s) of background work succeeded, the last " + Ms(trace.end_to_end_ns) +
              " after the replay";
    }
  } else if (accepted_event && trace.offloaded) {
    text += "the asynchronous invocation of " + name + " was accepted " + Ms(trace.margin_ns) +
            " before its work " + (failures.empty() ? "finished" : "ended");
  } else if (trace.descendants == 0 && !accepted_event) {
    text += name + " started no other work (" + Ms(trace.root_duration_ns) + ")";
  } else if (out.ran == 0) {
    text += name + " started no background work that ran (" + Ms(trace.root_duration_ns) + ")";
  } else if (trace.offloaded) {
    text += name + " returned " + Ms(trace.margin_ns) + " before the background work " +
            (failures.empty() ? "finished" : "ended") + " (critical path " +
            Ms(trace.root_duration_ns) + " of " + Ms(trace.end_to_end_ns) + ")";
  } else {
    text += name + " did not return before the work it started finished (" +
            Ms(trace.root_duration_ns) + " of " + Ms(trace.end_to_end_ns) + ")";
  }
  out.text = std::move(text);
  return out;
}

}  // namespace offstage::telemetry
