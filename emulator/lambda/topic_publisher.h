// TopicPublisher: how Lambda publishes to SNS (OnSuccess/OnFailure destinations and dead-letter
// topics) without depending on sns/ (DESIGN decision 10): lambda/ owns this interface and
// app/ wires it to the SNS service. Implementations are safe on any thread.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "emulator/common/request_context.h"
#include "emulator/common/result.h"

namespace offstage::lambda {

class TopicPublisher {
 public:
  virtual ~TopicPublisher() = default;
  // attributes: name -> (DataType, StringValue). Returns the MessageId.
  virtual common::Result<std::string> PublishToTopic(
      const common::RequestContext& ctx, const std::string& topic_arn, const std::string& message,
      const std::map<std::string, std::pair<std::string, std::string>>& attributes) = 0;
};

}  // namespace offstage::lambda
