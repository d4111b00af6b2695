// PrivateOpt (private_opt.h): the namespaces a child enters to see its layers at /opt.
#include "emulator/runtime/private_opt.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace offstage::runtime {
namespace {

// Writes `text` to `path` (a /proc file of the child's own); async-signal-safe.
bool WriteFile(const char* path, const std::string& text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

}  // namespace

OptPlan PlanOpt(const std::string& dir) {
  OptPlan plan;
  plan.dir = dir;
  plan.uid_map = std::to_string(getuid()) + " " + std::to_string(getuid()) + " 1\n";
  plan.gid_map = std::to_string(getgid()) + " " + std::to_string(getgid()) + " 1\n";
  plan.root = geteuid() == 0;
  return plan;
}

int EnterOpt(const OptPlan& plan, const char** step) {
  // Root (with CAP_SYS_ADMIN) needs only a mount namespace; anyone else, or root in a
  // container that withholds the capability, a user namespace that owns one.
  if (!plan.root || unshare(CLONE_NEWNS) != 0) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      *step = "unshare";
      return errno;
    }
    if (!WriteFile("/proc/self/setgroups", "deny") ||
        !WriteFile("/proc/self/uid_map", plan.uid_map) ||
        !WriteFile("/proc/self/gid_map", plan.gid_map)) {
      *step = "the user namespace's id maps";
      return errno;
    }
  }
  // Nothing mounted here propagates back to the host's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *step = "mount --make-rprivate /";
    return errno;
  }
  if (mount(plan.dir.c_str(), "/opt", nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    *step = "mount --bind DIR /opt";
    return errno;
  }
  // Read-only, as Lambda's /opt; where the remount is refused the bind still serves.
  mount(nullptr, "/opt", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr);
  return 0;
}

const std::string& PrivateOptUnavailable() {
  static const std::string reason = [] {
    const OptPlan plan = PlanOpt("/opt");
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    const pid_t pid = fork();
    if (pid < 0) {
      close(pipefd[0]);
      close(pipefd[1]);
      return std::string("fork: ") + std::strerror(errno);
    }
    if (pid == 0) {
      const char* step = "";
      const int error = EnterOpt(plan, &step);
      if (error != 0) {
        (void)!write(pipefd[1], step, std::strlen(step));
        (void)!write(pipefd[1], ": ", 2);
        const char* text = strerrordesc_np(error);
        if (text) (void)!write(pipefd[1], text, std::strlen(text));
      }
      _exit(error == 0 ? 0 : 1);
    }
    close(pipefd[1]);
    std::string why;
    char buf[256];
    ssize_t got = 0;
    while ((got = read(pipefd[0], buf, sizeof buf)) > 0) why.append(buf, static_cast<size_t>(got));
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::string();
    return why.empty() ? std::string("the probe failed") : why;
  }();
  return reason;
}

}  // namespace offstage::runtime
