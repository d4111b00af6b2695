// `offstage deploy`, `offstage stacks`, `offstage destroy`: a running daemon's stacks
// (docs/iac.md), through its control API (/_offstage/stacks). Main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "emulator/cli/client.h"

namespace offstage::cli {

// --parameter K=V values as a map; throws CLI::ValidationError naming `flag` on a bad one.
std::map<std::string, std::string> ParseParameters(const std::string& flag,
                                                   const std::vector<std::string>& items);

class StackCommands {
 public:
  void Register(CLI::App& app);
  // The exit code of the selected subcommand, or -1 when none of these was selected.
  int Run();

 private:
  int Deploy();
  int Stacks();
  int Destroy();

  ClientOptions client_;
  CLI::App* deploy_ = nullptr;
  CLI::App* stacks_ = nullptr;
  CLI::App* destroy_ = nullptr;
  std::string path_;
  std::string stack_;
  std::vector<std::string> parameters_;
};

}  // namespace offstage::cli
