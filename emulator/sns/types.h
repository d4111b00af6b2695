// Typed SNS requests and results: what protocol/ decodes the awsQuery form into and what
// SnsService returns. Plain values, no behaviour; safe to copy across threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/common/request_context.h"

namespace offstage::sns {

using RequestContext = common::RequestContext;

struct MessageAttributeValue {
  std::string data_type;
  std::optional<std::string> string_value;
  std::optional<std::string> binary_value;  // raw bytes (decoded from base64 by protocol/)
  bool operator==(const MessageAttributeValue&) const = default;
};
using MessageAttributes = std::map<std::string, MessageAttributeValue>;

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

// Attribute maps keep the order the client sent (SetTopicAttributes etc. apply in order).
using AttributeList = std::vector<std::pair<std::string, std::string>>;

struct CreateTopicInput {
  std::string name;
  AttributeList attributes;
  std::vector<Tag> tags;
  std::optional<std::string> data_protection_policy;
};

struct PublishInput {
  std::optional<std::string> topic_arn;
  std::optional<std::string> target_arn;
  std::optional<std::string> phone_number;
  std::optional<std::string> message;
  std::optional<std::string> subject;
  std::optional<std::string> message_structure;
  MessageAttributes message_attributes;
  std::optional<std::string> message_deduplication_id;
  std::optional<std::string> message_group_id;
};

struct PublishOutput {
  std::string message_id;
  std::optional<std::string> sequence_number;
};

struct PublishBatchEntry {
  std::string id;
  PublishInput input;  // topic_arn unused: the batch names one topic
};

struct PublishBatchSuccess {
  std::string id;
  std::string message_id;
  std::optional<std::string> sequence_number;
};

struct PublishBatchFailure {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = true;
};

struct PublishBatchOutput {
  std::vector<PublishBatchSuccess> successful;
  std::vector<PublishBatchFailure> failed;
};

struct SubscribeInput {
  std::string topic_arn;
  std::string protocol;
  std::optional<std::string> endpoint;
  AttributeList attributes;
  bool return_subscription_arn = false;
};

struct SubscriptionSummary {
  std::string subscription_arn;  // "PendingConfirmation" while pending
  std::string owner;
  std::string protocol;
  std::string endpoint;
  std::string topic_arn;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_token;
};

struct AddPermissionInput {
  std::string topic_arn;
  std::string label;
  std::vector<std::string> account_ids;
  std::vector<std::string> action_names;
};

}  // namespace offstage::sns
