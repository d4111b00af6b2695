#include "emulator/runtime/environment.h"

#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/common/json.h"
#include "emulator/common/priority.h"
#include "emulator/common/strings.h"

namespace offstage::runtime {
namespace {

constexpr int64_t kInitLimitNs = 10'000'000'000;  // Lambda's init phase limit
constexpr size_t kMaxLogBytes = 256 * 1024;       // kept per invocation for Tail
// A longer line of output is split, as CloudWatch Logs splits an event over its 256 KiB limit.
constexpr size_t kMaxLineBytes = 256 * 1024;

std::string LogStreamName(const common::Clock& clock, common::IdGenerator& ids) {
  const time_t secs = static_cast<time_t>(clock.NowNanos() / 1'000'000'000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &utc);
  return std::string(date) + "/[$LATEST]" + ids.Hex(16);
}

std::string Seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string Millis(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", ms);
  return buf;
}

}  // namespace

std::string ErrorBody(const std::string& type, const std::string& message) {
  return nlohmann::json{{"errorMessage", message}, {"errorType", type}}.dump(
      -1, ' ', false, common::kReplaceInvalidUtf8);
}

void WaitUntilRunning(httplib::Server& server) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

int BindWithFullBacklog(httplib::Server& server, const std::string& host, int port) {
  auto fd = std::make_shared<int>(-1);
  server.set_socket_options([fd](socket_t sock) {
    // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, with which a second
    // daemon binds a port already in use and the kernel splits requests between the two.
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *fd = sock;
  });
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound >= 0 && *fd >= 0) ::listen(*fd, SOMAXCONN);
  return bound;
}

Environment::Environment(EnvironmentSpec spec, Supervisor& supervisor, const common::Clock& clock,
                         common::IdGenerator& ids, LogSink& logs)
    : spec_(std::move(spec)),
      supervisor_(supervisor),
      clock_(clock),
      ids_(ids),
      logs_(logs),
      // AWS-shaped temporary credentials, unique per environment: every API call a handler
      // makes carries this key id in its SigV4 scope, which ties the call to this environment.
      access_key_id_("ASIA" + [&] {
        std::string hex = ids.Hex(8);
        for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return hex;
      }()) {}

Environment::~Environment() { Stop(); }

std::vector<std::string> Environment::BuildArgv() const {
  if (common::StartsWith(spec_.runtime, "nodejs")) {
    const std::string node = spec_.interpreter.empty() ? "node" : spec_.interpreter;
    return {node, spec_.shim_dir + "/node/bootstrap.mjs"};
  }
  if (common::StartsWith(spec_.runtime, "python")) {
    const std::string python = spec_.interpreter.empty() ? "python3" : spec_.interpreter;
    return {python, "-u", spec_.shim_dir + "/python/bootstrap.py"};
  }
  return {spec_.code_dir + "/bootstrap"};
}

std::vector<std::string> Environment::BuildEnv(int port, const std::string& opt) const {
  std::map<std::string, std::string> env;
  // Unreserved defaults first: the function's own variables may override these.
  const char* path = std::getenv("PATH");
  env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  env["LANG"] = "en_US.UTF-8";
  env["TZ"] = ":UTC";
  env["HOME"] = "/tmp";
  env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR";
  if (const char* node_path = std::getenv("OFFSTAGE_NODE_PATH")) env["NODE_PATH"] = node_path;
  if (!opt.empty()) {
    // Where Lambda's runtimes look for layers' content (recorded on AWS: PATH ends with
    // /opt/bin, LD_LIBRARY_PATH with /var/task/lib:/opt/lib, NODE_PATH starts with
    // /opt/nodejs/nodeNN/node_modules:/opt/nodejs/node_modules; Python's sys.path has
    // /opt/python/lib/pythonX.Y/site-packages and /opt/python after the task root).
    env["PATH"] += ":" + opt + "/bin";
    env["LD_LIBRARY_PATH"] = spec_.code_dir + ":" + spec_.code_dir + "/lib:" + opt + "/lib";
    if (common::StartsWith(spec_.runtime, "nodejs")) {
      const std::string major = spec_.runtime.substr(6, spec_.runtime.find('.') - 6);
      std::string node_path =
          opt + "/nodejs/node" + major + "/node_modules:" + opt + "/nodejs/node_modules";
      if (env.count("NODE_PATH")) node_path += ":" + env["NODE_PATH"];
      env["NODE_PATH"] = node_path + ":" + spec_.code_dir;
    } else if (common::StartsWith(spec_.runtime, "python")) {
      env["PYTHONPATH"] =
          opt + "/python/lib/" + spec_.runtime + "/site-packages:" + opt + "/python";
    }
  }
  for (const auto& [key, value] : spec_.variables) env[key] = value;
  // Reserved: set by Lambda, not overridable (§5.2 of the wire reference).
  env["_HANDLER"] = spec_.handler;
  env["AWS_REGION"] = spec_.region;
  env["AWS_DEFAULT_REGION"] = spec_.region;
  if (!common::StartsWith(spec_.runtime, "provided")) {
    env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + spec_.runtime;
  }
  env["AWS_LAMBDA_FUNCTION_NAME"] = spec_.function_name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(spec_.memory_mb);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = spec_.version;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + spec_.function_name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream_;
  env["AWS_ACCESS_KEY_ID"] = access_key_id_;
  env["AWS_ACCESS_KEY"] = access_key_id_;
  env["AWS_SECRET_ACCESS_KEY"] = kEnvironmentSecret;
  env["AWS_SESSION_TOKEN"] = kEnvironmentSessionToken;
  env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(port);
  env["LAMBDA_TASK_ROOT"] = spec_.code_dir;
  env["LAMBDA_RUNTIME_DIR"] = spec_.shim_dir;
  // Not an AWS variable: it points the SDKs inside the handler back at this daemon.
  env["AWS_ENDPOINT_URL"] = spec_.endpoint_url;
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

common::Status Environment::Start() {
  // Node and Python run offstage's runtime client (runtime-shim/); without it the interpreter
  // would exit at once and every invoke would read as the handler's Runtime.ExitError.
  if (const std::vector<std::string> argv = BuildArgv();
      argv.size() >= 2 && !common::StartsWith(spec_.runtime, "provided") &&
      ::access(argv.back().c_str(), R_OK) != 0) {
    return common::Fail(common::Internal(
        "offstage's runtime client " + argv.back() + " is missing: the runtime shim directory " +
        spec_.shim_dir +
        " was not found (is the offstage binary outside its build tree or installation?). "
        "Start offstage with --shim-dir DIR or OFFSTAGE_SHIM_DIR=DIR naming its runtime-shim/ "
        "directory"));
  }
  log_stream_ = LogStreamName(clock_, ids_);
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(3); };
  // Its worker threads serve in the background (common/priority.h): each lowers itself on its
  // first request (a TaskQueue subclass would not build against both cpp-httplib 0.11 and the
  // newer one in the container image, whose enqueue returns bool).
  server_->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    common::RunInBackgroundOnce();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1'000'000);
  server_->set_keep_alive_timeout(24 * 3600);  // a frozen runtime keeps its connection
  server_->set_read_timeout(24 * 3600, 0);
  // Any size is read (a response is streamed into a bounded buffer, the rest discarded), so that
  // an oversized one is answered Function.ResponseSizeTooLarge, not dropped by the HTTP layer.
  server_->set_payload_max_length(std::numeric_limits<size_t>::max());
  Routes();
  const int port = BindWithFullBacklog(*server_, "127.0.0.1", 0);
  if (port < 0) return common::Fail(common::Internal("cannot bind a Runtime API port"));
  server_thread_ = std::thread([this] {
    common::RunInBackground();
    server_->listen_after_bind();
  });
  // cpp-httplib's stop() does nothing until the accept loop is running: wait for it, or a Stop
  // right after Start would leave the listener (and a join on it) hanging.
  WaitUntilRunning(*server_);

  // The layers at /opt where a private mount namespace is allowed; else their own directory in
  // the paths, and the log says so at the cold start.
  std::string opt;
  std::string opt_mount;
  if (!spec_.opt_dir.empty()) {
    const std::string unavailable = supervisor_.OptUnavailable();
    if (unavailable.empty()) {
      opt = "/opt";
      opt_mount = spec_.opt_dir;
    } else {
      opt = spec_.opt_dir;
      opt_note_ = "this function's layers are not at /opt here (" + unavailable +
                  "): NODE_PATH, PYTHONPATH, PATH and LD_LIBRARY_PATH name " + spec_.opt_dir +
                  " instead, and code that opens /opt/... directly will not find them "
                  "(docs/compatibility.md, Layers)";
    }
  }
  ProcessSpec process{BuildArgv(), BuildEnv(port, opt), spec_.code_dir, opt_mount};
  {
    common::MutexLock lock(mu_);
    spawned_ns_ = clock_.NowNanos();
  }
  auto spawned = supervisor_.Spawn(process);
  if (!spawned) {
    common::MutexLock lock(mu_);
    Apply(SandboxEvent::kEnd);
    return common::Fail(spawned.error());
  }
  process_ = std::move(*spawned);
  reader_thread_ = std::thread([this] {
    common::RunInBackground();
    ReadPipes();
  });
  return {};
}

bool Environment::Apply(SandboxEvent event) {
  const auto next = Transition(state_, event);
  if (!next) return false;
  state_ = *next;
  return true;
}

void Environment::Freeze() {
  if (!frozen_ && process_) {
    process_->Freeze();
    frozen_ = true;
  }
}

void Environment::Thaw() {
  if (frozen_ && process_) {
    process_->Thaw();
    frozen_ = false;
  }
}

void Environment::Emit(LogStream stream, const std::string& request_id, std::string text) {
  LogLine line{spec_.function_name, request_id, stream, clock_.NowNanos(), std::move(text)};
  {
    common::MutexLock lock(mu_);
    // At most kMaxLogBytes per invocation: the lines that fit, then a cut one.
    if (log_.size() < kMaxLogBytes) {
      log_.append(line.text, 0, kMaxLogBytes - log_.size());
      if (log_.size() < kMaxLogBytes) log_ += '\n';
    }
  }
  logs_.Write(line);
}

void Environment::EmitStart(const std::string& request_id) {
  Emit(LogStream::kPlatform, request_id,
       "START RequestId: " + request_id + " Version: " + spec_.version);
}

void Environment::ReadPipes() {
  const int fds[2] = {process_->stdout_fd(), process_->stderr_fd()};
  // Each stream's bytes not yet emitted; `scanned` of them are known to hold no newline, so each
  // byte is searched once (linear in the output), and a line never grows past kMaxLineBytes.
  std::string partial[2];
  size_t scanned[2] = {0, 0};
  bool open[2] = {true, true};
  auto flush_lines = [&](int i, bool all) {
    auto emit = [&](std::string text) {
      std::string id;
      {
        common::MutexLock lock(mu_);
        id = current_id_.empty() ? last_id_ : current_id_;
      }
      Emit(i == 0 ? LogStream::kStdout : LogStream::kStderr, id, std::move(text));
    };
    size_t start = 0;
    while (true) {
      const size_t nl = partial[i].find('\n', std::max(start, scanned[i]));
      const size_t end = nl == std::string::npos ? partial[i].size() : nl;
      if (end - start > kMaxLineBytes) {
        emit(partial[i].substr(start, kMaxLineBytes));
        start += kMaxLineBytes;
        continue;
      }
      if (nl == std::string::npos) break;
      emit(partial[i].substr(start, nl - start));
      start = nl + 1;
    }
    if (all && start < partial[i].size()) {
      emit(partial[i].substr(start));
      start = partial[i].size();
    }
    partial[i].erase(0, start);
    scanned[i] = partial[i].size();
  };
  bool leader_exited = false;
  while (open[0] || open[1]) {
    pollfd pfds[2];
    int n = 0;
    int index[2];
    for (int i = 0; i < 2; ++i) {
      if (!open[i]) continue;
      pfds[n] = pollfd{fds[i], POLLIN, 0};
      index[n++] = i;
    }
    const int ready = poll(pfds, static_cast<nfds_t>(n), leader_exited ? 0 : 200);
    if (ready <= 0) {
      if (leader_exited) break;  // the leader is gone and nothing more is buffered
      if (process_->LeaderExited()) leader_exited = true;  // drain what is left, then reap
      continue;
    }
    {
      common::MutexLock lock(mu_);
      reader_busy_ = true;
    }
    for (int k = 0; k < n; ++k) {
      if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int i = index[k];
      char buf[16384];
      const ssize_t got = read(fds[i], buf, sizeof buf);
      if (got <= 0) {
        open[i] = false;
        flush_lines(i, true);
        continue;
      }
      partial[i].append(buf, static_cast<size_t>(got));
      flush_lines(i, false);
    }
    {
      common::MutexLock lock(mu_);
      reader_busy_ = false;
    }
    cv_.notify_all();
  }
  flush_lines(0, true);
  flush_lines(1, true);
  const int status = process_->Wait();
  common::MutexLock lock(mu_);
  exited_ = true;
  exit_status_ = status;
  Apply(SandboxEvent::kEnd);
  cv_.notify_all();
}

namespace {

// The outcome of an event a warm runtime exited before taking: not this invocation's failure
// (the caller runs it elsewhere), and nothing of it logged here.
InvocationOutcome NeverTaken() {
  InvocationOutcome gone;
  gone.kind = OutcomeKind::kPlatformError;
  gone.never_taken = true;
  gone.error_type = "Runtime.ExitError";
  gone.payload =
      ErrorBody("Runtime.ExitError", "the environment's runtime exited before it took the event");
  return gone;
}

}  // namespace

InvocationOutcome Environment::Invoke(const InvocationRequest& request) {
  bool cold = false;
  // A warm runtime that answered and has not asked for the next event yet: the event waits for
  // that /next (which, seeing it, does not freeze) and is taken by it at once, without waking
  // this thread only to hand it over. Its START line is written by the /next route as it takes
  // it: a runtime on its way out (a runtime client exits after reporting an uncaught exception)
  // never takes it, and the event (never_taken, run elsewhere by the caller) leaves no line.
  bool start_at_next = false;
  {
    common::MutexLock lock(mu_);
    if (invocations_ > 0 && (exited_ || state_ == State::kDead) && !stopping_) {
      return NeverTaken();
    }
    cold = invocations_++ == 0;
    log_.clear();
    start_at_next = !cold && state_ == State::kAnswered;
    start_at_next_ = start_at_next;
    taken_ = false;
  }
  if (!start_at_next) {
    EmitStart(request.request_id);
  }
  if (cold && !spec_.runtime_warning.empty()) {
    // Every cold start says when the function does not run on the runtime it declares.
    Emit(LogStream::kPlatform, request.request_id,
         common::IsoMillis(clock_.NowNanos()) + "\t" + request.request_id + "\tWARNING\t" +
             spec_.runtime_warning);
  }
  if (cold && !opt_note_.empty()) {
    Emit(LogStream::kPlatform, request.request_id,
         common::IsoMillis(clock_.NowNanos()) + "\t" + request.request_id + "\tWARNING\t" +
             opt_note_);
  }

  InvocationOutcome out;
  enum class End { kAnswered, kInitError, kExited, kTimeout, kStopped } end;
  bool untaken = false;
  bool start_owed = false;
  bool never_taken = false;
  int64_t init_ns = 0;
  const int64_t invoked_ns = clock_.NowNanos();
  // The scheduler's account before the event; a cold start counts from its spawn, since its
  // init is part of what the caller waits for.
  // -1: unknown.
  int64_t wait_before_ns = cold ? 0 : -1;
  if (!cold && process_) {
    if (auto sched = process_->Sched()) wait_before_ns = sched->wait_ns;
  }
  int64_t window_start_ns = invoked_ns;
  {
    common::MutexLock lock(mu_);
    if (cold && spawned_ns_ != 0) window_start_ns = spawned_ns_;
    outcome_.reset();
    if (state_ == State::kDead || exited_) {
      end = stopping_ ? End::kStopped : End::kExited;
    } else {
      pending_ = request;
      sink_ = request.sink;
      deadline_ns_ = 0;
      Thaw();
      // The runtime's /next thread is woken with the lock released, so it does not wake only to
      // block on it (one context switch fewer per invocation).
      lock.native().unlock();
      cv_.notify_all();
      lock.native().lock();
      while (true) {
        if (outcome_) {
          end = End::kAnswered;
          break;
        }
        if (init_error_) {
          end = End::kInitError;
          break;
        }
        // A stop first: the process it kills may have exited by the time this thread wakes,
        // and that exit is the platform's doing, not the function's.
        if (stopping_) {
          end = End::kStopped;
          break;
        }
        if (exited_) {
          end = End::kExited;
          break;
        }
        // Once the runtime has taken the event its deadline applies; before that, a cold start
        // may also spend Lambda's init limit.
        const int64_t limit = deadline_ns_ != 0
                                  ? deadline_ns_
                                  : invoked_ns + request.timeout_ns + (cold ? kInitLimitNs : 0);
        const int64_t now = clock_.NowNanos();
        if (now >= limit) {
          end = End::kTimeout;
          break;
        }
        invoke_wait_limit_ns_ = limit;
        cv_.wait_for(lock.native(), std::chrono::nanoseconds(limit - now));
      }
      invoke_wait_limit_ns_ = 0;
    }
    // Not taken by the runtime (it exited, stopped or timed out first). An event left for a
    // runtime that had not asked for it yet: its START is still owed (written below), unless
    // the runtime exited, which then never had it (never_taken: nothing logged, not counted).
    untaken = !taken_;
    start_owed = start_at_next_;  // the /next route clears it as it writes the START
    start_at_next_ = false;
    never_taken = start_at_next && untaken && exited_ && !stopping_;
    if (never_taken) --invocations_;
    pending_.reset();
    // The /next route may be writing the event's START with the lock let go: END follows it.
    if (start_writing_) {
      start_awaited_ = true;
      cv_.wait(lock.native(), [this]() REQUIRES(mu_) { return !start_writing_; });
      start_awaited_ = false;
    }
    // The sink is the caller's: no listener thread may write to it once this returns.
    sink_ = nullptr;
    cv_.wait(lock.native(), [this]() REQUIRES(mu_) { return sink_writers_ == 0; });
    if (cold && first_next_ns_ != 0) init_ns = first_next_ns_ - spawned_ns_;
    if (end == End::kAnswered) {
      out = std::move(*outcome_);
      outcome_.reset();
    } else {
      // An event the runtime never took was never handed over (the times are the last one's).
      out.handed_over_ns = untaken ? 0 : written_ns_ != 0 ? written_ns_ : handed_over_ns_;
      out.finished_ns = clock_.NowNanos();
    }
    if (end != End::kAnswered) {
      current_id_.clear();
      Apply(SandboxEvent::kEnd);
    }
  }
  if (never_taken) return NeverTaken();
  if (start_owed) {
    EmitStart(request.request_id);
  }

  // The span the CPU wait is measured over (init included on a cold start).
  const int64_t window_ns = out.finished_ns - window_start_ns;
  // Read before a timed-out process is killed below; an exited one has no account left.
  if (wait_before_ns >= 0 && end != End::kExited && process_) {
    if (auto after = process_->Sched()) {
      out.cpu_wait_ns = std::max<int64_t>(0, after->wait_ns - wait_before_ns);
      out.cpu_starved =
          out.cpu_wait_ns >= kStarvedMinNs &&
          static_cast<double>(out.cpu_wait_ns) >= kStarvedMinShare * static_cast<double>(window_ns);
    }
  }

  const std::string& id = request.request_id;
  std::string status;
  switch (end) {
    case End::kAnswered:
      out.reusable = true;
      if (out.kind == OutcomeKind::kFunctionError) status = "error";
      break;
    case End::kInitError: {
      std::pair<std::string, std::string> init;
      {
        common::MutexLock lock(mu_);
        init = *init_error_;
      }
      out.kind = OutcomeKind::kFunctionError;
      out.error_type = init.first;
      out.payload = init.second;
      status = "error";
      break;
    }
    case End::kExited: {
      int wait_status;
      {
        common::MutexLock lock(mu_);
        wait_status = exit_status_;
      }
      out.kind = OutcomeKind::kExited;
      out.error_type = "Runtime.ExitError";
      out.payload = ErrorBody(
          "Runtime.ExitError",
          "RequestId: " + id + " Error: Runtime exited with error: " + DescribeExit(wait_status));
      status = "error";
      break;
    }
    case End::kTimeout: {
      const std::string after = Seconds(request.timeout_ns);
      Emit(LogStream::kPlatform, id,
           common::IsoMillis(clock_.NowNanos()) + " " + id + " Task timed out after " + after +
               " seconds");
      out.kind = OutcomeKind::kTimeout;
      out.error_type = "Sandbox.Timedout";
      out.payload =
          ErrorBody("Sandbox.Timedout",
                    "RequestId: " + id + " Error: Task timed out after " + after + " seconds");
      status = "timeout";
      break;
    }
    case End::kStopped:
      out.kind = OutcomeKind::kPlatformError;
      out.error_type = "ServiceException";
      out.payload = ErrorBody("ServiceException", "The execution environment was stopped");
      status = "error";
      break;
  }
  if (!out.reusable && process_) process_->SignalGroup(SIGKILL);

  out.cold_start = cold;
  out.init_duration_ns = init_ns;
  const int64_t started = out.handed_over_ns != 0 ? out.handed_over_ns : out.finished_ns;
  out.duration_ms = end == End::kTimeout ? static_cast<double>(request.timeout_ns) / 1e6
                                         : static_cast<double>(out.finished_ns - started) / 1e6;
  out.max_memory_mb = process_ ? (process_->PeakRssKiB() + 1023) / 1024 : 0;

  // Lines the function wrote before it answered are already in its pipes: let the reader emit
  // them before END, so the log keeps AWS's order (and Tail includes them).
  DrainOutput();
  if (!out.pending_work.empty()) {
    // The shim saw asynchronous work the handler started and did not wait for (DESIGN 5).
    std::string pending;
    for (const auto& item : out.pending_work) pending += (pending.empty() ? "" : ", ") + item;
    Emit(LogStream::kPlatform, id,
         common::IsoMillis(clock_.NowNanos()) + "\t" + id +
             "\tWARNING\tThe handler returned while work it started was still pending (" + pending +
             "). On AWS the execution environment is frozen right after the response: that work "
             "stalls until the next invocation of this environment, or never runs.");
  }
  if (out.cpu_starved) {
    // Said where the developer looks: a slow or timed-out invocation here may be the machine's.
    const int64_t share = window_ns > 0 ? out.cpu_wait_ns * 100 / window_ns : 100;
    Emit(LogStream::kPlatform, id,
         common::IsoMillis(clock_.NowNanos()) + "\t" + id +
             "\tWARNING\tThe function's process was ready to run but waited " +
             std::to_string(out.cpu_wait_ns / 1'000'000) +
             " ms for a CPU during this invocation (" + std::to_string(share) + "% of its " +
             std::to_string(window_ns / 1'000'000) + " ms" + (cold ? ", init included" : "") +
             "): this machine's cores were busy, and functions yield to other work (they run at "
             "nice 19). On AWS a function has its own CPU: its duration here, and any timeout, "
             "overstate its own.");
  }
  Emit(LogStream::kPlatform, id, "END RequestId: " + id);
  std::string report =
      "REPORT RequestId: " + id + "\tDuration: " + Millis(out.duration_ms) +
      " ms\tBilled Duration: " + std::to_string(static_cast<long>(std::ceil(out.duration_ms))) +
      " ms\tMemory Size: " + std::to_string(spec_.memory_mb) +
      " MB\tMax Memory Used: " + std::to_string(out.max_memory_mb) + " MB\t";
  if (init_ns > 0)
    report += "Init Duration: " + Millis(static_cast<double>(init_ns) / 1e6) + " ms\t";
  if (!status.empty()) report += "Status: " + status;
  Emit(LogStream::kPlatform, id, report);
  {
    common::MutexLock lock(mu_);
    out.log = log_;
    if (out.reusable && state_ != State::kDead) idle_since_ns_ = clock_.NowNanos();
  }
  return out;
}

void Environment::DrainOutput() {
  if (!process_) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (std::chrono::steady_clock::now() < deadline) {
    int pending_out = 0;
    int pending_err = 0;
    ioctl(process_->stdout_fd(), FIONREAD, &pending_out);
    ioctl(process_->stderr_fd(), FIONREAD, &pending_err);
    common::MutexLock lock(mu_);
    if (pending_out == 0 && pending_err == 0 && !reader_busy_) return;
    if (exited_) return;
    cv_.wait_for(lock.native(), std::chrono::milliseconds(1));
  }
}

void Environment::Stop() {
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
    Apply(SandboxEvent::kEnd);
    cv_.notify_all();
  }
  if (process_) {
    process_->SignalGroup(SIGKILL);
    process_->SignalGroup(SIGCONT);
  }
  // The pool and an invoker may both stop an environment: the joins happen once, under their
  // own mutex (two concurrent joins of one std::thread would block forever).
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (server_) server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
  if (reader_thread_.joinable()) reader_thread_.join();
}

Environment::State Environment::state() const {
  common::MutexLock lock(mu_);
  return state_;
}

Environment::Snapshot Environment::snapshot() const {
  common::MutexLock lock(mu_);
  return Snapshot{state_, frozen_, spawned_ns_, invocations_, pending_.has_value()};
}

int64_t Environment::idle_since_ns() const {
  common::MutexLock lock(mu_);
  return idle_since_ns_;
}

}  // namespace offstage::runtime
