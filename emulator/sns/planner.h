// The SNS planner: pure functions from the model (topic_state.h) to what a message owes. A
// subscription's filter policy, HTTP delivery plan and dead-letter target are worked out once,
// when it or its topic changes (ParseFilter, Replan), never per Publish; TargetsOf copies out
// the confirmed subscriptions of a topic as the fan-out sees them. Thread model: none (pure;
// callers hold TopicStore's lock when they read a TopicState).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/filter_policy.h"
#include "emulator/sns/topic_state.h"

namespace offstage::sns {

// Parses a subscription's FilterPolicy under its FilterPolicyScope (null when it has none).
// `reason_prefix` as in NormalizeSubscriptionAttribute ("Attributes Reason: " for Subscribe).
common::Result<std::shared_ptr<const FilterPolicy>> ParseFilter(const AttributeMap& attributes,
                                                                std::string_view reason_prefix);

// Works out `sub`'s HTTP delivery plan and dead-letter target from its attributes and its
// topic's DeliveryPolicy (`topic`: null when the topic is gone).
void Replan(Subscription& sub, const Topic* topic);

// The confirmed subscriptions of `topic_arn`, as deliveries (pending ones receive nothing).
std::vector<Target> TargetsOf(const TopicState& state, const std::string& topic_arn);

// A replay to one subscription: keeps only `subscription_arn`, whatever its filter policy says.
void KeepOnly(std::vector<Target>& targets, const std::string& subscription_arn);

}  // namespace offstage::sns
