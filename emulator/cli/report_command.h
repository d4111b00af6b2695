// `offstage report --since 5m`: the figures of the recent traces as JSON Lines, one trace per
// line (its root, critical path, end to end, offloaded, the background work by outcome, the
// spans with injected faults, the verdict), for a CI job's artifacts. A client of the running
// daemon (GET /_offstage/traces?figures=1). Main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "emulator/cli/client.h"

namespace offstage::cli {

class ReportCommand {
 public:
  void Register(CLI::App& app);
  bool selected() const { return command_ != nullptr && command_->parsed(); }
  int Run();

 private:
  CLI::App* command_ = nullptr;
  ClientOptions client_;
  std::string since_ = "5m";
  int limit_ = 1000;
};

}  // namespace offstage::cli
