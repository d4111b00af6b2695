#include "emulator/cli/ui_command.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

extern char** environ;

namespace offstage::cli {
namespace {

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string dirs(path);
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string BrowserOpener() {
#if defined(__APPLE__)
  return "open";
#else
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const bool has_display =
      (display != nullptr && *display != '\0') || (wayland != nullptr && *wayland != '\0');
  if (!has_display || !OnPath("xdg-open")) return "";
  return "xdg-open";
#endif
}

void UiCommand::Register(CLI::App& app) {
  command_ = app.add_subcommand("ui", "Open the dashboard of a running daemon in your browser");
  command_->add_flag("--print", print_only_, "Only print the dashboard's address");
  AddClientOptions(*command_, client_);
}

int UiCommand::Run() {
  DaemonClient client(client_);
  // The daemon must answer first: a page that cannot load is no help.
  auto health = client.Get("/_offstage/health", {});
  if (health.status == 0) {
    client.ReportUnreachable(health);
    return 2;
  }
  if (health.status != 200) {
    std::cerr << "offstage ui: " << client.endpoint() << " answered " << health.status
              << " to /_offstage/health: is it an offstage daemon?\n";
    return 2;
  }
  std::string url = client.endpoint();
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/_offstage/";
  std::cout << url << "\n" << std::flush;
  if (print_only_) return 0;
  const std::string opener = BrowserOpener();
  if (opener.empty()) {
    std::cerr << "offstage ui: no browser can be started here (no display); open the address "
                 "above\n";
    return 0;
  }
  // No shell: the URL is one argument, whatever it holds.
  const char* argv[] = {opener.c_str(), url.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, opener.c_str(), nullptr, nullptr, const_cast<char* const*>(argv),
                   environ) != 0) {
    std::cerr << "offstage ui: could not run " << opener << "; open the address above\n";
    return 0;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "offstage ui: " << opener << " could not open a browser; open the address above\n";
  }
  return 0;
}

}  // namespace offstage::cli
