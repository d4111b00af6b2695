// `offstage trace`: fetches a trace from a running daemon and renders it (text waterfall,
// JSON, Chrome trace, HTML); --wait blocks until the trace is quiescent; --assert-offloaded is
// the one-line CI check. Main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include "emulator/cli/client.h"

namespace offstage::cli {

class TraceCommand {
 public:
  void Register(CLI::App& app);
  bool selected() const { return command_ != nullptr && command_->parsed(); }
  int Run();

 private:
  CLI::App* command_ = nullptr;
  ClientOptions client_;
  std::string trace_id_;
  bool last_ = false;
  std::string request_id_;
  bool wait_ = false;
  double timeout_seconds_ = 30;
  std::string output_;
  int width_ = 0;
  bool assert_offloaded_ = false;
  bool allow_failures_ = false;
  std::string max_critical_path_;  // --assert-max-critical-path DURATION
  bool eventually_succeeded_ = false;
  bool without_simulated_ = false;
};

}  // namespace offstage::cli
