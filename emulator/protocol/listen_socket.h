// ListenSocket: the public port, bound and listening, with the event loop's descriptors (an
// epoll set watching it and an eventfd to wake the loop). The daemon opens it before it builds
// anything else, so every component is built once knowing the daemon's URL, and a port in use
// fails the start before any state is touched; HttpListener then takes the descriptors over.
// Thread model: a value, moved, used by one thread at a time.
#pragma once

#include <string>

#include "emulator/common/result.h"

namespace offstage::protocol {

class ListenSocket {
 public:
  // Binds host:port (0 picks a free port; no SO_REUSEPORT: a port in use is an error) and
  // listens with a SOMAXCONN backlog.
  static common::Result<ListenSocket> Open(const std::string& host, int port);

  ListenSocket(ListenSocket&& other) noexcept;
  ListenSocket& operator=(ListenSocket&& other) noexcept;
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;
  ~ListenSocket();  // closes what was not taken

  int port() const { return port_; }
  // Whether the bound address is a loopback one (127.0.0.0/8 or ::1).
  bool loopback() const { return loopback_; }

  // The descriptors, handed over: the caller closes them from here on.
  struct Descriptors {
    int listen_fd = -1;
    int epoll_fd = -1;
    int wake_fd = -1;
  };
  Descriptors Release();

 private:
  ListenSocket() = default;
  void Close();

  Descriptors fds_;
  int port_ = 0;
  bool loopback_ = false;
};

}  // namespace offstage::protocol
