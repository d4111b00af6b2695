// HotReload: the fingerprints of local code directories, rate-limited per function, and the
// rule that a walk applied later than a newer one is ignored. Thread model: hot_reload.h.
#include "emulator/lambda/hot_reload.h"

namespace offstage::lambda {

std::optional<HotReload::Walk> HotReload::Due(const Function& function) {
  if (!function.code.local_dir) return std::nullopt;
  const int64_t now = clock_.NowNanos();
  common::MutexLock lock(mu_);
  Fingerprint& fingerprint = fingerprints_[function.arn];
  if (fingerprint.checked_ns != 0 && now - fingerprint.checked_ns < kInterval) {
    return std::nullopt;
  }
  fingerprint.checked_ns = now;  // concurrent invokers do not walk it again
  return Walk{function.code.dir, now};
}

bool HotReload::Apply(const std::string& arn, const Walk& walk, std::string current) {
  common::MutexLock lock(mu_);
  auto it = fingerprints_.find(arn);
  if (it == fingerprints_.end()) return false;  // forgotten (deleted) since the walk was due
  Fingerprint& fingerprint = it->second;
  if (walk.started_ns < fingerprint.applied_ns) return false;  // a later walk applied already
  const bool changed = !fingerprint.value.empty() && current != fingerprint.value;
  fingerprint.value = std::move(current);
  fingerprint.applied_ns = walk.started_ns;
  return changed;
}

void HotReload::Forget(const std::string& arn) {
  common::MutexLock lock(mu_);
  fingerprints_.erase(arn);
}

}  // namespace offstage::lambda
