// SNS's redrive of a delivery that failed for good into its subscription's dead-letter queue
// (the subscription's RedrivePolicy): the message as the subscriber would have received it
// (the notification, or the raw message), sent to the SQS queue with three message attributes
// saying why (ErrorCode, ErrorMessage, RequestID), caused by the delivery's span. Pure apart
// from the send. Thread model: any thread (SqsService is).
#pragma once

#include <optional>
#include <string>

#include "emulator/common/request_context.h"
#include "emulator/sqs/sqs_service.h"

namespace offstage::sns {

struct DeadLetter {
  std::string queue_arn;  // RedrivePolicy's deadLetterTargetArn
  std::string body;       // as the subscriber would have received it
  std::string error_code;
  std::string error_message;
  std::string message_id;               // the SNS message (RequestID)
  std::optional<std::string> group_id;  // FIFO topics
  std::optional<std::string> dedup_id;
  std::string trace_id;
  std::string parent_span;  // the failed delivery's row id
};

// Sends the dead letter; answers the words the delivery's reason gains: "; sent to the
// dead-letter queue ARN (message ID)", or "; RedrivePolicy ARN: not sent: WHY". `sqs` null:
// not sent (SQS is not running), said so.
std::string SendDeadLetter(sqs::SqsService* sqs, const DeadLetter& letter);

}  // namespace offstage::sns
