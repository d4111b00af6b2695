// SNS input validation as AWS does it, with AWS's codes and messages (sources: the table in
// docs/compatibility.md, LocalStack's real-AWS snapshots, ../shared/reference/
// aws-wire-protocol.md §2.4 and §2.6); and the errors and paging rules the SNS API files share
// (topics.cc, subscriptions.cc, publish.cc). Pure functions, safe on any thread.
#pragma once

#include <optional>
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
inline constexpr size_t kListPageSize = 100;  // ListTopics / ListSubscriptions* (§2.6)

inline auto TopicNotFoundError() {
  return common::Fail(common::ErrorCode::kNotFound, "Topic does not exist");
}
inline auto SubscriptionNotFoundError() {
  return common::Fail(common::ErrorCode::kNotFound, "Subscription does not exist");
}
// A tagging request's resource (a topic) does not exist.
inline auto ResourceNotFoundError() {
  return common::Fail(common::ErrorCode::kResourceNotFound, "Resource does not exist");
}
// More than kMaxTags tags on a topic.
inline auto TagLimitExceededError() {
  return common::Fail(common::ErrorCode::kTagLimitExceeded,
                      "Could not complete request: tag quota of per resource exceeded");
}

// Pagination tokens (ListTopics, ListSubscriptions*) are the base64 of the first ARN of the
// next page. Decoding: nullopt for no token (the first page), InvalidParameter for a token that
// is not one of ours.
std::string EncodePageToken(std::string_view first_arn);
Result<std::optional<std::string>> DecodePageToken(const std::optional<std::string>& token);

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
