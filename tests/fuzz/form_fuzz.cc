// Fuzz target (tests/fuzz): an awsQuery form body through FormParams::Parse and its accessors,
// then through SnsCodec::Handle against a real SnsService: every SNS action, so filter
// policies (Subscribe, SetSubscriptionAttributes), MessageStructure, attributes and their JSON.
// Deliveries are not wired (no targets), so nothing leaves the process. Single-threaded.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/protocol/form.h"
#include "emulator/protocol/sns_codec.h"
#include "tests/fuzz/fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto params = offstage::protocol::FormParams::Parse(body);
  if (!params) return 0;
  (void)params->Members("Attributes");
  (void)params->Entries("Attributes", "key", "value");
  (void)params->Indices("MessageAttributes.entry.");
  auto& services = offstage::fuzz::TheServices();
  const offstage::protocol::SnsCodec codec(*services.sns);
  (void)codec.Handle(services.ctx, *params);
  return 0;
}
