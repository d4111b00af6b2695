// floor: what this machine costs for the operations offstage's figures are built from, so two
// benchmark tables from two machines can be compared (docs/benchmarks.md, "The floor"). A
// benchmark tool, not a test: bench.py runs it and prints one line per figure.
//   floor version OFFSTAGE_BIN N   exec of `OFFSTAGE_BIN --version` to its exit, p50 in ms
//   floor futex N                  one round trip between two threads through futex wait/wake,
//                                  p50 in µs
//   floor fsync DIR N              a 4 KiB write at offset 0 of a file in DIR, then fsync, p50
//                                  in µs
// Thread model: single-threaded except the futex mode's two threads.
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

long long NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

double Median(std::vector<long long> ns) {
  std::sort(ns.begin(), ns.end());
  return static_cast<double>(ns[ns.size() / 2]);
}

int Version(const char* bin, int n) {
  std::vector<long long> took;
  for (int i = 0; i < n; ++i) {
    const long long start = NowNs();
    const pid_t pid = fork();
    if (pid == 0) {
      if (!freopen("/dev/null", "w", stdout)) _exit(126);
      execl(bin, bin, "--version", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "%s --version failed\n", bin);
      return 1;
    }
    took.push_back(NowNs() - start);
  }
  std::printf("%.3f\n", Median(took) / 1e6);
  return 0;
}

void FutexWait(std::atomic<int>* word, int expected) {
  while (word->load() == expected) {
    syscall(SYS_futex, reinterpret_cast<int*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr,
            0);
  }
}

void FutexWake(std::atomic<int>* word) {
  syscall(SYS_futex, reinterpret_cast<int*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

// The main thread sets `word` to 1 and waits for 0; the other sets it back to 0: each round
// trip is two wake-ups of a sleeping thread, as a hand-off to a worker and back is.
int Futex(int n) {
  std::atomic<int> word{0};
  std::thread partner([&] {
    for (int i = 0; i < n; ++i) {
      FutexWait(&word, 0);
      word.store(0);
      FutexWake(&word);
    }
  });
  std::vector<long long> took;
  for (int i = 0; i < n; ++i) {
    const long long start = NowNs();
    word.store(1);
    FutexWake(&word);
    FutexWait(&word, 1);
    took.push_back(NowNs() - start);
  }
  partner.join();
  std::printf("%.1f\n", Median(took) / 1e3);
  return 0;
}

int Fsync(const std::string& dir, int n) {
  const std::string path = dir + "/offstage-floor-fsync";
  const int fd = open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  char page[4096];
  std::memset(page, 'x', sizeof page);
  std::vector<long long> took;
  for (int i = 0; i < n; ++i) {
    const long long start = NowNs();
    if (pwrite(fd, page, sizeof page, 0) != static_cast<ssize_t>(sizeof page) || fsync(fd) != 0) {
      std::perror("pwrite/fsync");
      close(fd);
      return 1;
    }
    took.push_back(NowNs() - start);
  }
  close(fd);
  unlink(path.c_str());
  std::printf("%.1f\n", Median(took) / 1e3);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "version" && argc == 4) return Version(argv[2], std::atoi(argv[3]));
  if (mode == "futex" && argc == 3) return Futex(std::atoi(argv[2]));
  if (mode == "fsync" && argc == 4) return Fsync(argv[2], std::atoi(argv[3]));
  std::fprintf(stderr, "usage: floor version BIN N | futex N | fsync DIR N\n");
  return 2;
}
