// HttpResponse: what a codec answers, independent of the HTTP library. A value type. A streamed
// answer (InvokeWithResponseStream, a RESPONSE_STREAM function URL) carries a `stream` the
// listener's worker runs after the handler returned: it begins the head itself once it knows it
// (or returns a whole answer instead, e.g. an error found before anything was sent) and writes
// the body chunk by chunk (HTTP/1.1 chunked transfer coding).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offstage::protocol {

struct HttpResponse;

// The worker's side of a streamed answer. Thread model: used by the one thread running the
// stream (it may hand it to another that writes while the first waits, never both at once).
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends `head`'s status, content type and headers (its body is ignored), with the headers
  // the answer itself carries (x-amzn-RequestId, CORS); once. false when the client is gone.
  virtual bool Begin(const HttpResponse& head) = 0;
  virtual bool begun() const = 0;
  // One chunk of the body (after Begin). false when the client is gone. (Dropped after a head
  // whose status has no body: 1xx, 204, 304.)
  virtual bool Write(std::string_view bytes) = 0;
  // The answer failed after its head was sent: the connection is closed without the last
  // chunk, so the client sees a truncated body, not a complete one.
  virtual void Abort() = 0;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status_code, std::string type, std::string content,
               std::vector<std::pair<std::string, std::string>> extra = {})
      : status(status_code),
        content_type(std::move(type)),
        body(std::move(content)),
        headers(std::move(extra)) {}

  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the answer is streamed. Its result is what the client gets when the stream never
  // called Begin (an answer as any other); once begun, the result is ignored.
  std::function<HttpResponse(ResponseStream&)> stream;
};

}  // namespace offstage::protocol
