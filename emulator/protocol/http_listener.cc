// HttpListener: the public port's sockets, its pool of threads on one epoll set, deadlines and
// connection limits (parsing and framing are in http_request.cc). Thread model: see
// http_listener.h.
#include "emulator/protocol/http_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"

namespace offstage::protocol {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Writes all of `data`, waiting at most `timeout_ms` for each bit of progress.
bool WriteAll(int fd, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

// A streamed answer's writer on a worker: the head (with the answer's own headers after the
// stream's), then each chunk framed as HTTP/1.1 chunked coding.
class ChunkedStream final : public ResponseStream {
 public:
  ChunkedStream(int fd, bool close, int timeout_ms,
                std::vector<std::pair<std::string, std::string>> extra)
      : fd_(fd), close_(close), timeout_ms_(timeout_ms), extra_(std::move(extra)) {}

  bool Begin(const HttpResponse& head) override {
    if (begun_) return ok_;
    begun_ = true;
    HttpResponse framed = head;
    framed.body.clear();
    framed.stream = nullptr;
    for (const auto& header : extra_) framed.headers.push_back(header);
    no_body_ = head.status == 204 || head.status == 304 || head.status < 200;
    ok_ = WriteAll(fd_, SerializeResponse(framed, close_, /*chunked=*/true), timeout_ms_);
    return ok_;
  }
  bool begun() const override { return begun_; }
  void Abort() override { aborted_ = true; }
  bool aborted() const { return aborted_; }
  bool Write(std::string_view bytes) override {
    if (!begun_ || !ok_ || aborted_) return false;
    if (bytes.empty() || no_body_) return true;
    char size[32];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    ok_ = WriteAll(fd_, std::string_view(size, static_cast<size_t>(n)), timeout_ms_) &&
          WriteAll(fd_, bytes, timeout_ms_) && WriteAll(fd_, "\r\n", timeout_ms_);
    return ok_;
  }
  // The last chunk; whether the whole answer reached the socket.
  bool Finish() {
    if (ok_ && !no_body_) ok_ = WriteAll(fd_, "0\r\n\r\n", timeout_ms_);
    return ok_;
  }

 private:
  const int fd_;
  const bool close_;
  const int timeout_ms_;
  const std::vector<std::pair<std::string, std::string>> extra_;
  bool begun_ = false;
  bool ok_ = true;
  bool no_body_ = false;
  bool aborted_ = false;
};

// What an epoll event names: the listening socket, the eventfd, or a connection by its id (never
// its descriptor, which a closed connection's successor may have).
constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;
constexpr int64_t kSweepMs = 250;

HttpResponse ErrorResponse(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = nlohmann::json{{"Type", "User"}, {"message", message}}.dump(
      -1, ' ', false, common::kReplaceInvalidUtf8);
  return response;
}

}  // namespace

struct HttpListener::Connection {
  Connection(int f, uint64_t i, std::string p, RequestParser::Limits limits)
      : fd(f), id(i), peer(std::move(p)), parser(limits) {}
  const int fd;
  const uint64_t id;
  const std::string peer;
  RequestParser parser;
  std::string in;
  size_t pos = 0;
  bool owned = false;         // a thread has it: read, parsed, answered there (mu_)
  bool served = false;        // has answered a request (idle timeout instead of head timeout)
  int64_t waiting_since = 0;  // since the last answer (or the accept)
  int64_t head_since = 0;     // since the first byte of the current request
  int64_t last_read = 0;
  int64_t deadline = 0;  // for what it waits for; swept (under mu_) while nobody owns it
};

HttpListener::HttpListener(ListenSocket socket, ListenerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  const ListenSocket::Descriptors fds = socket.Release();
  listen_fd_ = fds.listen_fd;
  epoll_fd_ = fds.epoll_fd;
  wake_fd_ = fds.wake_fd;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const int room = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20)) - 256;
    options_.max_connections = std::max(64, std::min(options_.max_connections, room));
  }
  if (epoll_fd_ >= 0) {
    // The listening socket is taken by one thread at a time (it accepts, then arms it again);
    // the eventfd, level-triggered and never read, wakes every thread once Stop() writes it.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = kListenId;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeId;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, wake_fd_, &ev);
  }
}

HttpListener::~HttpListener() {
  Stop();
  threads_.JoinAll();
  common::MutexLock lock(mu_);
  for (auto& [id, conn] : connections_) ::close(conn->fd);
  connections_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpListener::WaitUntilServing() {
  common::MutexLock lock(mu_);
  while (!serving_ && !stopping_) cv_.wait(lock.native());
}

int HttpListener::workers() {
  common::MutexLock lock(mu_);
  return live_;
}

void HttpListener::Stop() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  common::MutexLock lock(mu_);
  cv_.notify_all();
}

void HttpListener::Serve() {
  if (epoll_fd_ < 0) return;
  {
    common::MutexLock lock(mu_);
    ++live_;
    serving_ = true;
    last_sweep_ms_ = NowMs();
  }
  cv_.notify_all();
  Loop(/*first=*/true);
  // Every other thread returns once it has answered what it had (a stopping pool starts none).
  threads_.JoinAll();
  common::MutexLock lock(mu_);
  StopAccepting();
}

void HttpListener::Spawn() {
  threads_.Spawn([this] {
    Loop(/*first=*/false);
    threads_.Retire();
  });
}

void HttpListener::Loop(bool first) {
  int64_t idle_since = NowMs();
  epoll_event ev{};
  common::MutexLock lock(mu_);
  bool counted = !first;  // a spawned thread is counted waiting from its spawn
  for (;;) {
    if (stopping_) {
      if (counted) --waiting_;
      StopAccepting();
      --live_;
      return;
    }
    if (!counted) ++waiting_;
    counted = false;
    lock.Unlock();
    // One event at a time: a thread that runs a handler holds no other connection's turn.
    const int n = ::epoll_wait(epoll_fd_, &ev, 1, static_cast<int>(kSweepMs));
    lock.Lock();
    --waiting_;
    const int64_t now = NowMs();
    if (n <= 0) {
      Sweep(now);
      // Idle long enough, and another thread still waits (this one no longer counts): retire.
      if (!first && now - idle_since >= options_.idle_retire_ms && waiting_ > 0) {
        --live_;
        return;
      }
      continue;
    }
    idle_since = now;
    // Copied out first: epoll_event is packed, so its u64 is not aligned for a reference.
    const uint64_t id = ev.data.u64;
    if (id == kWakeId) continue;  // Stop(): seen at the top
    // This thread leaves the wait: if it was the last one there, another starts (counted as
    // waiting at once), so that a handler running here never keeps the next request from being
    // read. Started outside the lock: making a thread takes a while.
    if (waiting_ == 0 && !stopping_ && live_ < std::max(1, options_.threads)) {
      ++live_;
      ++waiting_;
      lock.Unlock();
      Spawn();
      lock.Lock();
    }
    if (id == kListenId) {
      Accept();
    } else if (auto it = connections_.find(id); it != connections_.end()) {
      Connection& conn = *it->second;
      conn.owned = true;
      lock.Unlock();
      Turn(conn);
      lock.Lock();
      idle_since = NowMs();
    }  // else closed meanwhile (a deadline, or the stop)
    // After this thread's own event, which may be a connection the sweep would find late.
    Sweep(NowMs());
  }
}

void HttpListener::Sweep(int64_t now) {
  if (now - last_sweep_ms_ < kSweepMs) return;
  last_sweep_ms_ = now;
  ExpireDeadlines();
  if (listen_paused_ && listen_fd_ >= 0) {
    listen_paused_ = false;
    Arm(listen_fd_, kListenId, EPOLL_CTL_MOD);
  }
}

void HttpListener::Accept() {
  if (listen_fd_ < 0) return;
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // Out of descriptors or memory: armed again by the next sweep or the next close,
        // instead of at once (the pending connection would wake thread after thread).
        listen_paused_ = true;
        return;
      }
      break;
    }
    char text[INET6_ADDRSTRLEN] = "";
    if (addr.ss_family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
    } else if (addr.ss_family == AF_INET6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, text, sizeof text);
    }
    const std::string peer = text;
    int& count = per_client_[peer];
    if (count >= options_.max_connections_per_client ||
        static_cast<int>(connections_.size()) >= options_.max_connections) {
      const std::string reply = SerializeResponse(
          ErrorResponse(503, count >= options_.max_connections_per_client
                                 ? "Too many connections from " + peer + " (at most " +
                                       std::to_string(options_.max_connections_per_client) +
                                       " at once)"
                                 : "Too many connections"),
          true);
      [[maybe_unused]] ssize_t n = ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(fd);
      if (count == 0) per_client_.erase(peer);
      continue;
    }
    ++count;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const uint64_t id = next_id_++;
    auto conn = std::make_unique<Connection>(fd, id, peer, options_.limits);
    conn->waiting_since = NowMs();
    conn->deadline = conn->waiting_since + options_.head_timeout_ms;
    connections_.emplace(id, std::move(conn));
    Arm(fd, id, EPOLL_CTL_ADD);
  }
  Arm(listen_fd_, kListenId, EPOLL_CTL_MOD);
}

void HttpListener::Arm(int fd, uint64_t id, int op) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = id;
  ::epoll_ctl(epoll_fd_, op, fd, &ev);
}

void HttpListener::Turn(Connection& conn) {
  // Read at most 1 MiB per turn so that one fast sender cannot monopolize the thread.
  char buf[64 * 1024];
  size_t total = 0;
  bool eof = false;
  while (total < (1u << 20)) {
    const ssize_t n = ::recv(conn.fd, buf, sizeof buf, 0);
    if (n > 0) {
      conn.in.append(buf, static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    eof = true;  // orderly close or an error: nothing more will come
    break;
  }
  if (total > 0) conn.last_read = NowMs();
  // Every complete request buffered is answered, in order (pipelining); requests complete
  // before a close are still answered (a client may send its last request and half-close), a
  // partial one is dropped.
  for (;;) {
    const RequestParser::State state = conn.parser.Parse(conn.in, &conn.pos);
    if (conn.parser.TakeContinue()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      [[maybe_unused]] ssize_t n =
          ::send(conn.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    if (conn.pos > 0 && (conn.pos == conn.in.size() || conn.pos >= (1u << 16))) {
      conn.in.erase(0, conn.pos);
      conn.pos = 0;
    }
    if (state == RequestParser::State::kError) {
      common::MutexLock lock(mu_);
      AnswerAndClose(conn, conn.parser.error_status(), conn.parser.error_message());
      return;
    }
    if (state == RequestParser::State::kNeedMore) break;
    const bool close = !conn.parser.keep_alive() || stopping_;
    HttpRequest request = conn.parser.Take();
    request.peer = conn.peer;
    conn.head_since = 0;
    if (!Answer(conn, request, close)) {
      common::MutexLock lock(mu_);
      Close(conn.id);
      return;
    }
    conn.served = true;
    conn.waiting_since = NowMs();
  }
  common::MutexLock lock(mu_);
  if (eof || stopping_) {
    Close(conn.id);
    return;
  }
  Release(conn);
}

bool HttpListener::Answer(const Connection& conn, const HttpRequest& request, bool close) {
  HttpResponse response;
  try {
    response = handler_(request);
  } catch (const std::exception& e) {
    response = ErrorResponse(500, std::string("Internal error: ") + e.what());
  } catch (...) {
    response = ErrorResponse(500, "Internal error");
  }
  close = close || stopping_;
  const int timeout_ms = static_cast<int>(std::min<int64_t>(options_.body_timeout_ms, 1 << 30));
  bool written = false;
  if (response.stream) {
    ChunkedStream stream(conn.fd, close, timeout_ms, response.headers);
    HttpResponse whole;
    try {
      whole = response.stream(stream);
    } catch (const std::exception& e) {
      whole = ErrorResponse(500, std::string("Internal error: ") + e.what());
    }
    if (stream.begun()) {
      // An aborted answer ends with the connection, without its last chunk.
      written = !stream.aborted() && stream.Finish();
    } else {
      for (const auto& header : response.headers) whole.headers.push_back(header);
      written = WriteAll(conn.fd, SerializeResponse(whole, close), timeout_ms);
    }
  } else {
    written = WriteAll(conn.fd, SerializeResponse(response, close), timeout_ms);
  }
  return written && !close;
}

void HttpListener::Release(Connection& conn) {
  const int64_t now = NowMs();
  if (!conn.parser.Started()) {
    conn.head_since = 0;
    conn.deadline =
        conn.waiting_since + (conn.served ? options_.idle_timeout_ms : options_.head_timeout_ms);
  } else if (conn.parser.InHead()) {
    if (conn.head_since == 0) conn.head_since = now;
    conn.deadline = conn.head_since + options_.head_timeout_ms;
  } else {
    conn.deadline = std::max(conn.last_read, conn.head_since) + options_.body_timeout_ms;
  }
  conn.owned = false;
  // Armed under mu_: nobody can close the connection (and give its descriptor to another)
  // between the decision and the arming.
  Arm(conn.fd, conn.id, EPOLL_CTL_MOD);
}

void HttpListener::Close(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const int fd = it->second->fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  auto count = per_client_.find(it->second->peer);
  if (count != per_client_.end() && --count->second <= 0) per_client_.erase(count);
  ::close(fd);
  connections_.erase(it);
  if (listen_paused_ && listen_fd_ >= 0) {  // a descriptor is free again
    listen_paused_ = false;
    Arm(listen_fd_, kListenId, EPOLL_CTL_MOD);
  }
}

void HttpListener::AnswerAndClose(Connection& conn, int status, const std::string& message) {
  const std::string reply = SerializeResponse(ErrorResponse(status, message), true);
  // Small enough for the socket buffer: never block on it (mu_ is held).
  [[maybe_unused]] ssize_t n =
      ::send(conn.fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(conn.fd, SHUT_WR);
  Close(conn.id);
}

void HttpListener::ExpireDeadlines() {
  const int64_t now = NowMs();
  std::vector<uint64_t> expired;
  for (const auto& [id, conn] : connections_) {
    if (conn->owned || conn->deadline > now) continue;
    // Input the pool has not read yet (every thread was in a handler) is not the client's
    // delay: its event is pending, and the thread that takes it reads on.
    char byte = 0;
    if (::recv(conn->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) continue;
    expired.push_back(id);
  }
  for (uint64_t id : expired) {
    Connection& conn = *connections_.at(id);
    if (conn.parser.Started()) {
      AnswerAndClose(conn, 408,
                     conn.parser.InHead() ? "The request head did not arrive in time"
                                          : "The request body did not arrive in time");
    } else {
      Close(id);
    }
  }
}

void HttpListener::StopAccepting() {
  listen_paused_ = false;
  if (listen_fd_ >= 0) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  // Idle connections close at once; owned ones close when their thread has answered.
  std::vector<uint64_t> idle;
  for (const auto& [id, conn] : connections_) {
    if (!conn->owned) idle.push_back(id);
  }
  for (uint64_t id : idle) Close(id);
}

}  // namespace offstage::protocol
