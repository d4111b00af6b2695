#include "emulator/cli/serve_command.h"

#include <signal.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "common/version.h"
#include "emulator/cli/stack_commands.h"
#include "emulator/common/faults.h"
#include "emulator/common/strings.h"
#include "emulator/runtime/runtimes.h"

namespace offstage::cli {
namespace {

// "1s,2s,500ms" -> nanoseconds each; throws CLI11's validation error on a bad item.
std::vector<int64_t> ParseDelayList(const std::string& option, const std::string& text) {
  std::vector<int64_t> delays;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto delay = common::ParseDurationNs(item);
    if (!delay) {
      throw CLI::ValidationError(option, "'" + item + "' is not a duration like 500ms, 1s or 2m");
    }
    delays.push_back(*delay);
    if (comma == std::string::npos) return delays;
    start = comma + 1;
  }
}

}  // namespace

void ServeCommand::Register(CLI::App& app) {
  command_ = app.add_subcommand("serve", "Run the emulator daemon (SNS + Lambda on one port)");
  command_->add_option("--host", options_.host, "Address to listen on")->capture_default_str();
  command_->add_option("--port", options_.port, "Port to listen on (0 picks a free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command_->add_option("--data-dir", options_.data_dir, "Where state and traces are kept")
      ->capture_default_str();
  command_->add_flag("--ephemeral", options_.ephemeral,
                     "Keep everything in memory; nothing survives a restart");
  command_->add_option("--region", options_.region, "Region when a request does not name one")
      ->capture_default_str();
  command_->add_option("--account", options_.account, "Account id when a request does not name one")
      ->capture_default_str()
      ->check([](const std::string& value) {
        if (value.size() == 12 && value.find_first_not_of("0123456789") == std::string::npos) {
          return std::string();
        }
        return std::string("an account id is 12 digits");
      });
  command_
      ->add_option("--http-threads", options_.http_threads,
                   "HTTP threads at most (requests handled at once)")
      ->capture_default_str()
      ->check(CLI::Range(4, 1024));
  command_
      ->add_option("--cors-origins", options_.cors_origins,
                   "Browser origins (scheme://host[:port], comma-separated) that may call the "
                   "daemon besides loopback ones; others are refused (docs/security.md)")
      ->delimiter(',');
  command_
      ->add_option("--allowed-hosts", options_.allowed_hosts,
                   "Host names (name or name:port, comma-separated) accepted besides loopback "
                   "ones when bound to a loopback address (docs/security.md)")
      ->delimiter(',');
  command_->add_flag("--quiet", options_.quiet, "Print only the ready line and errors");
  command_->add_flag("!--no-freeze", options_.freeze,
                     "Do not stop idle execution environments (SIGSTOP) between invocations");
  command_
      ->add_option("--idle-timeout", options_.idle_timeout_seconds,
                   "Seconds before an idle execution environment is stopped")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  command_
      ->add_option("--max-environments", options_.max_environments,
                   "Execution environments running at once, all functions together")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  command_
      ->add_option("--config", options_.config_file,
                   "JSON file of functions, topics and subscriptions to create at start "
                   "(docs/config.md)")
      ->check(CLI::ExistingFile);
  command_->add_option_function<std::string>(
      "--async-retry-delays",
      [this](const std::string& text) {
        options_.async_retry_delays_ns = ParseDelayList("--async-retry-delays", text);
      },
      "Delays before the 2nd, 3rd... attempt of a failed asynchronous invocation (default "
      "1m,2m as AWS; e.g. 1s,2s in tests)");
  command_->add_option_function<std::string>(
      "--sns-retry-delays",
      [this](const std::string& text) {
        options_.sns_retry_delays_ns = ParseDelayList("--sns-retry-delays", text);
      },
      "Delays between retries of http(s) deliveries, replacing the delivery policies' (e.g. "
      "100ms,200ms in tests)");
  command_->add_option_function<std::string>(
      "--retention",
      [this](const std::string& text) {
        auto policy = storage::ParseRetention(text);
        if (!policy) throw CLI::ValidationError("--retention", policy.error().message);
        options_.retention = *policy;
      },
      "How much telemetry (traces, logs, messages, finished deliveries and events) to keep: a "
      "duration, a number of invocations, or both, whichever is reached first; or off "
      "(default 24h,1000000)");
  command_
      ->add_option_function<int64_t>(
          "--max-telemetry-rows",
          [this](const int64_t& rows) { options_.max_telemetry_rows = rows; },
          "Rows kept per telemetry table besides --retention, the oldest dropped first; 0 for "
          "no cap (default 50000 with --ephemeral, whose store is in memory; no cap otherwise)")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000'000}));
  command_->add_flag("--sns-insecure-tls", options_.sns_insecure_tls,
                     "Deliver to https endpoints without verifying their certificates");
  command_
      ->add_option_function<std::vector<std::string>>(
          "--template",
          [this](const std::vector<std::string>& items) {
            for (const auto& item : items) {
              std::error_code ec;
              options_.templates.push_back(
                  app::TemplateSpec{std::filesystem::absolute(item, ec).string(), {}});
            }
          },
          "Deploy this CloudFormation/SAM template (or its directory) at start, and again when it "
          "changes (repeatable; docs/iac.md)")
      ->check(CLI::ExistingPath);
  command_->add_option("--parameter", template_parameters_,
                       "A parameter of the --template stacks, KEY=VALUE (repeatable)");
  command_->add_option_function<std::vector<std::string>>(
      "--runtime-path",
      [this](const std::vector<std::string>& items) {
        for (const auto& item : items) {
          const size_t eq = item.find('=');
          const std::string runtime = item.substr(0, eq);
          if (eq == std::string::npos || eq + 1 == item.size()) {
            throw CLI::ValidationError("--runtime-path", "'" + item + "' is not RUNTIME=PATH");
          }
          const runtime::RuntimeInfo* info = runtime::FindRuntime(runtime);
          if (!info || info->language == runtime::Language::kOsOnly) {
            throw CLI::ValidationError("--runtime-path",
                                       "'" + runtime + "' is not a Node.js or Python runtime");
          }
          options_.runtime_paths[runtime] = item.substr(eq + 1);
        }
      },
      "Run a runtime on this interpreter, e.g. python3.12=/opt/python3.12/bin/python3 "
      "(repeatable)");
  command_
      ->add_option("--latency", options_.latency,
                   "Simulated AWS latency: none (default), aws (published figures: SNS "
                   "deliveries, Event invokes, cold starts; docs/realism.md) or a JSON file "
                   "of your own; each delay is recorded as a simulated span")
      ->capture_default_str();
  command_->add_option("--latency-seed", options_.latency_seed,
                       "Seed of --latency's draws (the same calls get the same delays)");
  command_->add_option_function<std::vector<std::string>>(
      "--fault",
      [this](const std::vector<std::string>& items) {
        for (const auto& item : items) {
          auto rule = common::FaultRule::FromFlag(item);
          if (!rule) throw CLI::ValidationError("--fault", rule.error().message);
          options_.faults.push_back(*rule);
        }
      },
      "Inject faults from the start: KEY=VALUE,... with function|topic|subscription=NAME, "
      "kind=error|timeout|crash|throttle|http-failure|delay|duplicate, probability, count, "
      "every, delay-ms, seed (repeatable; docs/faults.md)");
  command_->add_flag("--strict-runtimes", options_.strict_runtimes,
                     "Refuse deprecated runtimes after AWS's block dates, as AWS does "
                     "(default: accept them with a WARNING)");
  command_->add_option("--runtimes-dir", options_.runtimes_dir,
                       "Cache of the Node builds `offstage runtimes install` fetches (default: "
                       "$OFFSTAGE_RUNTIMES_DIR, else $XDG_CACHE_HOME/offstage/runtimes)");
  command_->add_flag("--verify-signatures", options_.verify_signatures,
                     "Check every SNS and Lambda request's SigV4 signature as AWS does "
                     "(docs/security.md)");
  command_
      ->add_option("--credentials", options_.credentials_file,
                   "With --verify-signatures: the access keys to accept, in AWS's shared "
                   "credentials format (e.g. ~/.aws/credentials)")
      ->check(CLI::ExistingFile);
  command_
      ->add_option("--access-key", options_.access_keys,
                   "With --verify-signatures: an access key to accept, ID:SECRET (repeatable)")
      ->allow_extra_args(false);
  command_->add_option("--shim-dir", options_.shim_dir,
                       "Directory of the runtime interface clients (default: beside the binary)");
}

int ServeCommand::Run() {
  // Block the stop signals in every thread (threads inherit the mask), then wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    const auto parameters = ParseParameters("--parameter", template_parameters_);
    for (auto& spec : options_.templates) spec.parameters = parameters;
  } catch (const CLI::ValidationError& error) {
    std::cerr << "offstage: " << error.what() << "\n";
    return 2;
  }
  auto daemon = app::Daemon::Create(options_);
  if (!daemon) {
    std::cerr << "offstage: " << daemon.error().message << "\n";
    return 2;
  }
  auto endpoint = (*daemon)->Start();
  if (!endpoint) {
    std::cerr << "offstage: " << endpoint.error().message << "\n";
    return 2;
  }
  // The dashboard's address for a browser on this machine: loopback when bound to every address.
  std::string dashboard = *endpoint + "/_offstage/";
  if (const std::string any = "http://0.0.0.0:"; dashboard.starts_with(any)) {
    dashboard = "http://127.0.0.1:" + dashboard.substr(any.size());
  }
  std::printf("offstage %s ready on %s (%s); dashboard %s\n", common::kVersion, endpoint->c_str(),
              options_.ephemeral ? "in-memory" : ("data: " + options_.data_dir).c_str(),
              dashboard.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*daemon)->log().Info(std::string("offstage: ") +
                        (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                        " received, shutting down");
  // Everything acknowledged is already committed, so a shutdown that cannot finish (an
  // execution environment that will not stop) must not keep the process alive: after 10 s the
  // watchdog says so and exits.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(done_mu);
    if (!done_cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; })) {
      std::fprintf(stderr,
                   "offstage: shutdown did not finish within 10 s; exiting (everything "
                   "acknowledged is committed)\n");
      std::_Exit(1);
    }
  });
  daemon->reset();  // its destruction is the shutdown
  {
    std::lock_guard<std::mutex> lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  watchdog.join();
  return 0;
}

}  // namespace offstage::cli
