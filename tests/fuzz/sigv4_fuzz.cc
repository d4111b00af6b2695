// Fuzz target (tests/fuzz): ParseCredentialScope, the SigV4 Authorization header parser every
// request goes through. Pure.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/protocol/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)offstage::protocol::ParseCredentialScope(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
