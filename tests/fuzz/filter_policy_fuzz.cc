// Fuzz target (tests/fuzz): FilterPolicy::Parse in both scopes, then the matchers. Input: the
// policy, a line feed, then a message: tried as a body (MessageBody scope) and as message
// attributes in the JSON form SNS stores them in (MessageAttributes scope). Pure; no state.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/sns/attributes.h"
#include "emulator/sns/filter_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using offstage::sns::FilterPolicy;
  using offstage::sns::FilterScope;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view policy = input.substr(0, newline);
  const std::string message(newline == std::string_view::npos ? "" : input.substr(newline + 1));
  if (auto body = FilterPolicy::Parse(policy, FilterScope::kMessageBody)) {
    (void)body->MatchesBody(message);
  }
  if (auto attributes = FilterPolicy::Parse(policy, FilterScope::kMessageAttributes)) {
    (void)attributes->Matches(offstage::sns::MessageAttributesFromJson(message));
  }
  return 0;
}
