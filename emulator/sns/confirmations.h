// Confirmations: the SubscriptionConfirmation and UnsubscribeConfirmation messages SNS sends an
// http(s) subscriber itself (signed, with the token and the SubscribeURL), recorded as a
// delivery and then handed to the HttpDeliverer, which retries them as AWS does. Other
// protocols need none. Thread model: any thread; holds no state of its own.
#pragma once

#include <string>
#include <string_view>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/http_deliverer.h"
#include "emulator/sns/signer.h"
#include "emulator/sns/topic_state.h"
#include "emulator/storage/writer.h"

namespace offstage::sns {

enum class ConfirmationType { kSubscribe, kUnsubscribe };

class Confirmations {
 public:
  Confirmations(HttpDeliverer& http, Signer& signer, const DeliveryOptions& delivery,
                storage::Writer& writer, const common::Clock& clock, common::IdGenerator& ids,
                common::Logger& log);

  // Sends `sub` its confirmation (http and https subscriptions only), signed with its topic's
  // SignatureVersion. A failure to record it is logged (the change it follows stands).
  void Send(const Subscription& sub, ConfirmationType type, const std::string& signature_version);

 private:
  HttpDeliverer& http_;
  Signer& signer_;
  const DeliveryOptions& delivery_;
  storage::Writer& writer_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
};

}  // namespace offstage::sns
