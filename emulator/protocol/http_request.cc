// HttpRequest, RequestParser and SerializeResponse: the HTTP/1.1 request model, the incremental
// request parser and the answer framing of the public listener. Thread model: value types and
// pure functions; no shared state.
#include "emulator/protocol/http_request.h"

#include <algorithm>
#include <cctype>

#include "emulator/common/strings.h"

namespace offstage::protocol {
namespace {

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

std::string SerializeResponse(const HttpResponse& response, bool close, bool chunked) {
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
  if (chunked && !no_body) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!no_body) {
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!no_body && !chunked) out += response.body;
  return out;
}

}  // namespace offstage::protocol
