// SnsTopicPublisher: see topic_publisher.h.
#include "emulator/sns/topic_publisher.h"

namespace offstage::sns {

common::Result<std::string> SnsTopicPublisher::PublishToTopic(
    const common::RequestContext& ctx, const std::string& topic_arn, const std::string& message,
    const std::map<std::string, std::pair<std::string, std::string>>& attributes) {
  PublishInput in;
  in.topic_arn = topic_arn;
  in.message = message;
  for (const auto& [name, typed] : attributes) {
    in.message_attributes[name] = MessageAttributeValue{typed.first, typed.second, {}};
  }
  auto out = sns_.Publish(ctx, in);
  if (!out) return common::Fail(out.error());
  return out->message_id;
}

}  // namespace offstage::sns
