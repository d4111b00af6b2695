// Fuzz target (tests/fuzz): bytes from a client through protocol::RequestParser, the public
// listener's incremental HTTP/1.1 parser, fed as HttpListener::Advance feeds it: appended to a
// connection buffer a piece at a time (the first input byte picks the piece size), consumed
// bytes erased, pipelined requests taken one after another, each request's accessors (headers,
// query) read and an answer serialized. Small limits, so that inputs of libFuzzer's default
// 4 KiB reach the 431, 413 and line-length paths.
// Besides crashes it checks one property: where the input is cut cannot change what is parsed,
// so the same bytes fed whole give the same requests and the same final state (else it traps).
// Single-threaded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/protocol/http_listener.h"

namespace {

using offstage::protocol::HttpRequest;
using offstage::protocol::HttpResponse;
using offstage::protocol::RequestParser;

struct Outcome {
  std::vector<std::string> requests;  // each request, flattened
  RequestParser::State last = RequestParser::State::kNeedMore;
  int error_status = 0;
  bool operator==(const Outcome&) const = default;
};

std::string Flatten(const HttpRequest& request) {
  std::string out =
      request.method + '\n' + request.target + '\n' + request.path + '\n' + request.query + '\n';
  for (const auto& [name, value] : request.headers) out += name + ':' + value + '\n';
  out += std::to_string(request.body.size()) + '\n' + request.body;
  return out;
}

Outcome Run(std::string_view input, size_t piece) {
  RequestParser::Limits limits;
  limits.max_head = 1024;
  limits.max_body = 2048;
  limits.max_chunk_line = 64;
  RequestParser parser(limits);
  Outcome outcome;
  std::string in;
  size_t pos = 0;
  size_t fed = 0;
  while (true) {
    const size_t take = std::min(piece, input.size() - fed);
    in.append(input.substr(fed, take));
    fed += take;
    while (true) {
      const RequestParser::State state = parser.Parse(in, &pos);
      (void)parser.TakeContinue();
      // As HttpListener::Advance: drop what was consumed once it is all or 64 KiB.
      if (pos > 0 && (pos == in.size() || pos >= (1u << 16))) {
        in.erase(0, pos);
        pos = 0;
      }
      outcome.last = state;
      if (state == RequestParser::State::kError) {
        outcome.error_status = parser.error_status();
        HttpResponse answer;
        answer.status = parser.error_status();
        answer.body = parser.error_message();
        (void)offstage::protocol::SerializeResponse(answer, true);
        return outcome;
      }
      if (state == RequestParser::State::kNeedMore) break;
      const bool keep_alive = parser.keep_alive();
      HttpRequest request = parser.Take();
      (void)request.Header("content-type");
      (void)request.HasHeader("origin");
      (void)request.QueryParams();
      HttpResponse answer;
      answer.status = 200;
      answer.content_type = request.Header("content-type");
      answer.headers.emplace_back("x-amzn-RequestId", request.Header("x-amzn-requestid"));
      answer.body = request.body.substr(0, 64);
      (void)offstage::protocol::SerializeResponse(answer, !keep_alive);
      outcome.requests.push_back(Flatten(request));
      if (outcome.requests.size() > 64) return outcome;
    }
    if (fed == input.size()) return outcome;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome pieces = Run(input, piece);
  const Outcome whole = Run(input, input.size() + 1);
  if (!(pieces == whole)) __builtin_trap();
  return 0;
}
