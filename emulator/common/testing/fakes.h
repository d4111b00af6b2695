// Test fakes for common/: a settable clock and deterministic ids. Header only; for the unit
// tests only. Not thread-safe beyond what each test needs (atomic clock).
#pragma once

#include <atomic>
#include <cstdio>
#include <string>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"

namespace offstage::common::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ns = 1'700'000'000'000'000'000) : now_(start_ns) {}
  int64_t NowNanos() const override { return now_.load(); }
  void Advance(int64_t ns) { now_ += ns; }

 private:
  std::atomic<int64_t> now_;
};

class SequentialIds final : public IdGenerator {
 public:
  std::string Uuid() override {
    char buf[37];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", ++next_);
    return buf;
  }
  std::string Hex(int bytes) override {
    std::string out(static_cast<size_t>(bytes) * 2, '0');
    const std::string n = std::to_string(++next_);
    out.replace(out.size() - n.size(), n.size(), n);
    return out;
  }

 private:
  std::atomic<int> next_{0};
};

}  // namespace offstage::common::testing
