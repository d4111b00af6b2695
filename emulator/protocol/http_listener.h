// HttpListener: the public port's own HTTP/1.1 server (docs/architecture.md, "The public
// listener"). One event thread (epoll) accepts, reads and parses every request head and body
// with deadlines and per-client connection limits; only complete requests reach the worker
// pool, which runs the handler and writes the answer. Owned by HttpServer. Thread model: Serve()
// runs the event thread; handlers run concurrently on the workers; Stop() is safe from any thread.
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
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/protocol/http_types.h"

namespace offstage::protocol {

struct HttpRequest {
  std::string method;
  std::string target;                                        // as sent: path and query
  std::string path;                                          // percent-decoded
  std::string query;                                         // raw, after '?'
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names, in order
  std::string body;
  std::string peer;  // the client's address

  // The first header of that (lower-case) name, or "".
  std::string Header(std::string_view lower_name) const;
  bool HasHeader(std::string_view lower_name) const;
  // The query's name=value pairs, '+' and %XX decoded leniently.
  std::multimap<std::string, std::string> QueryParams() const;
};

// Incremental HTTP/1.1 request parser over a connection's input buffer: keeps its place, so a
// head trickling in byte by byte is scanned once. A value type; one per connection.
class RequestParser {
 public:
  enum class State { kNeedMore, kReady, kError };
  struct Limits {
    size_t max_head = 64 * 1024;
    size_t max_body = 80 * 1024 * 1024;
    size_t max_chunk_line = 4096;  // a chunk size line or a trailer line
  };

  explicit RequestParser(Limits limits) : limits_(limits) {}

  // Consumes what it can of in[*pos...]; advances *pos. kReady: Take() the request. kError:
  // error_status()/error_message() say what to answer; the connection must then close.
  State Parse(const std::string& in, size_t* pos);
  HttpRequest Take();
  // The head is complete and asked for "Expect: 100-continue" with the body still to come; true
  // once per request.
  bool TakeContinue();
  // Whether any byte of the current request has been consumed.
  bool Started() const { return started_; }
  // Whether the current request's head is still being read.
  bool InHead() const { return phase_ == Phase::kHead; }
  bool keep_alive() const { return keep_alive_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class Phase { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kDone };
  State Fail(int status, std::string message);
  State ParseHead(std::string_view head);

  Limits limits_;
  Phase phase_ = Phase::kHead;
  size_t scan_ = 0;  // bytes of the head already searched for its end
  bool started_ = false;
  bool keep_alive_ = true;
  bool want_continue_ = false;
  uint64_t remaining_ = 0;  // body or chunk bytes still to read
  HttpRequest request_;
  int error_status_ = 0;
  std::string error_message_;
};

// Serializes an answer: status line, headers, Content-Type, Content-Length, the body.
std::string SerializeResponse(const HttpResponse& response, bool close);

struct ListenerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  int threads = 64;
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

  HttpListener(ListenerOptions options, Handler handler);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Creates the socket (no SO_REUSEPORT: a port in use is an error) and listens with a
  // SOMAXCONN backlog; returns the bound port.
  common::Result<int> Bind();
  // Whether the bound address is a loopback one (127.0.0.0/8 or ::1).
  bool bound_to_loopback() const { return loopback_; }
  // Runs the event loop until Stop(); in-flight requests finish before it returns.
  void Serve();
  void WaitUntilServing();
  void Stop();

 private:
  struct Connection;
  struct Task {
    int fd;
    uint64_t generation;
    HttpRequest request;
    bool close;
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
  void Finished(int fd, uint64_t generation, bool close);
  void DrainFinished();

  ListenerOptions options_;
  Handler handler_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() and finished requests wake the event thread
  bool loopback_ = false;
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
  std::vector<std::tuple<int, uint64_t, bool>> finished_;
  std::vector<std::thread> workers_;
};

}  // namespace offstage::protocol
