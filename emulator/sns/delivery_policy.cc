#include "emulator/sns/delivery_policy.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "emulator/common/json.h"

namespace offstage::sns {
namespace {

using nlohmann::json;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int kMaxRetries = 100;
constexpr int kMaxDelaySeconds = 3600;
constexpr double kMaxTotalSeconds = 3600;

// An integer field, if present: a JSON integer, or a float with no fraction. nullopt with
// `error` set when it is present and not one, or out of [lo, hi].
std::optional<int> IntField(const json& object, const char* name, int fallback, int lo, int hi,
                            std::string& error) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return fallback;
  double value = 0;
  if (it->is_number_integer()) {
    value = static_cast<double>(it->get<int64_t>());
  } else if (it->is_number_float() && std::isfinite(it->get<double>()) &&
             std::floor(it->get<double>()) == it->get<double>()) {
    value = it->get<double>();
  } else {
    error = std::string(name) + " must be an integer";
    return std::nullopt;
  }
  if (value < lo || value > hi) {
    error =
        std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    return std::nullopt;
  }
  return static_cast<int>(value);
}

// The healthy retry policy of `policy`, checked; nullopt with `error` when it does not check.
// `where` names its place in the policy, for the message.
// The healthy retry policy of `policy`. Strict (a policy being set): nullopt with `error` when
// it does not check; `where` names its place in the policy, for the message. Lenient (an
// effective policy at planning time, defaults and the topic's policy merged in, or text stored
// before it was checked): a field that does not read keeps its default and the cross-field
// rules are not applied (Delays copes), so what was accepted is what applies.
std::optional<RetryPolicy> ParseHealthy(const json& policy, DeliveryPolicyOwner owner, bool strict,
                                        std::string& where, std::string& error) {
  RetryPolicy out;
  const json* healthy = nullptr;
  if (owner == DeliveryPolicyOwner::kSubscription) {
    where = "healthyRetryPolicy";
    if (auto it = policy.find("healthyRetryPolicy"); it != policy.end()) healthy = &*it;
  } else {
    where = "http.defaultHealthyRetryPolicy";
    if (auto http = policy.find("http"); http != policy.end()) {
      if (!http->is_object()) {
        where = "http";
        error = "must be a JSON object";
        return strict ? std::nullopt : std::optional<RetryPolicy>(out);
      }
      if (auto it = http->find("defaultHealthyRetryPolicy"); it != http->end()) healthy = &*it;
    }
  }
  if (healthy == nullptr || healthy->is_null()) return out;
  if (!healthy->is_object()) {
    error = "must be a JSON object";
    return strict ? std::nullopt : std::optional<RetryPolicy>(out);
  }
  // Reads one field into `field`; false (strict only) when it does not check.
  auto read = [&](const char* name, int& field, int lo, int hi) {
    std::string field_error;
    auto value = IntField(*healthy, name, field, lo, hi, field_error);
    if (value) {
      field = *value;
      return true;
    }
    if (strict) error = field_error;
    return !strict;
  };
  if (!read("numRetries", out.num_retries, 0, kMaxRetries) ||
      !read("numNoDelayRetries", out.num_no_delay_retries, 0, kMaxRetries) ||
      !read("numMinDelayRetries", out.num_min_delay_retries, 0, kMaxRetries) ||
      !read("numMaxDelayRetries", out.num_max_delay_retries, 0, kMaxRetries) ||
      !read("minDelayTarget", out.min_delay_target, 1, kMaxDelaySeconds) ||
      !read("maxDelayTarget", out.max_delay_target, 1, kMaxDelaySeconds)) {
    return std::nullopt;
  }
  if (auto it = healthy->find("backoffFunction"); it != healthy->end() && !it->is_null()) {
    static const char* const kFunctions[] = {"arithmetic", "exponential", "geometric", "linear"};
    if (!it->is_string() || std::none_of(std::begin(kFunctions), std::end(kFunctions),
                                         [&](const char* f) { return *it == f; })) {
      if (strict) {
        error = "backoffFunction must be one of arithmetic, exponential, geometric, linear";
        return std::nullopt;
      }
    } else {
      out.backoff_function = it->get<std::string>();
    }
  }
  if (!strict) return out;
  if (healthy->contains("minDelayTarget") && healthy->contains("maxDelayTarget") &&
      out.min_delay_target > out.max_delay_target) {
    error = "minDelayTarget must not exceed maxDelayTarget";
    return std::nullopt;
  }
  if (out.num_no_delay_retries + out.num_min_delay_retries + out.num_max_delay_retries >
      out.num_retries) {
    error =
        "numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries";
    return std::nullopt;
  }
  return out;
}

std::vector<int64_t> Delays(const RetryPolicy& p) {
  const int retries = p.num_retries;
  const double min_delay = p.min_delay_target;
  const double max_delay = p.max_delay_target;
  std::vector<int64_t> delays;
  for (int i = 0; i < p.num_no_delay_retries && static_cast<int>(delays.size()) < retries; ++i) {
    delays.push_back(0);
  }
  for (int i = 0; i < p.num_min_delay_retries && static_cast<int>(delays.size()) < retries; ++i) {
    delays.push_back(static_cast<int64_t>(min_delay * kSecond));
  }
  const int backoff_retries = std::max(
      0, retries - p.num_no_delay_retries - p.num_min_delay_retries - p.num_max_delay_retries);
  for (int i = 1; i <= backoff_retries; ++i) {
    const double f =
        backoff_retries == 1 ? 1.0 : static_cast<double>(i - 1) / (backoff_retries - 1);
    double seconds;
    if (p.backoff_function == "exponential") {
      seconds = min_delay * std::pow(std::max(max_delay, 1.0) / std::max(min_delay, 1.0), f);
    } else if (p.backoff_function == "geometric") {
      seconds = min_delay + (max_delay - min_delay) * f * f;
    } else if (p.backoff_function == "arithmetic") {
      seconds = min_delay + (max_delay - min_delay) * f * (f + 1) / 2;
    } else {
      seconds = min_delay + (max_delay - min_delay) * f;
    }
    delays.push_back(static_cast<int64_t>(seconds * kSecond));
  }
  while (static_cast<int>(delays.size()) < retries) {
    delays.push_back(static_cast<int64_t>(max_delay * kSecond));
  }
  return delays;
}

}  // namespace

common::Status ValidateDeliveryPolicy(std::string_view policy_json, DeliveryPolicyOwner owner,
                                      std::string_view reason_prefix) {
  const json policy = common::ParseJson(policy_json);
  if (!policy.is_object()) return {};  // the JSON check (ValidateJsonAttribute) says why
  std::string where;
  std::string error;
  auto parsed = ParseHealthy(policy, owner, /*strict=*/true, where, error);
  const std::string prefix =
      "Invalid parameter: " + std::string(reason_prefix) + "DeliveryPolicy: " + where + ": ";
  if (!parsed) return common::Fail(common::InvalidParameter(prefix + error));
  int64_t total_ns = 0;
  for (int64_t delay : Delays(*parsed)) total_ns += delay;
  if (static_cast<double>(total_ns) > kMaxTotalSeconds * kSecond) {
    return common::Fail(common::InvalidParameter(
        prefix + "Total policy retry time cannot be greater than 3600 seconds"));
  }
  return {};
}

std::vector<int64_t> RetryDelays(const std::string& policy_json) {
  const json policy = common::ParseJson(policy_json);
  std::string where;
  std::string error;
  std::optional<RetryPolicy> parsed;
  if (policy.is_object()) {
    // The effective policy of a subscription: its own (healthyRetryPolicy) or its topic's.
    parsed = policy.contains("http") && !policy.contains("healthyRetryPolicy")
                 ? ParseHealthy(policy, DeliveryPolicyOwner::kTopic, false, where, error)
                 : ParseHealthy(policy, DeliveryPolicyOwner::kSubscription, false, where, error);
  }
  return Delays(parsed.value_or(RetryPolicy{}));
}

HttpDeliveryPlan PlanHttpDelivery(const std::string& effective_subscription_policy) {
  HttpDeliveryPlan plan{RetryDelays(effective_subscription_policy), "text/plain; charset=UTF-8"};
  const json policy = common::ParseJson(effective_subscription_policy);
  if (auto request = policy.is_object() ? policy.find("requestPolicy") : policy.end();
      request != policy.end() && request->is_object()) {
    if (auto type = request->find("headerContentType");
        type != request->end() && type->is_string()) {
      plan.content_type = type->get<std::string>();
    }
  }
  return plan;
}

}  // namespace offstage::sns
