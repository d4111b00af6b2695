// `offstage serve`: parses the daemon's options, runs app::Daemon until SIGINT/SIGTERM, and
// prints one ready line with the endpoint. Main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include "emulator/app/daemon.h"

namespace offstage::cli {

class ServeCommand {
 public:
  void Register(CLI::App& app);
  bool selected() const { return command_ != nullptr && command_->parsed(); }
  int Run();

 private:
  CLI::App* command_ = nullptr;
  app::DaemonOptions options_;
  std::vector<std::string> template_parameters_;  // --parameter K=V
};

}  // namespace offstage::cli
