// SnsTopicPublisher: Lambda's TopicPublisher (OnSuccess/OnFailure destinations and dead-letter
// topics), over SnsService::Publish (DESIGN decision 10: lambda/ owns the interface, sns/
// implements it, app/ wires it). Thread model: any thread, as Publish.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "emulator/lambda/topic_publisher.h"
#include "emulator/sns/sns_service.h"

namespace offstage::sns {

class SnsTopicPublisher final : public lambda::TopicPublisher {
 public:
  explicit SnsTopicPublisher(SnsService& sns) : sns_(sns) {}
  // attributes: name -> (DataType, StringValue), as message attributes.
  common::Result<std::string> PublishToTopic(
      const common::RequestContext& ctx, const std::string& topic_arn, const std::string& message,
      const std::map<std::string, std::pair<std::string, std::string>>& attributes) override;

 private:
  SnsService& sns_;
};

}  // namespace offstage::sns
