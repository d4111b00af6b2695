// SNS's redrive into a subscription's dead-letter queue (dead_letter.h).
#include "emulator/sns/dead_letter.h"

#include "emulator/common/arn.h"

namespace offstage::sns {

std::string SendDeadLetter(sqs::SqsService* sqs, const DeadLetter& letter) {
  const std::string where = "RedrivePolicy " + letter.queue_arn;
  if (sqs == nullptr) return "; " + where + ": not sent (SQS is not running)";
  auto arn = common::ParseArn(letter.queue_arn);
  if (!arn || arn->service != "sqs") return "; " + where + ": not sent (not an SQS queue ARN)";
  common::RequestContext ctx;
  ctx.region = arn->region;
  ctx.account = arn->account;
  ctx.trace_id = letter.trace_id;
  ctx.parent_span = letter.parent_span;
  sqs::SendEntry entry;
  entry.body = letter.body;
  auto text = [](const std::string& value) {
    return sqs::MessageAttribute{"String", value.empty() ? "-" : value, false};
  };
  entry.attributes.emplace("ErrorCode", text(letter.error_code));
  entry.attributes.emplace("ErrorMessage", text(letter.error_message.substr(0, 1024)));
  entry.attributes.emplace("RequestID", text(letter.message_id));
  if (letter.queue_arn.ends_with(".fifo")) {
    entry.group_id = letter.group_id.value_or("default");
    entry.dedup_id = letter.dedup_id.value_or(letter.message_id);
  }
  auto sent = sqs->SendMessage(ctx, letter.queue_arn, std::move(entry));
  if (!sent) return "; " + where + ": not sent: " + sent.error().message;
  return "; sent to the dead-letter queue " + letter.queue_arn + " (message " + sent->id + ")";
}

}  // namespace offstage::sns
