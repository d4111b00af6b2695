// `offstage faults add|list|clear`: the fault injection rules of a running daemon
// (docs/faults.md), through its control API (/_offstage/faults). Main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "emulator/cli/client.h"

namespace offstage::cli {

class FaultsCommand {
 public:
  void Register(CLI::App& app);
  // The exit code of the selected subcommand, or -1 when none of these was selected.
  int Run();

 private:
  int Add();
  int List();
  int Clear();

  ClientOptions client_;
  CLI::App* faults_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* clear_ = nullptr;
  std::string function_;
  std::string topic_;
  std::string subscription_;
  std::string kind_;
  double probability_ = 1.0;
  int64_t count_ = 0;
  int64_t every_ = 1;
  int64_t delay_ms_ = 0;
  uint64_t seed_ = 0;
  std::string id_;
};

}  // namespace offstage::cli
