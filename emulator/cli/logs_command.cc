#include "emulator/cli/logs_command.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/common/json.h"

namespace offstage::cli {

void LogsCommand::Register(CLI::App& app) {
  command_ = app.add_subcommand("logs", "Print a function's log lines from a running daemon");
  command_->add_option("FUNCTION", function_, "Function name")->required();
  command_->add_flag("-f,--follow", follow_, "Keep printing new lines as they arrive");
  command_->add_option("--since", since_, "Only lines newer than this (e.g. 30s, 10m, 2h, 1d)");
  AddClientOptions(*command_, client_);
}

int LogsCommand::Run() {
  DaemonClient client(client_);
  int64_t since_ns = 0;
  if (!since_.empty()) {
    auto since = SinceNs(since_);
    if (!since) {
      std::cerr << "offstage logs: --since takes a duration such as 30s, 10m, 2h or 1d, not '"
                << since_ << "'\n";
      return 2;
    }
    since_ns = *since;
  }
  int64_t after = 0;
  while (true) {
    auto result = client.Get("/_offstage/logs", {{"function", function_},
                                                 {"since_ns", std::to_string(since_ns)},
                                                 {"after", std::to_string(after)}});
    if (result.status == 0) {
      client.ReportUnreachable(result);
      return 2;
    }
    auto body = nlohmann::json::parse(result.body, nullptr, false);
    if (result.status != 200 || !body.is_object()) {
      // 404: no function of that name (and no stored line under it).
      if (body.is_object() && body.contains("error") && body["error"].is_string()) {
        std::cerr << "offstage logs: " << body["error"].get<std::string>() << "\n";
      } else {
        std::cerr << "offstage logs: the daemon answered " << result.status << ": " << result.body
                  << "\n";
      }
      return 2;
    }
    for (const auto& line : body["lines"]) {
      if (client_.format == "json") {
        std::cout << line.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
      } else {
        std::string text = line["text"].get<std::string>();
        for (char& c : text) {
          if (c == '\r') c = '\n';
        }
        std::cout << text << "\n";
      }
    }
    std::cout.flush();
    after = body["next"].get<int64_t>();
    if (!follow_) return 0;
    if (body["lines"].empty()) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace offstage::cli
