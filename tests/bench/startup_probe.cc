// startup_probe: starts `offstage serve` and measures the time from exec to the first answered
// GET /_offstage/health, then the daemon's idle RSS and threads (printed: ms, RSS, RssAnon and
// Pss in KiB, threads). A benchmark tool, not a test: run it
// through tests/bench/startup.sh, which prints the table.
//   startup_probe OFFSTAGE_BIN PORT [serve args...]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

long long NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

bool HealthAnswers(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const char request[] =
        "GET /_offstage/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, request, sizeof request - 1) == static_cast<ssize_t>(sizeof request - 1)) {
      char buf[64];
      const ssize_t n = read(fd, buf, sizeof buf - 1);
      if (n > 12) {
        buf[n] = 0;
        ok = std::strncmp(buf, "HTTP/1.1 200", 12) == 0;
      }
    }
  }
  close(fd);
  return ok;
}

// A field of a /proc/PID file in KiB: status's VmRSS (all resident pages, including shared
// library text) or RssAnon (the process's own private memory); smaps_rollup's Pss (each shared
// page divided among the processes that map it).
long StatusKiB(pid_t pid, const std::string& field, const char* file = "status") {
  std::ifstream status("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + field.size(), nullptr, 10);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: startup_probe OFFSTAGE_BIN PORT [serve args...]\n");
    return 2;
  }
  const int port = std::atoi(argv[2]);
  std::vector<char*> args = {argv[1], const_cast<char*>("serve"), const_cast<char*>("--port"),
                             argv[2], const_cast<char*>("--quiet")};
  for (int i = 3; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);

  const long long start = NowNs();
  const pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    execv(argv[1], args.data());
    _exit(127);
  }
  long long answered = -1;
  while (NowNs() - start < 10'000'000'000LL) {
    if (HealthAnswers(port)) {
      answered = NowNs();
      break;
    }
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;
    usleep(100);
  }
  if (answered < 0) {
    std::fprintf(stderr, "offstage did not answer on port %d\n", port);
    kill(pid, SIGKILL);
    return 1;
  }
  usleep(1'000'000);  // idle for a second before reading RSS
  const long rss = StatusKiB(pid, "VmRSS:");
  const long anon = StatusKiB(pid, "RssAnon:");
  const long pss = StatusKiB(pid, "Pss:", "smaps_rollup");
  const long threads = StatusKiB(pid, "Threads:");
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::printf("%.2f %ld %ld %ld %ld\n", (answered - start) / 1e6, rss, anon, pss, threads);
  return 0;
}
