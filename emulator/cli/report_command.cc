// `offstage report` (report_command.h).
#include "emulator/cli/report_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::cli {

void ReportCommand::Register(CLI::App& app) {
  command_ = app.add_subcommand(
      "report", "The recent traces' figures as JSON Lines (one trace per line), oldest first");
  command_->add_option("--since", since_, "Traces that started this long ago or later")
      ->capture_default_str()
      ->check([](const std::string& text) {
        return common::ParseDurationNs(text) ? std::string()
                                             : "'" + text + "' is not a duration like 5m, 30s";
      });
  command_->add_option("--limit", limit_, "At most this many traces (the newest)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  AddClientOptions(*command_, client_, {"json"});
}

int ReportCommand::Run() {
  const auto since_ns = SinceNs(since_);
  DaemonClient client(client_);
  auto result =
      client.Get("/_offstage/traces", {{"figures", "1"}, {"limit", std::to_string(limit_)}});
  if (result.status == 0) {
    client.ReportUnreachable(result);
    return 2;
  }
  const nlohmann::json out = nlohmann::json::parse(result.body, nullptr, false);
  if (result.status != 200 || !out.is_object() || !out.contains("traces") ||
      !out["traces"].is_array()) {
    std::cerr << "offstage report: the daemon answered " << result.status << ": " << result.body
              << "\n";
    return 2;
  }
  const auto& traces = out["traces"];
  // Newest first from the daemon; a report reads in time order.
  for (auto it = traces.rbegin(); it != traces.rend(); ++it) {
    if (since_ns && it->value("start_ns", int64_t{0}) < *since_ns) continue;
    nlohmann::json line = *it;
    line.erase("names");
    std::cout << line.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  }
  return 0;
}

}  // namespace offstage::cli
