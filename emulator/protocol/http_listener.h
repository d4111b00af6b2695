// HttpListener: the public port's own HTTP/1.1 server (docs/architecture.md, "The public
// listener"). A pool of threads waits on one epoll set; the thread woken by a connection owns it
// (EPOLLONESHOT) until the connection must wait for input again: it reads, parses (with
// http_request.h's RequestParser), runs the handler on every complete request and writes the
// answer itself, so a request wakes one thread, not an event thread and then a worker. Reads
// never block: a client that trickles holds no thread between its bytes. Heads and bodies have
// deadlines; connections are limited per client address and in all.
// Threads start on demand (another when the last waiting one takes an event, up to `threads`)
// and retire after `idle_retire_ms` without an event while another thread waits.
// Owned by HttpServer. Thread model: Serve() runs on the caller's thread as the pool's first
// thread (it never retires) and returns once every request in flight is answered; handlers run
// concurrently on the pool's threads; Stop() is safe from any thread. mu_ guards the connection
// table and the pool's counts; a Connection's own fields belong to the thread that owns it, and,
// while nobody owns it, to whoever holds mu_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/common/thread_set.h"
#include "emulator/protocol/http_request.h"
#include "emulator/protocol/http_types.h"
#include "emulator/protocol/listen_socket.h"

namespace offstage::protocol {

struct ListenerOptions {
  int threads = 64;  // the most threads: requests handled at once
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

  // Runs the pool until Stop(); in-flight requests finish before it returns.
  void Serve() EXCLUDES(mu_);
  void WaitUntilServing() EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);
  // Threads serving (Serve's own included), started and not retired.
  int workers() EXCLUDES(mu_);

 private:
  struct Connection;

  // One thread of the pool: waits for an event, handles it, until stopped (or, unless `first`,
  // idle long enough to retire).
  void Loop(bool first) EXCLUDES(mu_);
  // Accepts every pending connection; the listening socket is armed again after.
  void Accept() REQUIRES(mu_);
  // The owner's turn with a connection: reads what came, answers every complete request, and
  // gives the connection back (watched again) or closes it.
  void Turn(Connection& conn) EXCLUDES(mu_);
  // Runs the handler and writes its answer; whether the connection may carry another request
  // (the whole answer written, and no close asked or owed).
  bool Answer(const Connection& conn, const HttpRequest& request, bool close) EXCLUDES(mu_);
  // Gives an owned connection back: its deadline for what it waits for, watched again.
  void Release(Connection& conn) REQUIRES(mu_);
  void Close(uint64_t id) REQUIRES(mu_);
  void AnswerAndClose(Connection& conn, int status, const std::string& message) REQUIRES(mu_);
  void Arm(int fd, uint64_t id, int op) REQUIRES(mu_);
  void ExpireDeadlines() REQUIRES(mu_);
  // At Stop: the listening socket and every connection nobody owns are closed.
  void StopAccepting() REQUIRES(mu_);
  // Sweeps the deadlines if kSweepMs passed since the last sweep, and arms a paused listening
  // socket again.
  void Sweep(int64_t now) REQUIRES(mu_);
  // Starts a thread of the pool; the caller counted it in live_ and waiting_.
  void Spawn() EXCLUDES(mu_);

  ListenerOptions options_;
  Handler handler_;
  int listen_fd_ GUARDED_BY(mu_) = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() writes it and nobody reads it, so it wakes every thread

  std::atomic<bool> stopping_{false};
  common::Mutex mu_;
  std::condition_variable cv_;  // serving_
  bool serving_ GUARDED_BY(mu_) = false;
  uint64_t next_id_ GUARDED_BY(mu_) = 2;  // 0 and 1 are the listening socket and the eventfd
  std::map<uint64_t, std::unique_ptr<Connection>> connections_ GUARDED_BY(mu_);
  std::map<std::string, int> per_client_ GUARDED_BY(mu_);
  int64_t last_sweep_ms_ GUARDED_BY(mu_) = 0;
  bool listen_paused_ GUARDED_BY(mu_) = false;  // accept failed for want of descriptors
  int live_ GUARDED_BY(mu_) = 0;     // threads started and not retired (Serve's included)
  int waiting_ GUARDED_BY(mu_) = 0;  // threads in epoll_wait, or started or about to enter it
  common::ThreadSet threads_;        // last: destroyed (joined) before what its threads use
};

}  // namespace offstage::protocol
