// FilterPolicy: a subscription's filter policy, parsed and validated as AWS does, and matched
// against a message's attributes (scope MessageAttributes) or its JSON body (scope
// MessageBody). Every operator of AWS's filter policies: exact strings and numbers, prefix,
// suffix, equals-ignore-case, anything-but (values, prefix; AWS rejects a suffix inside it),
// numeric ranges, exists, cidr (IPv4 and IPv6), null/true/false, and $or. Pure: an immutable
// value once parsed, safe to share across threads. Sources: AWS's SNS message-filtering
// documentation and LocalStack's real-AWS recordings; the filter_policy_*test.cc files name the
// source of every case.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/sns/types.h"

namespace offstage::sns {

enum class FilterScope { kMessageAttributes, kMessageBody };

class FilterPolicy {
 public:
  // On error: InvalidParameter whose message is the detail AWS prints after
  // "Invalid parameter: FilterPolicy: " (callers add the prefixes), except the nesting error,
  // which AWS prints without "FilterPolicy: " (see IsScopeError).
  static common::Result<FilterPolicy> Parse(std::string_view policy_json, FilterScope scope);

  // MessageAttributes scope: String, String.Array and Number attributes take part; Binary ones
  // are ignored (as if absent).
  bool Matches(const MessageAttributes& attributes) const;
  // MessageBody scope: the body must be a JSON object, else nothing matches. Each array of
  // objects on a policy key's path is a choice (a match needs one object of each); over
  // kMaxBodyRecords combinations the body is not matched, and `refusal` says why.
  bool MatchesBody(std::string_view body, std::string* refusal = nullptr) const;

  FilterScope scope() const { return scope_; }

  // AWS words the "nested policy in MessageAttributes scope" error without "FilterPolicy: ".
  static bool IsScopeError(std::string_view detail) {
    return detail.starts_with("Filter policy scope ");
  }

  struct Node;  // the parsed policy (filter_policy.cc)

 private:
  FilterScope scope_ = FilterScope::kMessageAttributes;
  std::shared_ptr<const Node> root_;
};

}  // namespace offstage::sns
