// ListenSocket: see listen_socket.h.
#include "emulator/protocol/listen_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace offstage::protocol {

common::Result<ListenSocket> ListenSocket::Open(const std::string& host, int port) {
  ListenSocket socket;

  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return common::Fail(common::Internal("cannot listen on " + where + ": the host " + host +
                                         " does not resolve (" + gai_strerror(rc) + "; --host)"));
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
              : code == EADDRNOTAVAIL
                  ? "no network interface of this machine has the address " + host + " (--host)"
                  : std::string(std::strerror(code));
      ::close(fd);
      continue;
    }
    socket.fds_.listen_fd = fd;
    break;
  }
  freeaddrinfo(found);
  if (socket.fds_.listen_fd < 0) {
    return common::Fail(common::Internal("cannot listen on " + where + ": " + error));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(socket.fds_.listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
  int bound_port = 0;
  if (bound.ss_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&bound);
    bound_port = ntohs(in4->sin_port);
    socket.loopback_ = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
  } else if (bound.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&bound);
    bound_port = ntohs(in6->sin6_port);
    socket.loopback_ =
        IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) != 0 ||
        (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) != 0 && in6->sin6_addr.s6_addr[12] == 127);
  }

  socket.fds_.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  socket.fds_.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (socket.fds_.epoll_fd < 0 || socket.fds_.wake_fd < 0) {
    return common::Fail(
        common::Internal(std::string("cannot create an event loop: ") + std::strerror(errno)));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = socket.fds_.listen_fd;
  ::epoll_ctl(socket.fds_.epoll_fd, EPOLL_CTL_ADD, socket.fds_.listen_fd, &ev);
  ev.data.fd = socket.fds_.wake_fd;
  ::epoll_ctl(socket.fds_.epoll_fd, EPOLL_CTL_ADD, socket.fds_.wake_fd, &ev);
  socket.port_ = bound_port;
  return socket;
}

ListenSocket::ListenSocket(ListenSocket&& other) noexcept
    : fds_(other.Release()), port_(other.port_), loopback_(other.loopback_) {}

ListenSocket& ListenSocket::operator=(ListenSocket&& other) noexcept {
  if (this != &other) {
    Close();
    fds_ = other.Release();
    port_ = other.port_;
    loopback_ = other.loopback_;
  }
  return *this;
}

ListenSocket::~ListenSocket() { Close(); }

ListenSocket::Descriptors ListenSocket::Release() { return std::exchange(fds_, Descriptors{}); }

void ListenSocket::Close() {
  for (int fd : {fds_.listen_fd, fds_.epoll_fd, fds_.wake_fd}) {
    if (fd >= 0) ::close(fd);
  }
  fds_ = Descriptors{};
}

}  // namespace offstage::protocol
