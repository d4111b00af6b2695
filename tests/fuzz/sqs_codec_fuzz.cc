// Fuzz target (tests/fuzz): the SQS codec (SqsCodec::Handle) against a real SqsService, in both
// wire protocols. Input: "J <Action>" or "Q" on the first line; then the JSON body (J) or the
// awsQuery form (Q, converted by SqsQueryInput as the server does). State carries over between
// inputs (queues and messages stay), as in a daemon. Long polls answer at once (the service is
// interrupted), so no input waits. Single-threaded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/common/json.h"
#include "emulator/protocol/form.h"
#include "emulator/protocol/sqs_codec.h"
#include "emulator/protocol/sqs_query.h"
#include "tests/fuzz/fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const size_t end = rest.find('\n');
  if (end == std::string_view::npos) return 0;
  const std::string_view first = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  auto& services = offstage::fuzz::TheServices();
  services.queues->Interrupt();  // ReceiveMessage never waits here
  offstage::protocol::SqsCall call;
  call.host = "127.0.0.1:4566";
  call.path = "/";
  if (first.starts_with("J ")) {
    call.wire = offstage::protocol::SqsWire::kJson;
    call.action = std::string(first.substr(2));
    call.input = offstage::common::ParseJson(rest);
    if (call.input.is_discarded()) return 0;  // the server answers bad JSON before the codec
  } else if (first == "Q") {
    auto params = offstage::protocol::FormParams::Parse(rest);
    if (!params) return 0;
    auto action = params->Get("Action");
    if (!action) return 0;
    call.wire = offstage::protocol::SqsWire::kQuery;
    call.action = *action;
    call.input = offstage::protocol::SqsQueryInput(*params);
  } else {
    return 0;
  }
  const offstage::protocol::SqsCodec codec(*services.queues);
  (void)codec.Handle(services.ctx, call);
  return 0;
}
