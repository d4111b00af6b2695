// HttpListener: the public port's own HTTP/1.1 server (docs/architecture.md, "The public
// listener"). One event thread (epoll) accepts, reads and parses (with http_request.h's
// RequestParser) every request head and body with deadlines and per-client connection limits;
// only complete requests reach the worker pool, which runs the handler and writes the answer.
// Workers start on demand (one at first, another when a request waits for none idle, up to
// `threads`) and retire after `idle_retire_ms` idle while more than one is left.
// Owned by HttpServer. Thread model: Serve() runs the event thread; handlers run concurrently on
// the workers; Stop() is safe from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/common/thread_set.h"
#include "emulator/protocol/http_request.h"
#include "emulator/protocol/http_types.h"
#include "emulator/protocol/listen_socket.h"

namespace offstage::protocol {

struct ListenerOptions {
  int threads = 64;  // the most workers
  int64_t idle_retire_ms = 10'000;
  RequestParser::Limits limits;
  int64_t head_timeout_ms = 10'000;  // from the first byte of a request to its complete head
  int64_t body_timeout_ms = 10'000;  // longest wait for the next byte of a body
  int64_t idle_timeout_ms = 30'000;  // a keep-alive connection between requests
  int max_connections_per_client = 512;
  int max_connections = 4096;  // lowered to fit RLIMIT_NOFILE
};

class HttpListener {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Serves `socket` (bound and listening already).
  HttpListener(ListenSocket socket, ListenerOptions options, Handler handler);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Runs the event loop until Stop(); in-flight requests finish before it returns.
  void Serve();
  void WaitUntilServing();
  void Stop();
  // Workers started and not retired.
  int workers();

 private:
  struct Connection;
  struct Task {
    int fd;
    uint64_t generation;
    HttpRequest request;
    bool close;
    // Nothing else is buffered: once answered, the worker may watch the connection again
    // itself, and the event thread learns of the answer when it next wakes, not by a wake-up.
    bool rearm;
  };
  struct Done {
    int fd;
    uint64_t generation;
    bool close;
    bool watched;  // the worker already watches it again (Task::rearm)
  };

  void Accept();
  void OnReadable(Connection& conn);
  // Parses what is buffered: dispatches a complete request, answers errors, or waits for more.
  void Advance(Connection& conn);
  void Close(int fd);
  void AnswerAndClose(Connection& conn, int status, const std::string& message);
  void Watch(Connection& conn, bool on);
  void ExpireDeadlines();
  void Worker();
  void SpawnWorkerLocked();  // mu_ held
  void Finished(int fd, uint64_t generation, bool close);
  void DrainFinished();

  ListenerOptions options_;
  Handler handler_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() and finished requests wake the event thread
  uint64_t next_generation_ = 1;

  // Event thread only.
  std::map<int, std::unique_ptr<Connection>> connections_;
  std::map<std::string, int> per_client_;
  int busy_ = 0;

  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool serving_ = false;
  bool workers_stop_ = false;
  std::deque<Task> tasks_;
  std::vector<Done> finished_;
  int live_workers_ = 0;       // started and not retired
  int idle_workers_ = 0;       // waiting for a task
  common::ThreadSet workers_;  // last: destroyed (joined) before what its threads use
};

}  // namespace offstage::protocol
