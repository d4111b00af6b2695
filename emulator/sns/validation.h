// SNS input validation as AWS does it, with AWS's codes and messages (sources: the table in
// docs/compatibility.md, LocalStack's real-AWS snapshots, ../shared/reference/
// aws-wire-protocol.md §2.4 and §2.6). Pure functions, safe on any thread.
#pragma once

#include <string>
#include <string_view>

#include "emulator/common/result.h"
#include "emulator/sns/types.h"

namespace offstage::sns {

using common::Result;
using common::Status;

inline constexpr size_t kMaxMessageBytes = 262'144;
inline constexpr size_t kMaxBatchEntries = 10;
inline constexpr size_t kMaxTags = 50;

inline auto TopicNotFoundError() {
  return common::Fail(common::ErrorCode::kNotFound, "Topic does not exist");
}

// "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1".
Status CheckArnShape(std::string_view param, std::string_view value);
Status ValidateTopicName(std::string_view name, bool fifo);
Status ValidateSubject(std::string_view subject);
Status ValidateMessageAttributes(const MessageAttributes& attributes);
// Body plus attribute names, types and values, as AWS counts toward the 256 KiB limit.
size_t MessageSize(std::string_view body, const MessageAttributes& attributes);
// MessageStructure=json: the body must be a JSON object with a string "default".
Status ValidateJsonStructure(std::string_view body);
// MessageGroupId / MessageDeduplicationId: 1-128 alphanumeric or punctuation characters.
Status ValidateFifoId(std::string_view param, std::string_view value);
Status ValidateTags(const std::vector<Tag>& tags);

bool IsKnownProtocol(std::string_view protocol);
Status ValidateEndpoint(std::string_view protocol, std::string_view endpoint);
// "true"/"false" in any case, normalised to lower case.
Result<std::string> ParseBoolAttribute(std::string_view name, std::string_view value,
                                       std::string_view reason_prefix);
// JSON-valued attributes (Policy, DeliveryPolicy, FilterPolicy, RedrivePolicy...).
Status ValidateJsonAttribute(std::string_view name, std::string_view value,
                             std::string_view reason_prefix);

}  // namespace offstage::sns
