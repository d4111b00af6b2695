// EventFinalizer: completes the payload of an asynchronous event another service queued, just
// before the event is delivered, without lambda/ depending on that service (DESIGN decision
// 10): lambda/ owns this interface and app/ wires it to the SNS service. SNS queues its Lambda
// deliveries with an empty Signature and signs them here, on the queue's worker thread (nice
// 19), so the RSA signature (~0.2 ms of CPU) is not part of the Publish that caused them.
// Implementations must be deterministic (RSA PKCS#1 v1.5 signatures are): a retry, a
// destination, a dead-letter topic and a replay of one event carry the same bytes. Safe on any
// thread.
#pragma once

#include <string>
#include <string_view>

namespace offstage::lambda {

class EventFinalizer {
 public:
  virtual ~EventFinalizer() = default;
  // The payload to deliver for an event queued by `source` ("sns", "invoke", ...): `payload`
  // itself when there is nothing to complete.
  virtual std::string Finalize(std::string_view source, std::string payload) = 0;
};

}  // namespace offstage::lambda
