// The event stream encoder (event_stream.h). CRC32 is zlib's (the IEEE polynomial AWS's
// framing uses). Pure functions; any thread.
#include "emulator/protocol/event_stream.h"

#include <zlib.h>

#include <cstdint>

namespace offstage::protocol {
namespace {

void Put32(std::string& out, uint32_t value) {
  out.push_back(static_cast<char>(value >> 24));
  out.push_back(static_cast<char>(value >> 16));
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

uint32_t Crc(std::string_view bytes, uint32_t crc = 0) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

}  // namespace

std::string EventStreamMessage(const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view payload) {
  std::string encoded;
  for (const auto& [name, value] : headers) {
    encoded.push_back(static_cast<char>(name.size()));
    encoded += name;
    encoded.push_back(7);  // string
    encoded.push_back(static_cast<char>(value.size() >> 8));
    encoded.push_back(static_cast<char>(value.size()));
    encoded += value;
  }
  const uint32_t total = static_cast<uint32_t>(12 + encoded.size() + payload.size() + 4);
  std::string out;
  out.reserve(total);
  Put32(out, total);
  Put32(out, static_cast<uint32_t>(encoded.size()));
  Put32(out, Crc(out));
  out += encoded;
  out.append(payload.data(), payload.size());
  Put32(out, Crc(out));
  return out;
}

std::string EventStreamEvent(std::string_view type, std::string_view content_type,
                             std::string_view payload) {
  return EventStreamMessage({{":event-type", std::string(type)},
                             {":content-type", std::string(content_type)},
                             {":message-type", "event"}},
                            payload);
}

}  // namespace offstage::protocol
