// The retry part of an HTTP/S DeliveryPolicy (§6.1 of the wire reference; AWS's "Creating an
// HTTP/S delivery policy"): its healthyRetryPolicy parsed and checked once, and the delays it
// gives. A subscription's policy holds it under "healthyRetryPolicy", a topic's under
// "http"."defaultHealthyRetryPolicy". Pure; no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::sns {

struct RetryPolicy {
  int num_retries = 3;
  int num_no_delay_retries = 0;
  int num_min_delay_retries = 0;
  int num_max_delay_retries = 0;
  int min_delay_target = 20;  // seconds
  int max_delay_target = 20;  // seconds
  std::string backoff_function = "linear";
};

enum class DeliveryPolicyOwner { kTopic, kSubscription };

// Checks a DeliveryPolicy as SetTopicAttributes/SetSubscriptionAttributes/Subscribe do
// (`policy_json` already parsed as a JSON object): every healthy-retry field present has its
// type and range, and the whole policy (defaults filled in) retries for at most 3,600 s.
// The error is InvalidParameter, "Invalid parameter: DeliveryPolicy: <where>: <why>".
common::Status ValidateDeliveryPolicy(std::string_view policy_json, DeliveryPolicyOwner owner,
                                      std::string_view reason_prefix);

// The delays of the policy's healthyRetryPolicy: numNoDelayRetries at once,
// numMinDelayRetries at minDelayTarget, the backoff phase, numMaxDelayRetries at
// maxDelayTarget. `policy_json` is a subscription's effective DeliveryPolicy (AWS's defaults,
// its topic's and its own merged: each checked when set, not together). Read leniently: a
// field that does not read (text stored before it was checked) keeps its default, and the
// cross-field rules are not applied; this never throws, whatever the text.
std::vector<int64_t> RetryDelays(const std::string& policy_json);

// What an http(s) delivery of a subscription needs from its effective DeliveryPolicy, worked
// out once when the subscription or its topic's policy changes (not at every Publish).
struct HttpDeliveryPlan {
  std::vector<int64_t> retry_delays_ns;  // one per retry
  std::string content_type;              // requestPolicy.headerContentType
};
HttpDeliveryPlan PlanHttpDelivery(const std::string& effective_subscription_policy);

}  // namespace offstage::sns
