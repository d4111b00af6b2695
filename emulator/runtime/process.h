// Process: one child process in its own process group (so a handler's children are signalled
// and killed with it), with its stdout and stderr on pipes. Owned by its Environment. Thread
// model: Spawn on any thread; SignalGroup is safe from any thread; Wait is called once, by the
// thread that saw both pipes close (see Environment). mu_ orders a signal against the reap, so a
// signal never reaches a process group whose id was freed by the reap (and maybe reused).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/mutex.h"
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
};

class Process {
 public:
  static common::Result<std::unique_ptr<Process>> Spawn(const ProcessSpec& spec);
  ~Process();

  pid_t pid() const { return pid_; }
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }
  // Signals the whole process group; harmless after the process is gone.
  void SignalGroup(int signal) EXCLUDES(mu_);
  // Reaps the child (blocking). Returns the raw wait status.
  int Wait() EXCLUDES(mu_);
  // Peak resident set of the group leader in KiB (VmHWM), 0 if unknown.
  long PeakRssKiB() const;
  // The group leader's main thread (/proc/<pid>/schedstat), where a runtime runs its handler;
  // not its other threads nor its children. nullopt where the kernel keeps no schedstat or the
  // process is gone.
  std::optional<SchedTimes> Sched() const;

 private:
  Process(pid_t pid, int out, int err) : pid_(pid), stdout_fd_(out), stderr_fd_(err) {}
  pid_t pid_;
  int stdout_fd_;
  int stderr_fd_;
  common::Mutex mu_;
  bool reaped_ GUARDED_BY(mu_) = false;
};

// "exit status 1" / "signal: killed", as Lambda words Runtime.ExitError.
std::string DescribeExit(int wait_status);

}  // namespace offstage::runtime
