// LambdaEventSigner: Lambda's EventFinalizer for the events SNS queues (kLambdaEventSource).
// SNS queues its Lambda deliveries with an empty Signature, so that neither Publish nor the
// fan-out waits for an RSA signature; the asynchronous queue completes each event through this
// just before an attempt, on its own worker. Events of other sources pass unchanged.
// Deterministic: the same event always gets the same bytes (a retry, a destination, a replay).
// Thread model: Finalize from any thread (Signer is safe on any thread).
#pragma once

#include <string>
#include <string_view>

#include "emulator/common/log.h"
#include "emulator/lambda/event_finalizer.h"
#include "emulator/sns/signer.h"

namespace offstage::sns {

class LambdaEventSigner final : public lambda::EventFinalizer {
 public:
  LambdaEventSigner(Signer& signer, common::Logger& log) : signer_(signer), log_(log) {}

  std::string Finalize(std::string_view source, std::string payload) override;
  // An SNS Lambda event with its Signature filled in; `payload` unchanged when it carries no
  // empty Signature (a failure to sign is logged, and the event stays unsigned).
  std::string Sign(std::string payload) const;

 private:
  Signer& signer_;
  common::Logger& log_;
};

}  // namespace offstage::sns
