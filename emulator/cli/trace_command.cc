#include "emulator/cli/trace_command.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/telemetry/trace.h"

namespace offstage::cli {
namespace {

using nlohmann::json;

int TerminalWidth() {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  if (const char* columns = std::getenv("COLUMNS")) {
    const int value = std::atoi(columns);
    if (value > 0) return value;
  }
  return 100;
}

}  // namespace

void TraceCommand::Register(CLI::App& app) {
  command_ = app.add_subcommand("trace", "Show a trace: the waterfall of what a request caused");
  command_->add_option("TRACE_ID", trace_id_, "Trace id (default: the most recent trace)");
  command_->add_flag("--last", last_, "The most recent trace");
  command_->add_option("--request-id", request_id_,
                       "The trace of this invocation (a Lambda request id)");
  command_->add_flag("--wait", wait_,
                     "Wait until nothing in the trace is queued, running or awaiting a retry");
  command_->add_option("--timeout", timeout_seconds_, "Seconds --wait may take")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command_->add_option("--output", output_, "Write to this file instead of standard output");
  command_->add_option("--width", width_, "Width of the text waterfall (default: the terminal's)")
      ->check(CLI::Range(60, 1000));
  command_->add_flag("--assert-offloaded", assert_offloaded_,
                     "Exit 1 unless the root succeeded, background work ran, every piece of it "
                     "succeeded, and the root returned before it finished (docs/tracing.md)");
  command_->add_flag("--allow-failures", allow_failures_,
                     "With --assert-offloaded: check timing only (the root returned before the "
                     "work it caused ended), whatever the work's outcome");
  command_
      ->add_option("--assert-max-critical-path", max_critical_path_,
                   "Exit 1 unless the root's critical path (what its caller waited, cold "
                   "start and queueing included) is at most this long, e.g. 50ms")
      ->check([](const std::string& text) {
        return common::ParseDurationNs(text) ? std::string()
                                             : "'" + text + "' is not a duration like 50ms, 2s";
      });
  command_->add_flag("--assert-eventually-succeeded", eventually_succeeded_,
                     "Exit 1 unless the root and every piece of background work it caused ended "
                     "succeeded (after their retries: injected faults recovered), nothing still "
                     "pending");
  command_->add_flag("--without-simulated", without_simulated_,
                     "Read the trace as if serve --latency had added nothing: its simulated "
                     "delays removed from the causal path (the figures and the assertions too)");
  AddClientOptions(*command_, client_, {"text", "json", "chrome", "html"});
}

int TraceCommand::Run() {
  DaemonClient client(client_);
  auto get_json = [&](const std::string& path, const std::map<std::string, std::string>& query,
                      json& out) -> int {
    auto result = client.Get(path, query);
    if (result.status == 0) {
      client.ReportUnreachable(result);
      return 2;
    }
    out = json::parse(result.body, nullptr, false);
    if (result.status == 404) {
      std::cerr << "offstage trace: "
                << (out.is_object() && out.contains("error") ? out["error"].get<std::string>()
                                                             : "not found")
                << "\n";
      return 2;
    }
    if (result.status != 200 || !out.is_object()) {
      std::cerr << "offstage trace: the daemon answered " << result.status << ": " << result.body
                << "\n";
      return 2;
    }
    return 0;
  };

  std::string trace_id = trace_id_;
  if (!request_id_.empty()) {
    json invocation;
    if (int code = get_json("/_offstage/invocations/" + request_id_, {}, invocation); code != 0) {
      return code;
    }
    trace_id = invocation["trace_id"].get<std::string>();
  } else if (trace_id.empty() || last_) {
    json traces;
    if (int code = get_json("/_offstage/traces", {{"limit", "1"}}, traces); code != 0) return code;
    if (traces["traces"].empty()) {
      std::cerr << "offstage trace: no trace has been recorded yet\n";
      return 2;
    }
    trace_id = traces["traces"][0]["trace_id"].get<std::string>();
  }

  // A daemon that lost background writes (spans, logs, delivery states nobody waited for) may
  // have lost some of this trace's: say so, and let no assertion pass on it. Asked once the
  // trace is read, or when --wait gives up (a trace whose end was among the lost writes never
  // becomes quiescent).
  std::string lost_writes;
  auto check_lost_writes = [&] {
    json health;
    if (get_json("/_offstage/health", {}, health) != 0) return;
    if (health.value("lost_writes", uint64_t{0}) == 0) return;
    lost_writes = "the daemon lost " + std::to_string(health["lost_writes"].get<uint64_t>()) +
                  " background writes (first: " + health.value("first_lost_write_error", "") +
                  "; see its log), so this trace may be missing parts";
    std::cerr << "offstage trace: warning: " << lost_writes << "\n";
  };

  json body;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds_);
  int quiet_polls = 0;
  while (true) {
    if (int code = get_json("/_offstage/traces/" + trace_id, {}, body); code != 0) return code;
    if (!wait_) break;
    // Quiescent twice in a row, 100 ms apart: spans are recorded asynchronously.
    quiet_polls = body["quiescent"].get<bool>() ? quiet_polls + 1 : 0;
    if (quiet_polls >= 2) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "offstage trace: " << trace_id << " was still busy after " << timeout_seconds_
                << " s (--timeout)\n";
      check_lost_writes();
      if (assert_offloaded_ && !lost_writes.empty()) {
        std::cerr << "offstage trace: not offloaded: " << lost_writes << "\n";
      }
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  check_lost_writes();
  const telemetry::Trace trace = without_simulated_
                                     ? telemetry::WithoutSimulated(telemetry::TraceFromJson(body))
                                     : telemetry::TraceFromJson(body);

  std::string rendered;
  const std::string& format = client_.format;
  if (format == "json") {
    rendered = (without_simulated_ ? telemetry::TraceToJson(trace) : body)
                   .dump(2, ' ', false, common::kReplaceInvalidUtf8) +
               "\n";
  } else if (format == "chrome") {
    rendered = telemetry::RenderChrome(trace) + "\n";
  } else if (format == "html") {
    rendered = telemetry::RenderHtml(trace);
  } else {
    telemetry::RenderOptions options;
    options.width = width_ > 0 ? width_ : TerminalWidth();
    options.color = output_.empty() && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    rendered = telemetry::RenderText(trace, options);
  }
  if (output_.empty()) {
    std::cout << rendered;
  } else {
    std::ofstream file(output_, std::ios::binary | std::ios::trunc);
    file << rendered;
    if (!file) {
      std::cerr << "offstage trace: cannot write " << output_ << "\n";
      return 2;
    }
  }

  int exit_code = 0;
  if (!max_critical_path_.empty()) {
    const int64_t limit = *common::ParseDurationNs(max_critical_path_);
    if (trace.spans.empty() || !trace.spans.front().span.end_ns) {
      std::cerr << "offstage trace: the root has not finished: its critical path is not known "
                   "yet (use --wait)\n";
      exit_code = 1;
    } else if (trace.root_duration_ns > limit) {
      char text[160];
      std::snprintf(text, sizeof text, "critical path %.1f ms is longer than %s",
                    static_cast<double>(trace.root_duration_ns) / 1e6, max_critical_path_.c_str());
      std::cerr << "offstage trace: " << text << "\n";
      exit_code = 1;
    }
  }
  if (eventually_succeeded_) {
    const telemetry::Assessment& a = trace.assessment;
    std::vector<std::string> refusals;
    if (!trace.quiescent) refusals.push_back("the trace is still busy (use --wait)");
    if (!a.root_succeeded)
      refusals.push_back(trace.root_name + " did not succeed: " + a.root_problem);
    for (const telemetry::WorkItem& item : a.work) {
      if (item.outcome == telemetry::WorkOutcome::kFailed) {
        refusals.push_back(item.what + " failed: " + item.detail);
      } else if (item.outcome == telemetry::WorkOutcome::kPending) {
        refusals.push_back(item.what + " has not finished");
      }
    }
    if (!lost_writes.empty()) refusals.push_back(lost_writes);
    for (const auto& reason : refusals) {
      std::cerr << "offstage trace: not eventually succeeded: " << reason << "\n";
    }
    if (!refusals.empty()) exit_code = 1;
  }
  if (assert_offloaded_) {
    // Each reason on a line of its own: a CI log shows every one.
    auto refusals = allow_failures_ ? trace.assessment.timing_refusals : trace.assessment.refusals;
    if (!lost_writes.empty()) refusals.push_back(lost_writes);
    for (const auto& reason : refusals) {
      std::cerr << "offstage trace: not offloaded: " << reason << "\n";
    }
    if (!refusals.empty()) exit_code = 1;
  }
  return exit_code;
}

}  // namespace offstage::cli
