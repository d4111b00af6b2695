// RequestContext: who made an API request and when, filled by protocol/ from the HTTP request
// and its SigV4 credential scope (../shared/reference/aws-wire-protocol.md §7.1), and passed
// to every service call. A plain value.
#pragma once

#include <cstdint>
#include <string>

namespace offstage::common {

struct RequestContext {
  std::string request_id;
  std::string region;
  std::string account;
  std::string access_key_id;
  std::string trace_header;  // X-Amzn-Trace-Id, if any
  int64_t received_ns = 0;
  // Causality (filled by protocol/ through the daemon's caller resolver): the trace this
  // request belongs to, and the span that made it (the invocation whose environment's
  // credentials signed it), if any.
  std::string trace_id;
  std::string parent_span;
};

}  // namespace offstage::common
