// Topic and subscription attributes: which names each accepts, how values are validated and
// normalised, and the computed defaults AWS reports (Policy, EffectiveDeliveryPolicy). Pure
// functions, safe on any thread. Sources: LocalStack's real-AWS snapshots and
// ../shared/reference/aws-wire-protocol.md §2.5.
#pragma once

#include <string>
#include <string_view>

#include "emulator/common/result.h"
#include "emulator/sns/types.h"

namespace offstage::sns {

enum class TopicAttributeUse { kCreate, kSet };

// The normalised value to store; an empty string removes an optional attribute.
common::Result<std::string> NormalizeTopicAttribute(std::string_view name, std::string_view value,
                                                    bool fifo, TopicAttributeUse use);
// `reason_prefix` is "Attributes Reason: " inside Subscribe, "" in SetSubscriptionAttributes.
common::Result<std::string> NormalizeSubscriptionAttribute(std::string_view name,
                                                           std::string_view value,
                                                           std::string_view protocol,
                                                           std::string_view reason_prefix);

std::string DefaultTopicPolicy(std::string_view topic_arn, std::string_view account);
std::string EffectiveTopicDeliveryPolicy(std::string_view delivery_policy);
// A subscription's effective policy, as AWS computes it "taking into account the topic
// delivery policy and account system defaults": AWS's defaults, overlaid by its topic's http
// defaults (defaultHealthyRetryPolicy, defaultRequestPolicy, defaultThrottlePolicy), overlaid
// by its own DeliveryPolicy unless the topic sets disableSubscriptionOverrides.
std::string EffectiveSubscriptionDeliveryPolicy(std::string_view delivery_policy,
                                                std::string_view topic_delivery_policy);

// A message's attributes as stored with it (messages.attributes): name -> {DataType,
// StringValue | BinaryValue (base64)}; and back (replays, a fan-out finished after a restart).
std::string MessageAttributesToJson(const MessageAttributes& attributes);
MessageAttributes MessageAttributesFromJson(const std::string& json_text);

}  // namespace offstage::sns
