#include "emulator/common/ids.h"

#include <cstdio>

namespace offstage::common {

RandomIds::RandomIds(const Clock& clock) : clock_(clock) {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device(), device(), device()};
  rng_.seed(seed);
}

uint64_t RandomIds::Next() {
  MutexLock lock(mu_);
  return rng_();
}

std::string RandomIds::Uuid() {
  // The clock never goes backwards, so neither do the ids' time prefixes.
  const uint64_t unix_ms = static_cast<uint64_t>(clock_.NowNanos() / 1'000'000);
  uint64_t hi = (unix_ms << 16) | (Next() & 0x0fffULL) | 0x7000ULL;  // version 7
  uint64_t lo = Next();
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string RandomIds::Hex(int bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<size_t>(bytes) * 2);
  uint64_t word = 0;
  for (int i = 0; i < bytes; ++i) {
    if (i % 8 == 0) word = Next();
    const unsigned byte = static_cast<unsigned>(word & 0xff);
    word >>= 8;
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xf]);
  }
  return out;
}

}  // namespace offstage::common
