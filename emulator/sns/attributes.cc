#include "emulator/sns/attributes.h"

#include <nlohmann/json.hpp>
#include <set>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/delivery_policy.h"
#include "emulator/sns/validation.h"

namespace offstage::sns {
namespace {

using common::Fail;
using common::InvalidParameter;
// ordered_json keeps keys in insertion order, as AWS renders its default policies.
using json = nlohmann::ordered_json;

constexpr std::string_view kDefaultTopicDeliveryPolicy =
    R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";

constexpr std::string_view kDefaultSubscriptionDeliveryPolicy =
    R"({"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"sicklyRetryPolicy":null,"throttlePolicy":null,"requestPolicy":{"headerContentType":"text/plain; charset=UTF-8"},"guaranteed":false})";

bool IsFeedbackAttribute(std::string_view name) {
  static const std::set<std::string, std::less<>> kNames = [] {
    std::set<std::string, std::less<>> names;
    for (const char* protocol : {"Application", "HTTP", "Firehose", "Lambda", "SQS"}) {
      for (const char* suffix :
           {"SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn"}) {
        names.insert(std::string(protocol) + suffix);
      }
    }
    return names;
  }();
  return kNames.contains(name);
}

auto BadName() { return Fail(InvalidParameter("Invalid parameter: AttributeName")); }

std::string Merge(std::string_view base, std::string_view patch) {
  json merged = json::parse(base);
  auto parsed = common::ParseJson<json>(patch);
  if (parsed.is_object()) merged.merge_patch(parsed);
  return merged.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

}  // namespace

common::Result<std::string> NormalizeTopicAttribute(std::string_view name, std::string_view value,
                                                    bool fifo, TopicAttributeUse use) {
  if (name == "DisplayName") {
    if (value.size() > 100) return Fail(InvalidParameter("Invalid parameter: DisplayName"));
    return std::string(value);
  }
  if (name == "Policy" || name == "DeliveryPolicy" || name == "ArchivePolicy" ||
      name == "DataProtectionPolicy") {
    if (value.empty() && name != "Policy") return std::string();
    if (auto status = ValidateJsonAttribute(name, value, ""); !status) {
      return Fail(status.error());
    }
    if (name == "DeliveryPolicy") {
      if (auto status = ValidateDeliveryPolicy(value, DeliveryPolicyOwner::kTopic, ""); !status) {
        return Fail(status.error());
      }
    }
    if (name == "ArchivePolicy" && !fifo) return BadName();
    return std::string(value);
  }
  if (name == "KmsMasterKeyId") return std::string(value);
  if (name == "SignatureVersion") {
    if (value != "1" && value != "2") {
      return Fail(InvalidParameter("Invalid parameter: SignatureVersion"));
    }
    return std::string(value);
  }
  if (name == "TracingConfig") {
    if (value != "PassThrough" && value != "Active") {
      return Fail(InvalidParameter("Invalid parameter: TracingConfig"));
    }
    return std::string(value);
  }
  if (name == "FifoTopic") {
    if (use == TopicAttributeUse::kSet) return BadName();
    return ParseBoolAttribute(name, value, "Attributes Reason: ");
  }
  if (name == "ContentBasedDeduplication") {
    if (!fifo) {
      return Fail(InvalidParameter(
          "Invalid parameter: ContentBasedDeduplication Reason: Content-based deduplication can "
          "only be set for FIFO topics"));
    }
    return ParseBoolAttribute(name, value, "");
  }
  if (name == "FifoThroughputScope") {
    if (!fifo) return BadName();
    if (value != "Topic" && value != "MessageGroup") {
      return Fail(InvalidParameter("Invalid parameter: FifoThroughputScope"));
    }
    return std::string(value);
  }
  if (IsFeedbackAttribute(name)) return std::string(value);
  return BadName();
}

common::Result<std::string> NormalizeSubscriptionAttribute(std::string_view name,
                                                           std::string_view value,
                                                           std::string_view protocol,
                                                           std::string_view reason_prefix) {
  const std::string prefix = "Invalid parameter: " + std::string(reason_prefix);
  if (name == "RawMessageDelivery") {
    auto normalized = ParseBoolAttribute(name, value, reason_prefix);
    if (!normalized) return normalized;
    if (protocol != "http" && protocol != "https" && protocol != "sqs" && protocol != "firehose") {
      return Fail(InvalidParameter(prefix + "Delivery protocol [" + std::string(protocol) +
                                   "] does not support raw message delivery."));
    }
    return normalized;
  }
  if (name == "FilterPolicy") {
    if (value.empty()) return std::string();
    if (auto status = ValidateJsonAttribute(name, value, reason_prefix); !status) {
      return Fail(status.error());
    }
    return std::string(value);
  }
  if (name == "FilterPolicyScope") {
    if (value != "MessageAttributes" && value != "MessageBody") {
      return Fail(InvalidParameter(prefix + "FilterPolicyScope: Invalid value [" +
                                   std::string(value) +
                                   "]. Please use either MessageBody or MessageAttributes"));
    }
    return std::string(value);
  }
  if (name == "RedrivePolicy") {
    if (value.empty()) return std::string();
    if (auto status = ValidateJsonAttribute(name, value, reason_prefix); !status) {
      return Fail(status.error());
    }
    const json parsed = json::parse(value);
    auto it = parsed.find("deadLetterTargetArn");
    if (it == parsed.end() || !it->is_string() || !common::ParseArn(it->get<std::string>()) ||
        common::ArnElementCount(it->get<std::string>()) < 6) {
      return Fail(
          InvalidParameter(prefix + "RedrivePolicy: deadLetterTargetArn is an invalid arn"));
    }
    return std::string(value);
  }
  if (name == "DeliveryPolicy" || name == "ReplayPolicy") {
    if (value.empty()) return std::string();
    if (auto status = ValidateJsonAttribute(name, value, reason_prefix); !status) {
      return Fail(status.error());
    }
    if (name == "DeliveryPolicy") {
      if (auto status =
              ValidateDeliveryPolicy(value, DeliveryPolicyOwner::kSubscription, reason_prefix);
          !status) {
        return Fail(status.error());
      }
    }
    return std::string(value);
  }
  if (name == "SubscriptionRoleArn") {
    if (!common::ParseArn(value)) {
      return Fail(InvalidParameter(prefix + "SubscriptionRoleArn: invalid arn"));
    }
    return std::string(value);
  }
  return Fail(InvalidParameter(prefix + "AttributeName"));
}

std::string DefaultTopicPolicy(std::string_view topic_arn, std::string_view account) {
  json policy = {
      {"Version", "2008-10-17"},
      {"Id", "__default_policy_ID"},
      {"Statement",
       json::array({{{"Sid", "__default_statement_ID"},
                     {"Effect", "Allow"},
                     {"Principal", {{"AWS", "*"}}},
                     {"Action", json::array({"SNS:GetTopicAttributes", "SNS:SetTopicAttributes",
                                             "SNS:AddPermission", "SNS:RemovePermission",
                                             "SNS:DeleteTopic", "SNS:Subscribe",
                                             "SNS:ListSubscriptionsByTopic", "SNS:Publish"})},
                     {"Resource", topic_arn},
                     {"Condition", {{"StringEquals", {{"AWS:SourceOwner", account}}}}}}})}};
  return policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

std::string EffectiveTopicDeliveryPolicy(std::string_view delivery_policy) {
  if (delivery_policy.empty()) return std::string(kDefaultTopicDeliveryPolicy);
  return Merge(kDefaultTopicDeliveryPolicy, delivery_policy);
}

std::string EffectiveSubscriptionDeliveryPolicy(std::string_view delivery_policy,
                                                std::string_view topic_delivery_policy) {
  if (delivery_policy.empty() && topic_delivery_policy.empty()) {
    return std::string(kDefaultSubscriptionDeliveryPolicy);
  }
  json merged = json::parse(kDefaultSubscriptionDeliveryPolicy);
  bool overrides = true;
  const auto topic = common::ParseJson<json>(topic_delivery_policy);
  if (auto http = topic.is_object() ? topic.find("http") : topic.end();
      http != topic.end() && http->is_object()) {
    for (const auto& [from, to] : {std::pair{"defaultHealthyRetryPolicy", "healthyRetryPolicy"},
                                   std::pair{"defaultRequestPolicy", "requestPolicy"},
                                   std::pair{"defaultThrottlePolicy", "throttlePolicy"}}) {
      if (auto it = http->find(from); it != http->end() && it->is_object()) {
        json patch = json::object();
        patch[to] = *it;
        merged.merge_patch(patch);
      }
    }
    if (auto it = http->find("disableSubscriptionOverrides");
        it != http->end() && it->is_boolean() && it->get<bool>()) {
      overrides = false;
    }
  }
  if (overrides) {
    const auto own = common::ParseJson<json>(delivery_policy);
    if (own.is_object()) merged.merge_patch(own);
  }
  return merged.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

std::string MessageAttributesToJson(const MessageAttributes& attributes) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : attributes) {
    nlohmann::json entry = {{"DataType", value.data_type}};
    if (value.string_value) entry["StringValue"] = *value.string_value;
    if (value.binary_value) entry["BinaryValue"] = common::Base64Encode(*value.binary_value);
    out[name] = std::move(entry);
  }
  // A String value that is not UTF-8 made dump() throw type_error 316 in the middle of a
  // Publish (found by tests/fuzz/form_fuzz); such bytes are stored replaced (U+FFFD).
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

MessageAttributes MessageAttributesFromJson(const std::string& json_text) {
  MessageAttributes out;
  auto attributes = common::ParseJson(json_text);
  if (!attributes.is_object()) return out;
  for (auto& [name, value] : attributes.items()) {
    if (!value.is_object()) continue;
    MessageAttributeValue attribute;
    // Only a string is a DataType: value("DataType", ...) threw type_error 302 on a number
    // (found by tests/fuzz/filter_policy_fuzz).
    auto type = value.find("DataType");
    attribute.data_type =
        type != value.end() && type->is_string() ? type->get<std::string>() : std::string("String");
    if (value.contains("StringValue") && value["StringValue"].is_string()) {
      attribute.string_value = value["StringValue"].get<std::string>();
    }
    if (value.contains("BinaryValue") && value["BinaryValue"].is_string()) {
      attribute.binary_value = common::Base64Decode(value["BinaryValue"].get<std::string>());
    }
    out[name] = std::move(attribute);
  }
  return out;
}

}  // namespace offstage::sns
