// IdGenerator: request ids, message ids, subscription ids (UUID v4 text). Owned by
// app::Daemon and injected. RandomIds is safe on any thread (one annotated mutex around its
// PRNG). Tests use testing::SequentialIds.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "emulator/common/mutex.h"

namespace offstage::common {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string Uuid() = 0;
  // `bytes` random bytes as lowercase hex (tokens, log stream names).
  virtual std::string Hex(int bytes) = 0;
};

class RandomIds final : public IdGenerator {
 public:
  RandomIds();
  std::string Uuid() override;
  std::string Hex(int bytes) override;

 private:
  uint64_t Next();
  Mutex mu_;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
};

}  // namespace offstage::common
