#include "emulator/common/delayed_queue.h"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

namespace offstage::common {
namespace {

constexpr int64_t kMs = 1'000'000;

// Collects what ran, in order, and lets a test wait for a count.
struct Ran {
  void Add(std::string what) {
    {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(std::move(what));
    }
    cv.notify_all();
  }
  std::vector<std::string> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return order.size() >= n; });
    return order;
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> order;
};

// A worker counts as running until `run` returns, just after it reported to Ran: poll.
template <typename Job>
size_t SettledPending(const DelayedQueue<Job>& queue, size_t expected) {
  for (int i = 0; i < 1000 && queue.pending() != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return queue.pending();
}

}  // namespace

TEST_CASE("DelayedQueue runs jobs in due order, arrival order among equal times") {
  SystemClock clock;
  DelayedQueue<std::string> queue(clock);
  Ran ran;
  const int64_t now = clock.NowNanos();
  // Added before the single worker starts, so the order is the queue's, not a race.
  queue.Add(now + 40 * kMs, "c");
  queue.Add(now - 1, "a1");
  queue.Add(now + 20 * kMs, "b");
  queue.Add(now - 1, "a2");
  queue.Add(0, "first");
  queue.Start(1, [&](std::string job) {
    if (job == "c") CHECK(clock.NowNanos() >= now + 40 * kMs);  // never early
    ran.Add(std::move(job));
  });
  CHECK(ran.WaitFor(5) == std::vector<std::string>{"first", "a1", "a2", "b", "c"});
  CHECK(SettledPending(queue, 0) == 0);
}

TEST_CASE("DelayedQueue: a job due now is taken while another worker sleeps until a later one") {
  SystemClock clock;
  DelayedQueue<std::string> queue(clock);
  Ran ran;
  queue.Start(4, [&](std::string job) { ran.Add(std::move(job)); });
  queue.Add(clock.NowNanos() + 3'600'000 * kMs, "in an hour");
  for (int i = 0; i < 100; ++i) queue.Add(clock.NowNanos(), "now");
  CHECK(ran.WaitFor(100).size() == 100);
  CHECK(SettledPending(queue, 1) == 1);  // the one due in an hour waits
  // A later job that becomes the earliest shortens the timer's sleep.
  queue.Add(clock.NowNanos() + 30 * kMs, "soon");
  CHECK(ran.WaitFor(101).back() == "soon");
  // Hasten makes selected future jobs due now.
  CHECK(queue.Hasten([](const std::string& job) { return job == "not there"; }) == 0);
  CHECK(queue.Hasten([](const std::string& job) { return job == "in an hour"; }) == 1);
  CHECK(ran.WaitFor(102).back() == "in an hour");
  CHECK(SettledPending(queue, 0) == 0);
}

TEST_CASE("DelayedQueue: nothing starts after RequestStop; Stop waits for running jobs") {
  SystemClock clock;
  DelayedQueue<int> queue(clock);
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> runs{0};
  std::atomic<bool> finished{false};
  queue.Start(2, [&](int job) {
    ++runs;
    if (job == 1) {
      started.set_value();
      released.wait();
      finished = true;
    }
  });
  queue.Add(0, 1);
  started.get_future().wait();
  queue.RequestStop();
  queue.Add(0, 2);  // accepted, never handed out
  std::thread stopper([&] { queue.Stop(); });
  release.set_value();
  stopper.join();
  CHECK(finished.load());
  CHECK(runs.load() == 1);
  CHECK(queue.pending() == 1);
}

TEST_CASE("DelayedQueue starts workers as jobs wait for one and retires them when idle") {
  SystemClock clock;
  DelayedQueue<int> queue(clock);
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  bool release = false;
  queue.Start(
      3,
      [&](int) {
        std::unique_lock<std::mutex> lock(mu);
        ++running;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        --running;
      },
      std::chrono::milliseconds(50));
  CHECK(queue.workers() == 1);  // one at the start, not the maximum
  for (int i = 0; i < 5; ++i) queue.Add(clock.NowNanos(), i);
  {
    // Three jobs block their workers: three workers, no more than the maximum.
    std::unique_lock<std::mutex> lock(mu);
    CHECK(cv.wait_for(lock, std::chrono::seconds(30), [&] { return running == 3; }));
  }
  CHECK(queue.workers() == 3);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  CHECK(SettledPending(queue, 0) == 0);
  // Idle past 50 ms, all but one retire; a new job is still run.
  for (int i = 0; i < 1000 && queue.workers() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(queue.workers() == 1);
  queue.Add(clock.NowNanos(), 9);
  CHECK(SettledPending(queue, 0) == 0);
  CHECK(queue.workers() == 1);
}

TEST_CASE("DelayedQueue: a job due later gets a worker to watch for it when every worker is busy") {
  SystemClock clock;
  DelayedQueue<int> queue(clock);
  Ran ran;
  std::promise<void> unblock;
  std::shared_future<void> unblocked = unblock.get_future().share();
  constexpr int kBlocker = 1, kLater = 2;
  queue.Start(2, [&](int job) {
    if (job == kBlocker) unblocked.wait();
    ran.Add(job == kBlocker ? "blocker" : "later");
  });
  queue.Add(clock.NowNanos(), kBlocker);
  for (int i = 0; i < 1000 && queue.pending() != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  queue.Add(clock.NowNanos() + 20 * kMs, kLater);
  CHECK(ran.WaitFor(1) == std::vector<std::string>{"later"});  // while the blocker still runs
  unblock.set_value();
  CHECK(ran.WaitFor(2).size() == 2);
}

}  // namespace offstage::common
