// Environment: one Lambda execution environment = one runtime process (its own process group)
// plus its own Runtime API listener on an ephemeral loopback port (DESIGN decision 4). Its
// lifecycle (Starting, Idle, Invoking, Answered, Dead) is the table of sandbox.h: every Runtime
// API call and every end is checked against it before the state changes, and what it does not
// list is refused.
//
// While Idle and frozen, the process group is stopped (SIGSTOP) and continued (SIGCONT) when the
// next event is handed over (DESIGN 5). The process is spawned and signalled through a
// Supervisor (supervisor.h), never directly. Owned by the Pool (shared_ptr). Thread model: Invoke
// is called by one invoker thread at a time (the pool leases an environment exclusively); the
// Runtime API handlers run on the listener's own threads and the pipe reader on its own thread;
// one mutex guards the state, never held across I/O.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/runtime/log_sink.h"
#include "emulator/runtime/sandbox.h"
#include "emulator/runtime/supervisor.h"

namespace httplib {
class Server;
}

namespace offstage::runtime {

// Every environment's temporary credentials: its own ASIA... access key id (access_key_id())
// with this secret and session token; serve --verify-signatures accepts them (docs/security.md).
inline constexpr const char* kEnvironmentSecret = "offstage-secret";
inline constexpr const char* kEnvironmentSessionToken = "offstage-session";

struct EnvironmentSpec {
  std::string function_name;
  std::string function_arn;  // unqualified
  std::string version = "$LATEST";
  std::string runtime;  // nodejs20.x, python3.12, provided.al2023, ...
  std::string handler;
  std::string code_dir;  // LAMBDA_TASK_ROOT
  int memory_mb = 128;
  int timeout_seconds = 3;
  std::map<std::string, std::string> variables;  // the function's Environment.Variables
  std::string region;
  std::string endpoint_url;     // the daemon, as AWS_ENDPOINT_URL inside the environment
  std::string shim_dir;         // runtime-shim/
  std::string interpreter;      // node or python3 that runs the runtime (runtimes.h); empty: PATH's
  std::string runtime_warning;  // logged on every cold start: not the declared version
  bool freeze = true;
  // The function's layers, merged in order ("" without layers): shown at /opt where the
  // platform allows a private mount (private_opt.h), else named by the paths themselves.
  std::string opt_dir;
  uint64_t generation = 0;  // code/config version the environment was started for
};

// Where a streamed response goes as the runtime sends it (Lambda-Runtime-Function-Response-Mode:
// streaming): called on the Runtime API listener's thread, chunk by chunk, never under the
// Environment's mutex, and never after Invoke returned. An invocation without one gets a
// streamed response buffered into its payload (up to Invoke's 6 MB), as Lambda's Invoke does.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // The first bytes arrived; `content_type` is the runtime's (application/octet-stream when it
  // gave none).
  virtual void Begin(const std::string& content_type) = 0;
  virtual void Write(std::string_view bytes) = 0;
};

struct InvocationRequest {
  std::string request_id;
  std::string payload;
  std::string invoked_function_arn;
  std::string trace_id;                       // Root=...;Parent=...;Sampled=...
  std::optional<std::string> client_context;  // JSON
  int64_t timeout_ns = 0;
  ResponseSink* sink = nullptr;  // a streamed response's destination (owned by the caller)
};

enum class OutcomeKind {
  kSuccess,        // /response
  kFunctionError,  // /error, /init/error
  kTimeout,        // Sandbox.Timedout
  kExited,         // Runtime.ExitError
  kPlatformError,  // could not start, or the environment was stopped
};

// An invocation whose process waited at least this long, and this share of its time, for a CPU
// was slowed by the machine rather than by its code (InvocationOutcome::cpu_starved).
inline constexpr int64_t kStarvedMinNs = 100'000'000;
inline constexpr double kStarvedMinShare = 0.25;

struct InvocationOutcome {
  OutcomeKind kind = OutcomeKind::kPlatformError;
  std::string payload;     // response, or the error document
  std::string error_type;  // for errors
  bool cold_start = false;
  int64_t init_duration_ns = 0;  // cold starts: spawn to first /next
  int64_t handed_over_ns = 0;    // event given to the runtime (/next answered)
  int64_t finished_ns = 0;       // /response, /error, timeout or exit seen
  double duration_ms = 0;
  long max_memory_mb = 0;
  std::vector<std::string> pending_work;  // the shim's Offstage-Pending-Work report
  // The runtime's own account of the handler's run (Offstage-Handler-Run, CLOCK_MONOTONIC),
  // on the daemon's clock and inside [handed_over_ns, finished_ns]; 0 when not reported.
  int64_t handler_start_ns = 0;
  int64_t handler_end_ns = 0;
  // How long the function's process was ready to run but had no CPU during this invocation (a
  // cold start's init included), -1 when unknown; cpu_starved when that was a large share of it
  // (kStarvedMinNs and kStarvedMinShare), which the log's WARNING line then says.
  int64_t cpu_wait_ns = -1;
  bool cpu_starved = false;
  std::string log;        // this invocation's log, START..REPORT
  bool reusable = false;  // the environment can take another event
  // A streamed response (Lambda-Runtime-Function-Response-Mode: streaming): when its first
  // bytes arrived (0: none did) and how many there were; with a sink they went there and
  // `payload` holds only an error document.
  bool streamed = false;
  int64_t first_byte_ns = 0;
  int64_t streamed_bytes = 0;
  // The warm runtime exited before it took the event (after answering the previous one):
  // nothing of this event ran, and the caller may run it in another environment.
  bool never_taken = false;
};

// {"errorMessage": message, "errorType": type}: the body of every error the runtime side reports
// (the Runtime API's answers and an invocation's error document).
std::string ErrorBody(const std::string& type, const std::string& message);

// Blocks until a cpp-httplib server's accept loop runs (stop() before that is lost).
void WaitUntilRunning(httplib::Server& server);

// Binds `server` to host:port (port 0: any free one) and returns the port, or -1. cpp-httplib
// listens with a backlog of 5, compiled into Debian's library: a burst of new connections
// overflowed it, and each dropped SYN cost its client a 1 s retransmission (seen as a 1 s
// Publish in the benchmarks). This listens again with SOMAXCONN, which Linux allows. The socket
// has SO_REUSEADDR and never SO_REUSEPORT, so a port another process listens on is refused.
int BindWithFullBacklog(httplib::Server& server, const std::string& host, int port);

class Environment {
 public:
  using State = SandboxState;

  // `supervisor` spawns and signals the runtime process (supervisor.h); it outlives this.
  Environment(EnvironmentSpec spec, Supervisor& supervisor, const common::Clock& clock,
              common::IdGenerator& ids, LogSink& logs);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Binds the Runtime API and spawns the runtime process (a cold start).
  common::Status Start();
  // Hands one event to the runtime and waits for its outcome or the timeout.
  InvocationOutcome Invoke(const InvocationRequest& request);
  // Kills the process group and stops the listener. Idempotent.
  void Stop();

  State state() const;
  // What the dashboard shows of it: its state, whether it is frozen, since when it runs (its
  // spawn; 0 before), and how many invocations it has taken.
  struct Snapshot {
    State state = State::kStarting;
    bool frozen = false;
    int64_t spawned_ns = 0;
    int invocations = 0;
    bool event_waiting = false;  // an Invoke's event waits for the runtime to take it
  };
  Snapshot snapshot() const;
  const EnvironmentSpec& spec() const { return spec_; }
  const std::string& access_key_id() const { return access_key_id_; }
  int64_t idle_since_ns() const;

 private:
  void Routes();
  void ReadPipes();
  void Emit(LogStream stream, const std::string& request_id, std::string text) EXCLUDES(mu_);
  // The event's START line (written by Invoke, or by the /next route that takes the event).
  void EmitStart(const std::string& request_id) EXCLUDES(mu_);
  // Waits (briefly) until everything the process wrote so far has been emitted.
  void DrainOutput();
  // `opt`: where the layers are as the process sees them ("/opt", the merged directory, or "").
  std::vector<std::string> BuildEnv(int port, const std::string& opt) const;
  std::vector<std::string> BuildArgv() const;
  // Applies `event` when sandbox.h's table allows it in the current state; false (and no
  // change) when it does not.
  bool Apply(SandboxEvent event) REQUIRES(mu_);
  void Freeze() REQUIRES(mu_);
  void Thaw() REQUIRES(mu_);

  const EnvironmentSpec spec_;
  Supervisor& supervisor_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  LogSink& logs_;
  const std::string access_key_id_;
  std::string log_stream_;  // set in Start, read-only afterwards
  // Set in Start, read-only afterwards: why the layers are not at /opt ("" when they are, or
  // when there are none), said in the log at the cold start.
  std::string opt_note_;

  std::mutex stop_mu_;  // serialises Stop's joins (Stop may be called from two threads)
  std::unique_ptr<httplib::Server> server_;
  std::thread server_thread_;
  std::unique_ptr<ChildProcess> process_;
  std::thread reader_thread_;

  mutable common::Mutex mu_;
  std::condition_variable cv_;
  State state_ GUARDED_BY(mu_) = State::kStarting;
  bool frozen_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool exited_ GUARDED_BY(mu_) = false;
  int exit_status_ GUARDED_BY(mu_) = 0;
  int64_t spawned_ns_ GUARDED_BY(mu_) = 0;
  int64_t first_next_ns_ GUARDED_BY(mu_) = 0;
  int64_t idle_since_ns_ GUARDED_BY(mu_) = 0;
  int invocations_ GUARDED_BY(mu_) = 0;
  // An event is left for a warm runtime that had not asked for it yet (set by Invoke before the
  // event is pending, so the /next that comes meanwhile does not freeze): the /next route that
  // takes it writes its START line.
  bool start_at_next_ GUARDED_BY(mu_) = false;
  bool taken_ GUARDED_BY(mu_) = false;  // the current Invoke's event was taken by a /next
  // The /next route is writing a START with the lock let go; Invoke waits for it before END
  // (start_awaited_: it waits, so the route wakes it).
  bool start_writing_ GUARDED_BY(mu_) = false;
  bool start_awaited_ GUARDED_BY(mu_) = false;
  std::optional<InvocationRequest> pending_ GUARDED_BY(mu_);  // waiting for /next
  std::string current_id_ GUARDED_BY(mu_);                    // handed over, not yet answered
  std::string last_id_ GUARDED_BY(mu_);                       // for log lines after the answer
  int64_t handed_over_ns_ GUARDED_BY(mu_) = 0;                // /next took the event
  int64_t written_ns_ GUARDED_BY(mu_) = 0;   // ... and finished writing it to the runtime
  int64_t deadline_ns_ GUARDED_BY(mu_) = 0;  // 0 until the runtime has taken the event
  // The time the waiting Invoke sleeps until (0: none waits): /next wakes it only to make it
  // sooner.
  int64_t invoke_wait_limit_ns_ GUARDED_BY(mu_) = 0;
  std::optional<InvocationOutcome> outcome_ GUARDED_BY(mu_);
  std::optional<std::pair<std::string, std::string>> init_error_ GUARDED_BY(mu_);
  std::string log_ GUARDED_BY(mu_);           // the current invocation's log lines
  bool reader_busy_ GUARDED_BY(mu_) = false;  // the pipe reader holds bytes not yet emitted
  // The current invocation's ResponseSink, and how many listener threads are writing to it
  // right now: Invoke clears it and waits for them before it returns (the sink is the caller's).
  ResponseSink* sink_ GUARDED_BY(mu_) = nullptr;
  int sink_writers_ GUARDED_BY(mu_) = 0;
  // The invocation whose response is streaming in now, and the error its runtime reported
  // for it through /error meanwhile (offstage's runtime clients do: cpp-httplib 0.11 cannot
  // read the error trailers AWS's clients send), applied when the stream ends.
  std::string streaming_id_ GUARDED_BY(mu_);
  std::optional<std::pair<std::string, std::string>> stream_error_ GUARDED_BY(mu_);
};

}  // namespace offstage::runtime
