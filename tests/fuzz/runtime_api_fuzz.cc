// Fuzz target (tests/fuzz): what the Runtime API request path (runtime/runtime_api.cc) parses
// from a handler process: the /error body (errorType) and the Offstage-Pending-Work header,
// through common::ParseJson, plus the depth check it relies on. The HTTP layer itself is
// cpp-httplib's; the routes' state machine is covered by the integration tests. Pure.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/common/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool shallow = offstage::common::JsonDepthWithin(text);
  auto body = offstage::common::ParseJson(text);
  if (!shallow && !body.is_discarded()) __builtin_trap();  // too deep must never parse
  if (body.is_object() && body.contains("errorType") && body["errorType"].is_string()) {
    (void)body["errorType"].get<std::string>();
  }
  if (body.is_array()) {
    for (const auto& item : body) {
      if (item.is_string()) (void)item.get<std::string>();
    }
  }
  (void)body.dump();  // recursion over whatever was accepted
  return 0;
}
