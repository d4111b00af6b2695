// Supervisor: the seam at the process boundary. An Environment asks its Supervisor to spawn the
// runtime process and then drives the child through ChildProcess (signal its group, freeze and
// thaw it, see that it exited, reap it); it never calls the OS for a process itself. The
// daemon's PosixSupervisor spawns real processes (process.h); unit tests use
// testing::FakeSupervisor (runtime/testing/fake_supervisor.h), whose child is a thread that
// speaks the Runtime API, so the Environment's lifecycle is tested without an interpreter.
// Thread model: Spawn from any thread; a ChildProcess's methods as each one says.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::runtime {

// The scheduler's account of a thread (Linux schedstat), in nanoseconds.
struct SchedTimes {
  int64_t run_ns = 0;   // on a CPU
  int64_t wait_ns = 0;  // ready to run, waiting on a run queue for a CPU
};

struct ProcessSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value"
  std::string cwd;
  // Not empty: the child sees this directory at /opt, in a private mount namespace
  // (private_opt.h). Spawn fails when the platform refuses one (see OptUnavailable).
  std::string opt_mount;
};

// One spawned runtime: its own process group, its stdout and stderr on pipes. Owned by its
// Environment. Signal, Freeze and Thaw are safe from any thread and harmless after the exit;
// Wait is called once, by the thread that saw both pipes close.
class ChildProcess {
 public:
  virtual ~ChildProcess() = default;  // a child not yet reaped is killed and reaped
  virtual int stdout_fd() const = 0;
  virtual int stderr_fd() const = 0;
  // Signals the whole process group (SIGKILL, SIGCONT).
  virtual void SignalGroup(int signal) = 0;
  // Stops the group (SIGSTOP) / lets it run again (SIGCONT): Lambda's freeze between events.
  virtual void Freeze() = 0;
  virtual void Thaw() = 0;
  // Whether the group leader has exited (not yet reaped; does not block).
  virtual bool LeaderExited() = 0;
  // Reaps the child (blocking until it exits); the raw wait status.
  virtual int Wait() = 0;
  // Peak resident set of the group leader in KiB, 0 if unknown.
  virtual long PeakRssKiB() const = 0;
  // The group leader's main thread's scheduler account; nullopt where unknown or gone.
  virtual std::optional<SchedTimes> Sched() const = 0;
};

class Supervisor {
 public:
  virtual ~Supervisor() = default;
  virtual common::Result<std::unique_ptr<ChildProcess>> Spawn(const ProcessSpec& spec) = 0;
  // "" when a spawned child can see a directory at /opt (ProcessSpec::opt_mount), else why not.
  virtual std::string OptUnavailable() const { return "not supported by this supervisor"; }
};

// Real processes (posix_spawn in their own process group, at background priority).
class PosixSupervisor final : public Supervisor {
 public:
  common::Result<std::unique_ptr<ChildProcess>> Spawn(const ProcessSpec& spec) override;
  std::string OptUnavailable() const override;
};

// "exit status 1" / "signal: killed", as Lambda words Runtime.ExitError.
std::string DescribeExit(int wait_status);

}  // namespace offstage::runtime
