// Process: the POSIX ChildProcess (supervisor.h): one child process in its own process group (so a
// handler's children are signalled and killed with it), with its stdout and stderr on pipes. Owned
// by its Environment. Thread model: Spawn on any thread; SignalGroup is safe from any thread; Wait
// is called once, by the thread that saw both pipes close (see Environment). mu_ orders a signal
// against the reap, so a signal never reaches a process group whose id was freed by the reap (and
// maybe reused).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/runtime/supervisor.h"

namespace offstage::runtime {

class Process final : public ChildProcess {
 public:
  static common::Result<std::unique_ptr<Process>> Spawn(const ProcessSpec& spec);
  ~Process() override;

  pid_t pid() const { return pid_; }
  int stdout_fd() const override { return stdout_fd_; }
  int stderr_fd() const override { return stderr_fd_; }
  // Signals the whole process group; harmless after the process is gone.
  void SignalGroup(int signal) override EXCLUDES(mu_);
  void Freeze() override { SignalGroup(SIGSTOP); }
  void Thaw() override { SignalGroup(SIGCONT); }
  // waitid(WEXITED | WNOHANG | WNOWAIT): the leader stays a zombie until Wait.
  bool LeaderExited() override;
  // Reaps the child (blocking). Returns the raw wait status.
  int Wait() override EXCLUDES(mu_);
  // Peak resident set of the group leader in KiB (VmHWM), 0 if unknown.
  long PeakRssKiB() const override;
  // The group leader's main thread (/proc/<pid>/schedstat), where a runtime runs its handler;
  // not its other threads nor its children. nullopt where the kernel keeps no schedstat or the
  // process is gone.
  std::optional<SchedTimes> Sched() const override;

 private:
  Process(pid_t pid, int out, int err);
  pid_t pid_;
  int stdout_fd_;
  int stderr_fd_;
  // /proc/<pid>/status and /proc/<pid>/schedstat, opened once at the spawn and read again with
  // pread at offset 0 for each invocation (three reads an invocation): no open and close each
  // time, and never another process's files once this one is reaped and its pid reused (the
  // reads then fail). -1 where they could not be opened (then each read opens the file).
  int status_fd_ = -1;
  int schedstat_fd_ = -1;
  common::Mutex mu_;
  bool reaped_ GUARDED_BY(mu_) = false;
};

}  // namespace offstage::runtime
