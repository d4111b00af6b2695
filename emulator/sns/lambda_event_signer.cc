// LambdaEventSigner: see lambda_event_signer.h.
#include "emulator/sns/lambda_event_signer.h"

#include <utility>

#include "emulator/sns/envelope.h"
#include "emulator/sns/fanout.h"

namespace offstage::sns {

std::string LambdaEventSigner::Finalize(std::string_view source, std::string payload) {
  return source == kLambdaEventSource ? Sign(std::move(payload)) : payload;
}

std::string LambdaEventSigner::Sign(std::string payload) const {
  std::string error;
  std::string signed_payload = SignLambdaEvent(std::move(payload), signer_, error);
  if (!error.empty()) log_.Warn("offstage: " + error);
  return signed_payload;
}

}  // namespace offstage::sns
