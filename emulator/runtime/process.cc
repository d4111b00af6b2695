#include "emulator/runtime/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "emulator/common/priority.h"
#include "emulator/runtime/private_opt.h"

namespace offstage::runtime {

namespace {

// The program `name` names: itself when it has a '/', else the first executable of that name
// on PATH (posix_spawnp's search, done before a fork).
std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate =
        (end > start ? dirs.substr(start, end - start) : std::string(".")) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;
}

// posix_spawn's setup by hand, for a child that must enter namespaces before its exec (a
// private /opt): fork, then only async-signal-safe calls until execve. Returns the child's
// pid, or -1 with errno set.
pid_t ForkWithOpt(const ProcessSpec& spec, int out, int err, char* const argv[],
                  char* const envp[]) {
  const OptPlan plan = PlanOpt(spec.opt_mount);
  const std::string program = FindProgram(spec.argv[0]);
  const pid_t pid = fork();
  if (pid > 0) {
    // Both sides set the group (the usual pattern): a signal to the group right after the fork
    // must reach the child even before it ran its own setpgid.
    setpgid(pid, pid);
    return pid;
  }
  if (pid < 0) return pid;
  setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    if (null_fd != STDIN_FILENO) close(null_fd);
  }
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  const char* step = "";
  if (const int error = EnterOpt(plan, &step); error != 0) {
    const char* text = strerrordesc_np(error);
    const char* parts[] = {"offstage: cannot show the layers at /opt: ", step, ": ",
                           text ? text : "error", "\n"};
    for (const char* part : parts) (void)!write(STDERR_FILENO, part, std::strlen(part));
    _exit(127);
  }
  if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) _exit(127);
  execve(program.c_str(), argv, envp);
  const char* parts[] = {"offstage: cannot start ", program.c_str(), ": ", strerrordesc_np(errno),
                         "\n"};
  for (const char* part : parts) {
    if (part) (void)!write(STDERR_FILENO, part, std::strlen(part));
  }
  _exit(127);
}

}  // namespace

std::string PosixSupervisor::OptUnavailable() const { return PrivateOptUnavailable(); }

common::Result<std::unique_ptr<Process>> Process::Spawn(const ProcessSpec& spec) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return common::Fail(common::Internal("pipe failed"));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return common::Fail(common::Internal("pipe failed"));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (pgid = pid), default signal dispositions and an empty mask: the daemon
  // blocks SIGINT/SIGTERM in its threads, and a child must not inherit that.
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& var : spec.env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = 0;
  if (spec.opt_mount.empty()) {
    rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  } else {
    pid = ForkWithOpt(spec, out[1], err[1], argv.data(), envp.data());
    rc = pid < 0 ? errno : 0;
  }
  if (rc == 0) common::RunInBackground(pid);  // before it has started much of anything
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return common::Fail(
        common::Internal("cannot start " + spec.argv[0] + ": " + std::strerror(rc)));
  }
  return std::unique_ptr<Process>(new Process(pid, out[0], err[0]));
}

Process::Process(pid_t pid, int out, int err) : pid_(pid), stdout_fd_(out), stderr_fd_(err) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid_));
  status_fd_ = open(path, O_RDONLY | O_CLOEXEC);
  std::snprintf(path, sizeof path, "/proc/%d/schedstat", static_cast<int>(pid_));
  schedstat_fd_ = open(path, O_RDONLY | O_CLOEXEC);
}

Process::~Process() {
  bool reaped = false;
  {
    common::MutexLock lock(mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    SignalGroup(SIGKILL);
    Wait();
  }
  close(stdout_fd_);
  close(stderr_fd_);
  if (status_fd_ >= 0) close(status_fd_);
  if (schedstat_fd_ >= 0) close(schedstat_fd_);
}

void Process::SignalGroup(int signal) {
  common::MutexLock lock(mu_);
  if (!reaped_) kill(-pid_, signal);
}

int Process::Wait() {
  // Wait for the exit without reaping: while the leader is an unreaped zombie its process group
  // id cannot be reused, so killing the group here reaches only what the handler left behind.
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  common::MutexLock lock(mu_);
  kill(-pid_, SIGKILL);
  int status = 0;
  // The leader has exited, so this does not block.
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  return status;
}

namespace {

// Reads a /proc file of the child into `buf` (NUL-terminated): from the descriptor kept open, or,
// where opening it at the spawn failed (out of descriptors then), by opening it now.
ssize_t ReadProc(int fd, pid_t pid, const char* name, char* buf, size_t size) {
  if (fd >= 0) {
    const ssize_t got = pread(fd, buf, size - 1, 0);
    if (got > 0) buf[got] = '\0';
    return got;
  }
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), name);
  const int opened = open(path, O_RDONLY | O_CLOEXEC);
  if (opened < 0) return -1;
  const ssize_t got = read(opened, buf, size - 1);
  close(opened);
  if (got > 0) buf[got] = '\0';
  return got;
}

}  // namespace

long Process::PeakRssKiB() const {
  char buf[4096];
  const ssize_t got = ReadProc(status_fd_, pid_, "status", buf, sizeof buf);
  if (got <= 0) return 0;
  const char* line = std::strstr(buf, "\nVmHWM:");
  return line ? std::strtol(line + 7, nullptr, 10) : 0;
}

std::optional<SchedTimes> Process::Sched() const {
  // One read of a small file (twice per invocation): the main thread's figures only.
  char buf[96];
  const ssize_t got = ReadProc(schedstat_fd_, pid_, "schedstat", buf, sizeof buf);
  if (got <= 0) return std::nullopt;
  long long run = 0;
  long long wait = 0;
  if (std::sscanf(buf, "%lld %lld", &run, &wait) != 2) return std::nullopt;
  return SchedTimes{run, wait};
}

common::Result<std::unique_ptr<ChildProcess>> PosixSupervisor::Spawn(const ProcessSpec& spec) {
  auto spawned = Process::Spawn(spec);
  if (!spawned) return common::Fail(spawned.error());
  return std::unique_ptr<ChildProcess>(std::move(*spawned));
}

bool Process::LeaderExited() {
  siginfo_t info{};
  info.si_pid = 0;
  waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  return info.si_pid != 0;
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    if (sig == SIGKILL) return "signal: killed";
    const char* name = sigabbrev_np(sig);
    return std::string("signal: ") + (name ? name : std::to_string(sig));
  }
  return "exit status unknown";
}

}  // namespace offstage::runtime
