// Pool: the execution environments of every function. Hands out a warm idle environment when
// one exists (most recently used first), starts a new one (a cold start) when the function's
// concurrency allows, and throttles otherwise; retires environments whose code or configuration
// changed, and reaps those idle past --idle-timeout. Queued (asynchronous) work may wait for a
// busy environment rather than start one, when that is expected to be quicker (Acquire). Owned by
// app::Daemon (through the Lambda service). Thread model: any invoker thread may Acquire/Release;
// one mutex guards the bookkeeping and is never held while an environment starts or stops; one
// reaper thread.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/runtime/environment.h"

namespace offstage::runtime {

struct PoolOptions {
  int max_environments = 64;
  int64_t idle_timeout_ns = 10LL * 60 * 1'000'000'000;
};

enum class AcquireError { kThrottledReserved, kThrottledAccount, kStartFailed, kStopping };

struct AcquireFailure {
  AcquireError reason;
  std::string message;
};

class Pool {
 public:
  // `supervisor` spawns the environments' processes (supervisor.h).
  Pool(PoolOptions options, Supervisor& supervisor, const common::Clock& clock,
       common::IdGenerator& ids, LogSink& logs);
  ~Pool();  // StopAll()

  // `reserved` is the function's reserved concurrency, or -1 when it has none. With
  // `prefer_warm` (queued work, whose caller is not waiting on this invocation), when every
  // environment of the function is busy and its invocations have been shorter than its cold
  // starts, waits up to one cold start's time for one of them to come free, and then starts a
  // new environment only once no other is starting: no process is started for work a warm
  // environment finishes sooner, and concurrency grows one environment at a time while the
  // backlog lasts (docs/architecture.md, "Scale-out").
  std::expected<std::shared_ptr<Environment>, AcquireFailure> Acquire(const EnvironmentSpec& spec,
                                                                      int reserved,
                                                                      bool prefer_warm = false);
  // `run_ns`/`init_ns`: the invocation's duration and, if it was a cold start, its init.
  void Release(const std::shared_ptr<Environment>& env, bool reusable, int64_t run_ns = 0,
               int64_t init_ns = 0);
  // The function's code or configuration changed: idle environments stop now, busy ones when
  // released; new ones are started with `generation`.
  void Retire(const std::string& function_arn, uint64_t generation);
  // Stops every environment, idle or busy. Idempotent.
  void StopAll();

  struct Stats {
    int idle = 0;
    int busy = 0;
  };
  Stats stats(const std::string& function_arn) const;
  // Every live environment of `function_arn` (starting, idle or busy), oldest first. The pool's
  // mutex is not held while each is asked for its snapshot.
  std::vector<Environment::Snapshot> Environments(const std::string& function_arn) const
      EXCLUDES(mu_);
  // The newest generation seen for `function_arn` (0: none). A function created again under the
  // ARN of a deleted one starts above it, so the deleted one's environments are never reused and
  // its own are.
  uint64_t generation(const std::string& function_arn) const;
  int total() const;
  // Where environments' log lines go (the lines the platform writes for an invocation that ran
  // in no environment go there too: an injected fault's).
  LogSink& logs() const { return logs_; }

 private:
  struct FunctionEnvs {
    std::vector<std::shared_ptr<Environment>> idle;  // back = most recently used
    int busy = 0;
    uint64_t generation = 0;
    int64_t run_ns = 0;   // moving average of invocation durations
    int64_t init_ns = 0;  // moving average of cold starts' init (0: none seen yet)
    // Environments being started: counted when the decision is taken (under the lock, so two
    // callers cannot both decide to start one), and known by address once created, until
    // their first invocation ends.
    int starting = 0;
    std::set<const Environment*> starting_envs;
    std::condition_variable freed;  // an environment went idle, or finished starting
  };
  void Reap();
  // Stops `envs`, which the caller has already taken out of the bookkeeping. Never under mu_:
  // a stop waits for the process to exit (up to its kill grace), and every other Acquire,
  // Release and the reaper would wait behind it. Clang's analysis checks each call site.
  void StopOutsideLock(std::vector<std::shared_ptr<Environment>>& envs) EXCLUDES(mu_);

  const PoolOptions options_;
  Supervisor& supervisor_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  LogSink& logs_;
  mutable common::Mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, FunctionEnvs> functions_ GUARDED_BY(mu_);  // by function ARN
  int total_ GUARDED_BY(mu_) = 0;
  // Every environment started, so StopAll can stop busy ones too (their invokers then see the
  // invocation end at once instead of waiting for a timeout).
  std::vector<std::weak_ptr<Environment>> started_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread reaper_;
};

}  // namespace offstage::runtime
