// The SNS planner (planner.h): filter policies parsed, delivery plans worked out, and a
// topic's subscriptions turned into delivery targets. Thread model: none (pure functions).
#include "emulator/sns/planner.h"

#include "emulator/common/json.h"
#include "emulator/sns/attributes.h"

namespace offstage::sns {

common::Result<std::shared_ptr<const FilterPolicy>> ParseFilter(const AttributeMap& attributes,
                                                                std::string_view reason_prefix) {
  auto policy = attributes.find("FilterPolicy");
  if (policy == attributes.end()) return std::shared_ptr<const FilterPolicy>();
  auto scope = attributes.find("FilterPolicyScope");
  const FilterScope filter_scope = scope != attributes.end() && scope->second == "MessageBody"
                                       ? FilterScope::kMessageBody
                                       : FilterScope::kMessageAttributes;
  auto parsed = FilterPolicy::Parse(policy->second, filter_scope);
  if (!parsed) {
    const std::string& detail = parsed.error().message;
    return common::Fail(common::InvalidParameter(
        "Invalid parameter: " + std::string(reason_prefix) +
        (FilterPolicy::IsScopeError(detail) ? "" : "FilterPolicy: ") + detail));
  }
  return std::make_shared<const FilterPolicy>(std::move(*parsed));
}

void Replan(Subscription& sub, const Topic* topic) {
  sub.dead_letter_target.reset();
  auto redrive = sub.attributes.find("RedrivePolicy");
  if (redrive != sub.attributes.end()) {
    auto parsed = common::ParseJson(redrive->second);
    if (auto arn = parsed.find("deadLetterTargetArn"); arn != parsed.end() && arn->is_string()) {
      sub.dead_letter_target = arn->get<std::string>();
    }
  }
  sub.http_plan.reset();
  if (sub.protocol != "http" && sub.protocol != "https") return;
  auto own = sub.attributes.find("DeliveryPolicy");
  sub.http_plan =
      std::make_shared<const HttpDeliveryPlan>(PlanHttpDelivery(EffectiveSubscriptionDeliveryPolicy(
          own == sub.attributes.end() ? std::string_view() : std::string_view(own->second),
          topic ? topic->delivery_policy() : std::string_view())));
}

std::vector<Target> TargetsOf(const TopicState& state, const std::string& topic_arn) {
  std::vector<Target> targets;
  state.ForEachSubscriptionOf(topic_arn, [&](const Subscription& sub) {
    if (!sub.confirmed) return;  // pending subscriptions receive nothing
    Target target;
    target.subscription_arn = sub.arn;
    target.protocol = sub.protocol;
    target.endpoint = sub.endpoint;
    auto raw = sub.attributes.find("RawMessageDelivery");
    target.raw = raw != sub.attributes.end() && raw->second == "true";
    target.filter = sub.filter;
    target.http_plan = sub.http_plan;
    target.dead_letter_target = sub.dead_letter_target;
    targets.push_back(std::move(target));
  });
  return targets;
}

void KeepOnly(std::vector<Target>& targets, const std::string& subscription_arn) {
  std::erase_if(targets, [&](const Target& t) { return t.subscription_arn != subscription_arn; });
  for (auto& t : targets) t.filter.reset();
}

}  // namespace offstage::sns
