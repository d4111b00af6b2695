// Fuzz target (tests/fuzz): CodeStore::ExtractZip (libzip, entry names, paths, sizes, modes) on
// arbitrary bytes, into a temporary directory removed after every input. Single-threaded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "emulator/lambda/code_store.h"

namespace {

const std::string& Root() {
  static const std::string root = [] {
    char pattern[] = "/tmp/offstage-zipfuzz-XXXXXX";
    if (!mkdtemp(pattern)) std::abort();
    return std::string(pattern);
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  offstage::lambda::CodeStore store(Root() + "/code");
  (void)store.ExtractZip("f", std::string_view(reinterpret_cast<const char*>(data), size));
  std::error_code ec;
  std::filesystem::remove_all(Root() + "/code", ec);
  // Nothing may land outside the code root (a "../" entry would).
  for (const auto& entry : std::filesystem::directory_iterator(Root(), ec)) {
    (void)entry;
    std::abort();
  }
  return 0;
}
