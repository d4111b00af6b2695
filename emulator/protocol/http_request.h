// HttpRequest and the HTTP/1.1 wire format of the public listener (docs/architecture.md, "The
// public listener"): RequestParser reads a request head and body (Content-Length or chunked)
// incrementally from a connection's input buffer, with size limits; SerializeResponse frames an
// answer. No sockets or threads here. Thread model: value types and pure functions; a parser
// belongs to one connection and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
// `chunked`: the head of a streamed answer (Transfer-Encoding: chunked; the body follows in
// chunks, and `response.body` is not sent); a status without a body (1xx, 204, 304) gets a
// plain head, and nothing may follow it.
std::string SerializeResponse(const HttpResponse& response, bool close, bool chunked = false);

}  // namespace offstage::protocol
