// AWS's event stream encoding (application/vnd.amazon.eventstream), as InvokeWithResponseStream
// answers: each message is [total length][headers length][prelude CRC32] [headers] [payload]
// [message CRC32], big-endian, the headers string-typed (type 7). Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offstage::protocol {

// One message with these string headers (in order) and payload.
std::string EventStreamMessage(const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view payload);

// An event: ":event-type" `type`, ":content-type" `content_type`, ":message-type" "event".
std::string EventStreamEvent(std::string_view type, std::string_view content_type,
                             std::string_view payload);

}  // namespace offstage::protocol
