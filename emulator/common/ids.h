// IdGenerator: request ids, message ids, subscription ids (UUID text). Owned by app::Daemon
// and injected. RandomIds is safe on any thread (one annotated mutex around its PRNG). Tests
// use testing::SequentialIds.
//
// RandomIds' UUIDs have RFC 9562's version 7 layout: the first 48 bits are the Unix time in
// milliseconds, the other 74 are random. They look like AWS's ids (8-4-4-4-12 lowercase hex),
// and they sort by time, so every index keyed by them (messages, spans, deliveries, async
// events, log lines) takes its inserts at its right-hand edge: a second of Publishes dirties a
// few pages instead of one page per row scattered over the whole file, which kept checkpoint
// cost, and Publish's p99, growing with the database (docs/benchmarks.md, "Fixed on the way").
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "emulator/common/clock.h"
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
  explicit RandomIds(const Clock& clock);
  std::string Uuid() override;
  std::string Hex(int bytes) override;

 private:
  uint64_t Next();
  const Clock& clock_;
  Mutex mu_;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
};

}  // namespace offstage::common
