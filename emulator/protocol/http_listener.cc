// HttpListener: the public port's sockets, epoll event loop, deadlines, connection limits and
// worker pool (parsing and framing are in http_request.cc). Thread model: see http_listener.h.
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
  Connection(int f, std::string p, uint64_t g, RequestParser::Limits limits)
      : fd(f), peer(std::move(p)), generation(g), parser(limits) {}
  int fd;
  std::string peer;
  uint64_t generation;
  RequestParser parser;
  std::string in;
  size_t pos = 0;
  bool busy = false;
  bool watched = false;
  bool served = false;        // has answered a request (idle timeout instead of head timeout)
  int64_t waiting_since = 0;  // since the last answer (or the accept)
  int64_t head_since = 0;     // since the first byte of the current request
  int64_t last_read = 0;
  int64_t deadline = 0;
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
}

HttpListener::~HttpListener() {
  Stop();
  {
    std::lock_guard lock(mu_);
    workers_stop_ = true;
  }
  cv_.notify_all();
  workers_.JoinAll();
  for (auto& [fd, conn] : connections_) ::close(fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpListener::WaitUntilServing() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return serving_ || stopping_.load(); });
}

int HttpListener::workers() {
  std::lock_guard lock(mu_);
  return live_workers_;
}

void HttpListener::Stop() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void HttpListener::Serve() {
  if (epoll_fd_ < 0) return;
  {
    std::lock_guard lock(mu_);
    SpawnWorkerLocked();
    serving_ = true;
  }
  cv_.notify_all();

  std::vector<epoll_event> events(256);
  int64_t last_sweep = NowMs();
  bool accepting = true;
  while (true) {
    if (stopping_ && accepting) {
      // Stop accepting, drop idle connections; in-flight requests finish and are answered.
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      ::close(listen_fd_);
      listen_fd_ = -1;
      accepting = false;
      std::vector<int> idle;
      for (const auto& [fd, conn] : connections_) {
        if (!conn->busy) idle.push_back(fd);
      }
      for (int fd : idle) Close(fd);
    }
    if (!accepting && busy_ == 0) break;
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 250);
    // Answers whose workers watch their connections again did not wake this thread: take them
    // before the events, which may be those connections' next requests.
    DrainFinished();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        Accept();
      } else if (fd == wake_fd_) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
        DrainFinished();
      } else {
        auto it = connections_.find(fd);
        if (it == connections_.end() || it->second->busy) continue;
        OnReadable(*it->second);
      }
    }
    if (const int64_t now = NowMs(); now - last_sweep >= 250) {
      last_sweep = now;
      ExpireDeadlines();
    }
  }

  {
    std::lock_guard lock(mu_);
    workers_stop_ = true;
  }
  cv_.notify_all();
  workers_.JoinAll();
  std::vector<int> left;
  for (const auto& [fd, conn] : connections_) left.push_back(fd);
  for (int fd : left) Close(fd);
}

void HttpListener::Accept() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of descriptors: the next wake-up tries again
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
    auto conn = std::make_unique<Connection>(fd, peer, next_generation_++, options_.limits);
    conn->waiting_since = NowMs();
    conn->deadline = conn->waiting_since + options_.head_timeout_ms;
    Connection& ref = *conn;
    connections_.emplace(fd, std::move(conn));
    Watch(ref, true);
  }
}

void HttpListener::Watch(Connection& conn, bool on) {
  if (conn.watched == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = conn.fd;
  ::epoll_ctl(epoll_fd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, conn.fd, &ev);
  conn.watched = on;
}

void HttpListener::OnReadable(Connection& conn) {
  // Read at most 1 MiB per wake-up so that one fast sender cannot monopolize the thread.
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
  if (eof) {
    // Requests complete before the close are still answered (a client may send its last
    // request and half-close); a partial one is dropped.
    const int fd = conn.fd;
    Advance(conn);
    auto it = connections_.find(fd);
    if (it != connections_.end() && !it->second->busy) Close(fd);
    return;
  }
  Advance(conn);
}

void HttpListener::Advance(Connection& conn) {
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
  const int64_t now = NowMs();
  switch (state) {
    case RequestParser::State::kError:
      AnswerAndClose(conn, conn.parser.error_status(), conn.parser.error_message());
      return;
    case RequestParser::State::kNeedMore:
      if (!conn.parser.Started()) {
        conn.head_since = 0;
        conn.deadline = conn.waiting_since +
                        (conn.served ? options_.idle_timeout_ms : options_.head_timeout_ms);
      } else if (conn.parser.InHead()) {
        if (conn.head_since == 0) conn.head_since = now;
        conn.deadline = conn.head_since + options_.head_timeout_ms;
      } else {
        conn.deadline = std::max(conn.last_read, conn.head_since) + options_.body_timeout_ms;
      }
      Watch(conn, true);
      return;
    case RequestParser::State::kReady: {
      const bool close = !conn.parser.keep_alive() || stopping_;
      HttpRequest request = conn.parser.Take();
      request.peer = conn.peer;
      conn.busy = true;
      conn.head_since = 0;
      Watch(conn, false);
      ++busy_;
      {
        std::lock_guard lock(mu_);
        const bool rearm = !close && conn.pos >= conn.in.size();
        tasks_.push_back(Task{conn.fd, conn.generation, std::move(request), close, rearm});
        if (static_cast<int>(tasks_.size()) > idle_workers_ &&
            live_workers_ < std::max(1, options_.threads)) {
          SpawnWorkerLocked();
        }
      }
      cv_.notify_one();
      return;
    }
  }
}

void HttpListener::Close(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  if (it->second->watched) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  auto count = per_client_.find(it->second->peer);
  if (count != per_client_.end() && --count->second <= 0) per_client_.erase(count);
  ::close(fd);
  connections_.erase(it);
}

void HttpListener::AnswerAndClose(Connection& conn, int status, const std::string& message) {
  const std::string reply = SerializeResponse(ErrorResponse(status, message), true);
  // Small enough for the socket buffer: never block the event thread on it.
  [[maybe_unused]] ssize_t n =
      ::send(conn.fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(conn.fd, SHUT_WR);
  Close(conn.fd);
}

void HttpListener::ExpireDeadlines() {
  const int64_t now = NowMs();
  std::vector<int> expired;
  for (const auto& [fd, conn] : connections_) {
    if (!conn->busy && conn->deadline <= now) expired.push_back(fd);
  }
  for (int fd : expired) {
    Connection& conn = *connections_.at(fd);
    if (conn.parser.Started()) {
      AnswerAndClose(conn, 408,
                     conn.parser.InHead() ? "The request head did not arrive in time"
                                          : "The request body did not arrive in time");
    } else {
      Close(fd);
    }
  }
}

void HttpListener::SpawnWorkerLocked() {
  ++live_workers_;
  workers_.Spawn([this] {
    Worker();
    workers_.Retire();
  });
}

void HttpListener::Worker() {
  const auto idle_retire = std::chrono::milliseconds(options_.idle_retire_ms);
  for (;;) {
    Task task{};
    {
      std::unique_lock lock(mu_);
      ++idle_workers_;
      const auto idle_since = std::chrono::steady_clock::now();
      while (!workers_stop_ && tasks_.empty()) {
        if (live_workers_ <= 1) {
          cv_.wait(lock);
        } else if (cv_.wait_until(lock, idle_since + idle_retire) == std::cv_status::timeout &&
                   tasks_.empty() && live_workers_ > 1) {
          break;  // idle long enough, and another worker is left: retire
        }
      }
      --idle_workers_;
      if (tasks_.empty()) {
        --live_workers_;
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    HttpResponse response;
    try {
      response = handler_(task.request);
    } catch (const std::exception& e) {
      response = ErrorResponse(500, std::string("Internal error: ") + e.what());
    } catch (...) {
      response = ErrorResponse(500, "Internal error");
    }
    const bool close = task.close || stopping_;
    const int timeout_ms = static_cast<int>(std::min<int64_t>(options_.body_timeout_ms, 1 << 30));
    bool written = false;
    if (response.stream) {
      ChunkedStream stream(task.fd, close, timeout_ms, response.headers);
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
        written = WriteAll(task.fd, SerializeResponse(whole, close), timeout_ms);
      }
    } else {
      written = WriteAll(task.fd, SerializeResponse(response, close), timeout_ms);
    }
    if (task.rearm && !close && written) {
      // Watched first, then queued: until the answer is queued the connection is busy, so the
      // event thread cannot close it (and its descriptor cannot be reused) under this ADD; an
      // event that comes in between is skipped and, level-triggered, reported again.
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = task.fd;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, task.fd, &ev);
      std::lock_guard lock(mu_);
      finished_.push_back(Done{task.fd, task.generation, false, true});
    } else {
      Finished(task.fd, task.generation, close || !written);
    }
  }
}

void HttpListener::Finished(int fd, uint64_t generation, bool close) {
  {
    std::lock_guard lock(mu_);
    finished_.push_back(Done{fd, generation, close, false});
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void HttpListener::DrainFinished() {
  std::vector<Done> done;
  {
    std::lock_guard lock(mu_);
    if (finished_.empty()) return;
    done.swap(finished_);
  }
  const int64_t now = NowMs();
  for (const auto& [fd, generation, close, watched] : done) {
    --busy_;
    auto it = connections_.find(fd);
    if (it == connections_.end() || it->second->generation != generation) continue;
    Connection& conn = *it->second;
    conn.busy = false;
    conn.watched = watched;
    if (close || stopping_) {
      Close(fd);
      continue;
    }
    conn.served = true;
    conn.waiting_since = now;
    Advance(conn);  // a pipelined request may already be buffered
  }
}

}  // namespace offstage::protocol
