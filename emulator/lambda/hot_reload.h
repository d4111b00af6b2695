// HotReload: when to fingerprint the local code directory of a function (Code.S3Bucket=
// hot-reload) and whether its files changed since the last look, so that Invoke gives the
// function a new generation and its warm environments are recycled. Owned by LambdaService.
// Thread model: any invoking thread; one leaf mutex guards the fingerprints and is never held
// while a directory is walked (the caller walks between Due and Apply, with no lock held).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "emulator/common/clock.h"
#include "emulator/common/mutex.h"
#include "emulator/lambda/function.h"

namespace offstage::lambda {

class HotReload {
 public:
  static constexpr int64_t kInterval = 500'000'000;  // at most one walk per function per 500 ms

  explicit HotReload(const common::Clock& clock) : clock_(clock) {}

  struct Walk {
    std::string dir;
    int64_t started_ns = 0;
  };
  // The directory to fingerprint now, when `function` runs from a local directory that was not
  // looked at in the last kInterval (a walk counts from when it is due, so concurrent invokers
  // do not walk it again).
  std::optional<Walk> Due(const Function& function) EXCLUDES(mu_);
  // Records what `walk` found: true when it differs from the fingerprint applied before (the
  // code changed). Walks may overlap and end in any order: one that started before the last
  // applied is ignored (false), as is one of a function forgotten since it was due.
  bool Apply(const std::string& arn, const Walk& walk, std::string current) EXCLUDES(mu_);
  // The function was deleted: the next function under its ARN starts afresh.
  void Forget(const std::string& arn) EXCLUDES(mu_);

 private:
  struct Fingerprint {
    int64_t checked_ns = 0;  // when the last walk started
    int64_t applied_ns = 0;  // when the walk whose result `value` is started
    std::string value;
  };

  const common::Clock& clock_;
  common::Mutex mu_;
  std::map<std::string, Fingerprint> fingerprints_ GUARDED_BY(mu_);  // by function ARN
};

}  // namespace offstage::lambda
