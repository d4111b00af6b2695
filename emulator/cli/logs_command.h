// `offstage logs FUNCTION [--follow] [--since DURATION]`: prints a function's stored log lines
// (its output and the START/END/REPORT lines) from a running daemon. Main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include "emulator/cli/client.h"

namespace offstage::cli {

class LogsCommand {
 public:
  void Register(CLI::App& app);
  bool selected() const { return command_ != nullptr && command_->parsed(); }
  int Run();

 private:
  CLI::App* command_ = nullptr;
  ClientOptions client_;
  std::string function_;
  bool follow_ = false;
  std::string since_;
};

}  // namespace offstage::cli
