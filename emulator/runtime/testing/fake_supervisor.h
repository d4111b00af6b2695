// FakeSupervisor: the Supervisor of the runtime unit tests. Its child is a thread that acts as a
// runtime interface client: it reads AWS_LAMBDA_RUNTIME_API from the spawn's environment, polls
// /next, runs a scripted handler and posts its answer, and writes a log line per event to a
// real pipe (so the Environment's pipe reader, drain and exit detection run as in production).
// Freeze holds the child like SIGSTOP: it takes no step until Thaw. SignalGroup(SIGKILL) ends
// it as a kill would (wait status "signal: killed"); a script can also exit with a code.
// Thread model: Spawn and the child's methods from any thread; the child's own thread runs the
// script. Test-only (included by *_test.cc files).
#pragma once

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "emulator/runtime/supervisor.h"

namespace offstage::runtime::testing {

// What the scripted handler does with one event.
struct FakeAnswer {
  // kErrorThenExit: posts the error and exits before asking for the next event, as a runtime
  // client does after an uncaught exception.
  enum class Kind { kResponse, kError, kHang, kExit, kErrorThenExit } kind = Kind::kResponse;
  std::string body;   // kResponse: the response; kError: the error document
  int exit_code = 0;  // kExit
};
using FakeHandler = std::function<FakeAnswer(const std::string& payload)>;

class FakeChild final : public ChildProcess {
 public:
  FakeChild(std::string runtime_api, FakeHandler handler, std::function<void()> before_next)
      : handler_(std::move(handler)), before_next_(std::move(before_next)) {
    int out[2];
    int err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) std::abort();
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    out_w_ = out[1];
    err_w_ = err[1];
    thread_ = std::thread([this, api = std::move(runtime_api)] { Run(api); });
  }
  ~FakeChild() override {
    SignalGroup(SIGKILL);
    Wait();
    ::close(stdout_fd_);
    ::close(stderr_fd_);
  }

  int stdout_fd() const override { return stdout_fd_; }
  int stderr_fd() const override { return stderr_fd_; }
  void SignalGroup(int signal) override {
    std::lock_guard lock(mu_);
    if (signal == SIGKILL) killed_ = true;
    if (signal == SIGCONT) frozen_ = false;
    cv_.notify_all();
  }
  void Freeze() override {
    std::lock_guard lock(mu_);
    frozen_ = true;
    ++freezes_;
  }
  void Thaw() override {
    std::lock_guard lock(mu_);
    frozen_ = false;
    ++thaws_;
    cv_.notify_all();
  }
  bool LeaderExited() override { return exited_.load(); }
  int Wait() override {
    std::lock_guard lock(wait_mu_);
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  long PeakRssKiB() const override { return 0; }
  std::optional<SchedTimes> Sched() const override { return std::nullopt; }

  int freezes() const {
    std::lock_guard lock(mu_);
    return freezes_;
  }
  int thaws() const {
    std::lock_guard lock(mu_);
    return thaws_;
  }

 private:
  // Like a stopped process: no step while frozen. False once killed.
  bool Step() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !frozen_ || killed_; });
    return !killed_;
  }
  void Log(int fd, const std::string& line) {
    const std::string text = line + "\n";
    [[maybe_unused]] ssize_t n = ::write(fd, text.data(), text.size());
  }
  void Exit(int status) {
    status_ = status;
    ::close(out_w_);
    ::close(err_w_);
    exited_ = true;
  }
  void Run(const std::string& api) {
    const size_t colon = api.rfind(':');
    httplib::Client client(api.substr(0, colon), std::stoi(api.substr(colon + 1)));
    client.set_read_timeout(3600, 0);
    Log(out_w_, "fake runtime: init");
    bool answered = false;
    while (Step()) {
      if (answered && before_next_) before_next_();
      answered = true;
      auto next = client.Get("/2018-06-01/runtime/invocation/next");
      if (!next || next->status != 200 || !Step()) break;  // the listener stopped, or a kill
      const std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
      Log(out_w_, "fake runtime: event " + id);
      const FakeAnswer answer = handler_(next->body);
      const std::string base = "/2018-06-01/runtime/invocation/" + id;
      if (answer.kind == FakeAnswer::Kind::kResponse) {
        client.Post(base + "/response", answer.body, "application/json");
      } else if (answer.kind == FakeAnswer::Kind::kError ||
                 answer.kind == FakeAnswer::Kind::kErrorThenExit) {
        httplib::Headers headers{{"Lambda-Runtime-Function-Error-Type", "Unhandled"}};
        client.Post(base + "/error", headers, answer.body, "application/json");
        if (answer.kind == FakeAnswer::Kind::kErrorThenExit) {
          Exit(1 << 8);
          return;
        }
      } else if (answer.kind == FakeAnswer::Kind::kHang) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return killed_; });
        break;
      } else {
        Log(err_w_, "fake runtime: exiting with " + std::to_string(answer.exit_code));
        Exit(answer.exit_code << 8);  // a wait status: exited with that code
        return;
      }
    }
    Exit(SIGKILL);  // a wait status: killed by SIGKILL
  }

  FakeHandler handler_;
  std::function<void()> before_next_;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int out_w_ = -1;
  int err_w_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool frozen_ = false;  // an event handed over while frozen waits, as in a stopped process
  bool killed_ = false;
  int freezes_ = 0;
  int thaws_ = 0;
  std::atomic<bool> exited_{false};
  int status_ = 0;  // written by the child's thread before exited_, read after the join
  std::mutex wait_mu_;
  std::thread thread_;
};

class FakeSupervisor final : public Supervisor {
 public:
  explicit FakeSupervisor(FakeHandler handler) : handler_(std::move(handler)) {}

  common::Result<std::unique_ptr<ChildProcess>> Spawn(const ProcessSpec& spec) override {
    std::string api;
    for (const auto& var : spec.env) {
      if (var.starts_with("AWS_LAMBDA_RUNTIME_API=")) api = var.substr(23);
    }
    if (api.empty()) return common::Fail(common::Internal("no AWS_LAMBDA_RUNTIME_API"));
    auto child = std::make_unique<FakeChild>(api, handler_, before_next);
    last_ = child.get();
    last_spec_ = spec;
    ++spawned_;
    return std::unique_ptr<ChildProcess>(std::move(child));
  }
  // The newest child (owned by its Environment: valid while that lives).
  FakeChild* last() const { return last_; }
  int spawned() const { return spawned_; }
  // What the newest child was spawned with.
  const ProcessSpec& last_spec() const { return last_spec_; }
  // What OptUnavailable answers ("": a child can see a directory at /opt).
  std::string opt_unavailable = "the fake has no mount namespaces";
  std::string OptUnavailable() const override { return opt_unavailable; }
  // Run by each child after it answered an event and before it asks for the next one (a
  // runtime still busy after its answer); none by default.
  std::function<void()> before_next;

 private:
  FakeHandler handler_;
  ProcessSpec last_spec_;
  FakeChild* last_ = nullptr;
  int spawned_ = 0;
};

}  // namespace offstage::runtime::testing
