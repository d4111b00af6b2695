// Unit tests of the event stream encoder against a frame checked by hand: AWS's
// InvokeComplete event with an empty JSON object (its CRCs verified independently; the same
// bytes an emulator that SDKs decode hard-codes), and a PayloadChunk's layout.
#include "emulator/protocol/event_stream.h"

#include <doctest/doctest.h>

#include <string>

namespace offstage::protocol {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

TEST_CASE("EventStreamEvent: InvokeComplete {} as AWS frames it") {
  const std::string frame = EventStreamEvent("InvokeComplete", "application/json", "{}");
  REQUIRE(frame.size() == 102);
  // Total length 0x66, headers length 0x54, prelude CRC 0x1f56c869.
  CHECK(Hex(frame.substr(0, 12)) == "00000066000000541f56c869");
  CHECK(frame.substr(12, 12) == "\x0b:event-type");
  CHECK(frame.substr(96, 2) == "{}");
  CHECK(Hex(frame.substr(98)) == "7006d467");  // the message CRC
}

TEST_CASE("EventStreamEvent: a PayloadChunk carries the bytes as they are") {
  const std::string bytes("a\0b", 3);
  const std::string frame = EventStreamEvent("PayloadChunk", "application/octet-stream", bytes);
  // 12 prelude + headers (":event-type" PayloadChunk, ":content-type" octet-stream,
  // ":message-type" event) + 3 + 4.
  const size_t headers = (1 + 11 + 3 + 12) + (1 + 13 + 3 + 24) + (1 + 13 + 3 + 5);
  CHECK(headers == 90);
  REQUIRE(frame.size() == 12 + headers + 3 + 4);
  CHECK(static_cast<unsigned char>(frame[3]) == frame.size());
  CHECK(frame.substr(12 + headers, 3) == bytes);
}

}  // namespace
}  // namespace offstage::protocol
