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
#include <cctype>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "emulator/common/strings.h"

namespace offstage::protocol {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; an invalid escape is kept as written (as cpp-httplib did).
std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
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

HttpResponse ErrorResponse(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = nlohmann::json{{"Type", "User"}, {"message", message}}.dump();
  return response;
}

}  // namespace

std::string HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

bool HttpRequest::HasHeader(std::string_view lower_name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return header.first == lower_name; });
}

std::multimap<std::string, std::string> HttpRequest::QueryParams() const {
  std::multimap<std::string, std::string> params;
  for (std::string_view pair : common::Split(query, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      params.emplace(PercentDecode(pair, true), "");
    } else {
      params.emplace(PercentDecode(pair.substr(0, eq), true),
                     PercentDecode(pair.substr(eq + 1), true));
    }
  }
  return params;
}

RequestParser::State RequestParser::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return State::kError;
}

RequestParser::State RequestParser::Parse(const std::string& in, size_t* pos) {
  for (;;) {
    const size_t available = in.size() - *pos;
    switch (phase_) {
      case Phase::kHead: {
        if (!started_) {
          // RFC 9112 §2.2: ignore empty lines before a request line.
          if (available >= 2 && in.compare(*pos, 2, "\r\n") == 0) {
            *pos += 2;
            continue;
          }
          if (available >= 1 && in[*pos] == '\n') {
            *pos += 1;
            continue;
          }
          if (available == 0 || (available == 1 && in[*pos] == '\r')) return State::kNeedMore;
          started_ = true;
        }
        const std::string_view rest = std::string_view(in).substr(*pos);
        const size_t from = scan_ >= 3 ? scan_ - 3 : 0;
        size_t end = rest.find('\n', from);
        size_t head_end = std::string_view::npos;
        while (end != std::string_view::npos) {
          if (end + 1 < rest.size() && rest[end + 1] == '\n') {
            head_end = end + 2;
            break;
          }
          if (end + 2 < rest.size() && rest[end + 1] == '\r' && rest[end + 2] == '\n') {
            head_end = end + 3;
            break;
          }
          if (end + 2 >= rest.size()) break;  // the terminator may still be arriving
          end = rest.find('\n', end + 1);
        }
        if (head_end == std::string_view::npos) {
          scan_ = rest.size();
          if (scan_ > limits_.max_head) {
            return Fail(431, "The request head is larger than " + std::to_string(limits_.max_head) +
                                 " bytes");
          }
          return State::kNeedMore;
        }
        if (head_end > limits_.max_head) {
          return Fail(431, "The request head is larger than " + std::to_string(limits_.max_head) +
                               " bytes");
        }
        scan_ = 0;
        if (ParseHead(rest.substr(0, end + 1)) == State::kError) return State::kError;
        *pos += head_end;
        continue;  // ParseHead chose the next phase
      }
      case Phase::kBody:
      case Phase::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, available));
        request_.body.append(in, *pos, take);
        *pos += take;
        remaining_ -= take;
        if (remaining_ > 0) return State::kNeedMore;
        phase_ = phase_ == Phase::kBody ? Phase::kDone : Phase::kChunkDataEnd;
        continue;
      }
      case Phase::kChunkDataEnd: {
        if (available >= 1 && in[*pos] == '\n') {
          *pos += 1;
        } else if (available >= 2 && in.compare(*pos, 2, "\r\n") == 0) {
          *pos += 2;
        } else if (available >= 2 || (available == 1 && in[*pos] != '\r')) {
          return Fail(400, "A chunk of the body does not end with CRLF");
        } else {
          return State::kNeedMore;
        }
        phase_ = Phase::kChunkSize;
        continue;
      }
      case Phase::kChunkSize:
      case Phase::kTrailers: {
        // The same limit whether the line arrives whole or a byte at a time.
        const char* too_long = phase_ == Phase::kTrailers ? "A trailer line is too long"
                                                          : "A chunk size line is too long";
        const size_t nl = in.find('\n', *pos);
        if (nl == std::string::npos) {
          if (available > limits_.max_chunk_line) return Fail(400, too_long);
          return State::kNeedMore;
        }
        if (nl - *pos > limits_.max_chunk_line) return Fail(400, too_long);
        std::string_view line = std::string_view(in).substr(*pos, nl - *pos);
        *pos = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (phase_ == Phase::kTrailers) {
          if (line.empty()) phase_ = Phase::kDone;
          continue;
        }
        const size_t semicolon = line.find(';');
        if (semicolon != std::string_view::npos) line = line.substr(0, semicolon);
        line = Trim(line);
        if (line.empty() || line.size() > 15) {
          return Fail(400, "A chunk size is not a hexadecimal number");
        }
        uint64_t size = 0;
        for (char c : line) {
          const int digit = HexValue(c);
          if (digit < 0) return Fail(400, "A chunk size is not a hexadecimal number");
          size = size * 16 + static_cast<uint64_t>(digit);
        }
        if (size == 0) {
          phase_ = Phase::kTrailers;
          continue;
        }
        if (request_.body.size() + size > limits_.max_body) {
          return Fail(
              413, "Request must be smaller than " + std::to_string(limits_.max_body) + " bytes");
        }
        remaining_ = size;
        phase_ = Phase::kChunkData;
        continue;
      }
      case Phase::kDone:
        return State::kReady;
    }
  }
}

RequestParser::State RequestParser::ParseHead(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < head.size()) {
    size_t nl = head.find('\n', start);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  if (lines.empty()) return Fail(400, "The request has no request line");

  const std::string_view request_line = lines[0];
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "The request line is not 'METHOD target HTTP/1.1'");
  }
  const std::string_view method = request_line.substr(0, sp1);
  const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = request_line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), IsTokenChar)) {
    return Fail(400, "The request method is not a token");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Fail(505, "Only HTTP/1.1 and HTTP/1.0 are served");
  }
  if (target.empty() || target.front() != '/') {
    return Fail(400, "The request target must be a path starting with '/'");
  }

  request_ = HttpRequest{};
  request_.method = method;
  request_.target = target;
  const size_t q = target.find('?');
  request_.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) request_.query = target.substr(q + 1);

  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  keep_alive_ = version == "HTTP/1.1";
  want_continue_ = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      return Fail(400, "Folded header lines are not accepted");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Fail(400, "A header line has no name");
    }
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Fail(400, "A header name is not a token");
    }
    const std::string lower = common::ToLower(name);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (lower == "content-length") {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Fail(400, "Content-Length is not a non-negative decimal number: '" +
                             std::string(value.substr(0, 40)) + "'");
      }
      const uint64_t parsed = std::stoull(std::string(value));
      if (has_length && parsed != length) return Fail(400, "Content-Length is given twice");
      has_length = true;
      length = parsed;
    } else if (lower == "transfer-encoding") {
      if (common::ToLower(value) != "chunked") {
        return Fail(501, "Transfer-Encoding '" + std::string(value.substr(0, 40)) +
                             "' is not supported; only chunked is");
      }
      chunked = true;
    } else if (lower == "connection") {
      for (std::string_view token : common::Split(value, ',')) {
        const std::string option = common::ToLower(Trim(token));
        if (option == "close") keep_alive_ = false;
        if (option == "keep-alive") keep_alive_ = true;
      }
    } else if (lower == "expect") {
      if (common::ToLower(value) != "100-continue") {
        return Fail(417, "Only 'Expect: 100-continue' is supported");
      }
      want_continue_ = version == "HTTP/1.1";
    }
    request_.headers.emplace_back(lower, value);
  }
  if (chunked && has_length) {
    return Fail(400, "A request may not carry both Content-Length and Transfer-Encoding");
  }
  if (has_length && length > limits_.max_body) {
    return Fail(413, "Request must be smaller than " + std::to_string(limits_.max_body) + " bytes");
  }
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (has_length && length > 0) {
    remaining_ = length;
    request_.body.reserve(static_cast<size_t>(std::min<uint64_t>(length, 1 << 20)));
    phase_ = Phase::kBody;
  } else {
    phase_ = Phase::kDone;
    want_continue_ = false;
  }
  return State::kNeedMore;
}

HttpRequest RequestParser::Take() {
  HttpRequest out = std::move(request_);
  request_ = HttpRequest{};
  phase_ = Phase::kHead;
  started_ = false;
  want_continue_ = false;
  scan_ = 0;
  remaining_ = 0;
  return out;
}

bool RequestParser::TakeContinue() {
  if (!want_continue_ || phase_ == Phase::kHead || phase_ == Phase::kDone) return false;
  want_continue_ = false;
  return true;
}

std::string SerializeResponse(const HttpResponse& response, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out += Reason(response.status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    const std::string lower = common::ToLower(name);
    if (lower == "content-length" || lower == "connection" || lower == "transfer-encoding" ||
        (lower == "content-type" && !response.content_type.empty())) {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  const bool no_body = response.status == 204 || response.status == 304 || response.status < 200;
  if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\r\n";
  if (!no_body) out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!no_body) out += response.body;
  return out;
}

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

HttpListener::HttpListener(ListenerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const int room = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20)) - 256;
    options_.max_connections = std::max(64, std::min(options_.max_connections, room));
  }
}

HttpListener::~HttpListener() {
  Stop();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  for (auto& [fd, conn] : connections_) ::close(fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

common::Result<int> HttpListener::Bind() {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (int rc = getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return common::Fail(common::Internal("cannot listen on " + where + ": the host " +
                                         options_.host + " does not resolve (" + gai_strerror(rc) +
                                         "; --host)"));
  }
  std::string error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only lets a restart take a port whose old connections are in TIME_WAIT; a
    // port another process listens on still fails (no SO_REUSEPORT).
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      const int code = errno;
      error = code == EADDRINUSE
                  ? "the port is already in use (another offstage daemon, or another program: "
                    "stop it or choose --port)"
              : code == EADDRNOTAVAIL ? "no network interface of this machine has the address " +
                                            options_.host + " (--host)"
                                      : std::string(std::strerror(code));
      ::close(fd);
      continue;
    }
    listen_fd_ = fd;
    break;
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return common::Fail(common::Internal("cannot listen on " + where + ": " + error));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  int bound_port = 0;
  if (bound.ss_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&bound);
    bound_port = ntohs(in4->sin_port);
    loopback_ = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
  } else if (bound.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&bound);
    bound_port = ntohs(in6->sin6_port);
    loopback_ = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) != 0 ||
                (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) != 0 && in6->sin6_addr.s6_addr[12] == 127);
  }

  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return common::Fail(
        common::Internal(std::string("cannot create an event loop: ") + std::strerror(errno)));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  return bound_port;
}

void HttpListener::WaitUntilServing() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return serving_ || stopping_.load(); });
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
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    workers_.emplace_back([this] { Worker(); });
  }
  {
    std::lock_guard lock(mu_);
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
  for (auto& worker : workers_) worker.join();
  workers_.clear();
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
        tasks_.push_back(Task{conn.fd, conn.generation, std::move(request), close});
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

void HttpListener::Worker() {
  for (;;) {
    Task task{};
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return workers_stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
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
    const bool written =
        WriteAll(task.fd, SerializeResponse(response, close),
                 static_cast<int>(std::min<int64_t>(options_.body_timeout_ms, 1 << 30)));
    Finished(task.fd, task.generation, close || !written);
  }
}

void HttpListener::Finished(int fd, uint64_t generation, bool close) {
  {
    std::lock_guard lock(mu_);
    finished_.emplace_back(fd, generation, close);
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void HttpListener::DrainFinished() {
  std::vector<std::tuple<int, uint64_t, bool>> done;
  {
    std::lock_guard lock(mu_);
    done.swap(finished_);
  }
  const int64_t now = NowMs();
  for (const auto& [fd, generation, close] : done) {
    --busy_;
    auto it = connections_.find(fd);
    if (it == connections_.end() || it->second->generation != generation) continue;
    Connection& conn = *it->second;
    conn.busy = false;
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
