// The SNS domain model: a Topic, a Subscription, and TopicState, the aggregate of topics and
// their subscriptions that TopicStore (topic_store.h) keeps and changes as one. Plain values;
// thread model: none of its own — a TopicState is read under TopicStore's lock (Read) or
// edited on a copy (Update*); the shared_ptr members are immutable once made.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/sns/delivery_policy.h"
#include "emulator/sns/filter_policy.h"
#include "emulator/sns/types.h"

namespace offstage::sns {

using AttributeMap = std::map<std::string, std::string>;

struct Topic {
  std::string arn;
  std::string name;
  std::string region;
  std::string account;
  AttributeMap attributes;  // stored, settable attributes only
  std::vector<Tag> tags;
  int64_t created_ns = 0;
  bool fifo() const;
  bool content_based_deduplication() const;
  std::string signature_version() const;     // its SignatureVersion attribute, "1" by default
  std::string_view delivery_policy() const;  // its DeliveryPolicy attribute, or ""
};

struct Subscription {
  std::string arn;
  std::string topic_arn;
  std::string protocol;
  std::string endpoint;
  std::string owner;
  bool confirmed = false;
  std::string token;  // kept once confirmed: confirming again answers the ARN
  AttributeMap attributes;
  int64_t created_ns = 0;
  // Worked out from its attributes when they change (ParseFilter, planner.h), and from its
  // topic's DeliveryPolicy by TopicStore whenever either changes (Replan).
  std::shared_ptr<const FilterPolicy> filter;         // parsed FilterPolicy, if any
  std::shared_ptr<const HttpDeliveryPlan> http_plan;  // http(s) only
  std::optional<std::string> dead_letter_target;      // RedrivePolicy's deadLetterTargetArn
};

struct TopicState {
  std::map<std::string, Topic> topics;  // by ARN
  // By ARN; an ARN is "<topic ARN>:<uuid>", so a topic's subscriptions are contiguous.
  std::map<std::string, Subscription> subscriptions;
  std::map<std::string, std::string> tokens;  // pending subscriptions' tokens -> ARN

  const Topic* topic(const std::string& arn) const;
  const Subscription* subscription(const std::string& arn) const;
  // Calls f(const Subscription&) for each subscription of `topic_arn`, in ARN order.
  template <typename F>
  void ForEachSubscriptionOf(const std::string& topic_arn, F&& f) const {
    const std::string prefix = topic_arn + ":";
    for (auto it = subscriptions.lower_bound(prefix);
         it != subscriptions.end() && it->first.starts_with(prefix); ++it) {
      f(it->second);
    }
  }
};

}  // namespace offstage::sns
