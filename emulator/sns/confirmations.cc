// Confirmations (confirmations.h): AWS's SubscriptionConfirmation / UnsubscribeConfirmation
// bodies and headers, recorded then queued on the HttpDeliverer. Thread model: any thread.
#include "emulator/sns/confirmations.h"

#include "emulator/common/strings.h"
#include "emulator/sns/delivery_policy.h"
#include "emulator/sns/envelope.h"
#include "emulator/storage/delivery_store.h"

namespace offstage::sns {

Confirmations::Confirmations(HttpDeliverer& http, Signer& signer, const DeliveryOptions& delivery,
                             storage::Writer& writer, const common::Clock& clock,
                             common::IdGenerator& ids, common::Logger& log)
    : http_(http),
      signer_(signer),
      delivery_(delivery),
      writer_(writer),
      clock_(clock),
      ids_(ids),
      log_(log) {}

void Confirmations::Send(const Subscription& sub, ConfirmationType kind,
                         const std::string& version) {
  if (sub.protocol != "http" && sub.protocol != "https") return;
  const std::string_view type =
      kind == ConfirmationType::kSubscribe ? "SubscriptionConfirmation" : "UnsubscribeConfirmation";
  const std::string message_id = ids_.Uuid();
  const std::string timestamp = common::IsoMillis(clock_.NowNanos());
  const std::string subscribe_url = delivery_.base_url +
                                    "/?Action=ConfirmSubscription&TopicArn=" + sub.topic_arn +
                                    "&Token=" + sub.token;
  const std::string text =
      kind == ConfirmationType::kSubscribe
          ? "You have chosen to subscribe to the topic " + sub.topic_arn +
                ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
          : "You have chosen to deactivate subscription " + sub.arn +
                ".\nTo cancel this operation and restore the subscription, visit the "
                "SubscribeURL included in this message.";
  std::string signature;
  {
    auto signed_text = signer_.Sign(StringToSign(type, text, message_id, nullptr, timestamp,
                                                 sub.topic_arn, &subscribe_url, &sub.token),
                                    version);
    if (signed_text) signature = *signed_text;
  }
  HttpRequestSpec request;
  request.url = sub.endpoint;
  request.body =
      ConfirmationBody(type, message_id, sub.token, sub.topic_arn, text, subscribe_url, timestamp,
                       version, signature, delivery_.base_url + std::string(kCertificatePath));
  request.headers = {{"x-amz-sns-message-type", std::string(type)},
                     {"x-amz-sns-message-id", message_id},
                     {"x-amz-sns-topic-arn", sub.topic_arn},
                     {"User-Agent", "Amazon Simple Notification Service Agent"},
                     {"Content-Type", "text/plain; charset=UTF-8"}};
  if (kind != ConfirmationType::kSubscribe) {
    request.headers.emplace_back("x-amz-sns-subscription-arn", sub.arn);
  }
  request.retry_delays_ns = delivery_.http_retry_delays_ns.value_or(RetryDelays(""));
  storage::DeliveryRow row;
  row.id = ids_.Uuid();
  row.message_id = message_id;
  row.subscription_arn = sub.arn;
  row.protocol = sub.protocol;
  row.endpoint = sub.endpoint;
  row.status = storage::DeliveryStatus::kPending;
  row.reason = std::string(type);
  row.created_ns = row.updated_ns = clock_.NowNanos();
  row.next_attempt_ns = row.created_ns;
  row.request = request.ToJson();
  auto committed =
      writer_.Submit([row](storage::Database& db) { return storage::InsertDelivery(db, row); })
          .get();
  if (!committed) {
    log_.Error("offstage: could not record the " + std::string(type) + " of " + sub.arn + ": " +
               committed.error().message);
    return;
  }
  http_.Enqueue(std::move(row), std::move(request));
}

}  // namespace offstage::sns
