// EventFilter: what an event source mapping's FilterCriteria needs of a filter engine. A
// pattern (one of FilterCriteria.Filters[].Pattern, EventBridge's pattern syntax) is parsed
// once, then matched against a record as JSON (the SQS record, its body parsed when it is
// JSON). Lambda sits below SNS, so it does not build the engine itself: the app layer hands
// EventSourceMappings a parser over sns::FilterPolicy (MessageBody scope, which takes the same
// syntax), and unit tests may hand it a fake. Implementations are immutable once parsed and
// safe to share across threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "emulator/common/result.h"

namespace offstage::lambda {

class EventFilter {
 public:
  virtual ~EventFilter() = default;
  // Whether the record (a JSON object's text) matches the pattern.
  virtual bool Matches(std::string_view record_json) const = 0;
};

// A pattern's filter, or the reason it is not a valid pattern (the message's detail).
using EventFilterParser =
    std::function<common::Result<std::shared_ptr<const EventFilter>>(std::string_view pattern)>;

}  // namespace offstage::lambda
