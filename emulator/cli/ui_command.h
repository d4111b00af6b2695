// `offstage ui`: opens the dashboard of a running daemon in the user's browser, or prints its
// address where no browser can be started (no display, --print). Main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include "emulator/cli/client.h"

namespace offstage::cli {

class UiCommand {
 public:
  void Register(CLI::App& app);
  bool selected() const { return command_ != nullptr && command_->parsed(); }
  int Run();

 private:
  CLI::App* command_ = nullptr;
  ClientOptions client_;
  bool print_only_ = false;
};

// The program that opens a URL in the user's browser here (`open` on macOS, `xdg-open` where
// a display is set), or "" where none can.
std::string BrowserOpener();

}  // namespace offstage::cli
