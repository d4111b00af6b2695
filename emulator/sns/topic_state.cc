// The SNS domain model's accessors (topic_state.h). Thread model: none (plain values).
#include "emulator/sns/topic_state.h"

namespace offstage::sns {
namespace {

std::string_view AttributeOr(const AttributeMap& attributes, const std::string& name,
                             std::string_view fallback) {
  auto it = attributes.find(name);
  return it == attributes.end() ? fallback : std::string_view(it->second);
}

}  // namespace

bool Topic::fifo() const { return AttributeOr(attributes, "FifoTopic", "") == "true"; }

bool Topic::content_based_deduplication() const {
  return AttributeOr(attributes, "ContentBasedDeduplication", "") == "true";
}

std::string Topic::signature_version() const {
  return std::string(AttributeOr(attributes, "SignatureVersion", "1"));
}

std::string_view Topic::delivery_policy() const {
  return AttributeOr(attributes, "DeliveryPolicy", "");
}

const Topic* TopicState::topic(const std::string& arn) const {
  auto it = topics.find(arn);
  return it == topics.end() ? nullptr : &it->second;
}

const Subscription* TopicState::subscription(const std::string& arn) const {
  auto it = subscriptions.find(arn);
  return it == subscriptions.end() ? nullptr : &it->second;
}

}  // namespace offstage::sns
