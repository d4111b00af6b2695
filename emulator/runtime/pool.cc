#include "emulator/runtime/pool.h"

#include <chrono>
#include <optional>

namespace offstage::runtime {
namespace {

// A cold start's cost until one of the function has been measured: about a Node runtime's
// init on the development machine (tests/bench: 28-48 ms).
constexpr int64_t kAssumedInitNs = 50'000'000;

}  // namespace

Pool::Pool(PoolOptions options, Supervisor& supervisor, const common::Clock& clock,
           common::IdGenerator& ids, LogSink& logs)
    : options_(options),
      supervisor_(supervisor),
      clock_(clock),
      ids_(ids),
      logs_(logs),
      reaper_([this] { Reap(); }) {}

Pool::~Pool() { StopAll(); }

std::expected<std::shared_ptr<Environment>, AcquireFailure> Pool::Acquire(
    const EnvironmentSpec& spec, int reserved, bool prefer_warm) {
  std::vector<std::shared_ptr<Environment>> to_stop;
  std::shared_ptr<Environment> warm;
  std::optional<AcquireError> throttled;
  {
    common::MutexLock lock(mu_);
    if (stopping_) {
      return std::unexpected(AcquireFailure{AcquireError::kStopping, "the daemon is stopping"});
    }
    FunctionEnvs& envs = functions_[spec.function_arn];
    if (spec.generation > envs.generation) envs.generation = spec.generation;
    // Reserved concurrency is the function's, all its versions together (AWS: "Concurrency
    // settings apply to the function as a whole, including all published versions").
    auto function_busy = [&]() REQUIRES(mu_) {
      const std::string unqualified =
          spec.version == "$LATEST" || !spec.function_arn.ends_with(":" + spec.version)
              ? spec.function_arn
              : spec.function_arn.substr(0, spec.function_arn.size() - spec.version.size() - 1);
      int busy = 0;
      for (auto it = functions_.lower_bound(unqualified);
           it != functions_.end() && it->first.starts_with(unqualified); ++it) {
        if (it->first.size() == unqualified.size() || it->first[unqualified.size()] == ':') {
          busy += it->second.busy;
        }
      }
      return busy;
    };
    // Before the function's first cold start has been measured, its cost is taken to be
    // kAssumedInitNs, and an unmeasured invocation as short.
    const int64_t init_ns = envs.init_ns > 0 ? envs.init_ns : kAssumedInitNs;
    // Only where a new environment could be started: otherwise the caller is throttled at once,
    // as before (its queue applies backoff and the event's maximum age).
    if (prefer_warm && (reserved < 0 || function_busy() < reserved)) {
      // Ski rental: wait as long as a cold start would take, then start one; but only one
      // starting at a time (each bounded wait re-checks, so a start that fails frees them).
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(init_ns);
      while (!stopping_ && envs.idle.empty() && envs.busy > 0 && envs.run_ns < init_ns) {
        const bool waited = std::chrono::steady_clock::now() >= deadline;
        if (waited && envs.starting == 0) break;
        envs.freed.wait_until(lock.native(), waited ? std::chrono::steady_clock::now() +
                                                          std::chrono::nanoseconds(init_ns)
                                                    : deadline);
      }
      if (stopping_) {
        return std::unexpected(AcquireFailure{AcquireError::kStopping, "the daemon is stopping"});
      }
    }
    while (!envs.idle.empty()) {
      std::shared_ptr<Environment> candidate = std::move(envs.idle.back());
      envs.idle.pop_back();
      if (candidate->spec().generation == envs.generation &&
          candidate->state() != Environment::State::kDead) {
        // A warm one counts against the reserved concurrency too (all versions together).
        if (reserved >= 0 && function_busy() >= reserved) {
          envs.idle.push_back(std::move(candidate));
          throttled = AcquireError::kThrottledReserved;
          break;
        }
        warm = std::move(candidate);
        ++envs.busy;
        break;
      }
      to_stop.push_back(std::move(candidate));
      --total_;
    }
    if (!warm && !throttled) {
      if (reserved >= 0 && function_busy() >= reserved) {
        throttled = AcquireError::kThrottledReserved;
      }
      if (!throttled && total_ >= options_.max_environments) {
        // Make room by stopping the least recently used idle environment of another function.
        for (auto& [name, other] : functions_) {
          if (!other.idle.empty()) {
            to_stop.push_back(std::move(other.idle.front()));
            other.idle.erase(other.idle.begin());
            --total_;
            break;
          }
        }
      }
      if (!throttled && total_ >= options_.max_environments) {
        throttled = AcquireError::kThrottledAccount;
      }
      if (!throttled) {
        ++envs.busy;
        ++envs.starting;
        ++total_;
      }
    }
  }
  // Environments of an older generation found idle, or one stopped to make room, stop now,
  // whatever the outcome.
  StopOutsideLock(to_stop);
  if (throttled) return std::unexpected(AcquireFailure{*throttled, "Rate Exceeded."});
  if (warm) return warm;

  auto env = std::make_shared<Environment>(spec, supervisor_, clock_, ids_, logs_);
  {
    common::MutexLock lock(mu_);
    FunctionEnvs& envs = functions_[spec.function_arn];
    if (stopping_) {
      --envs.busy;
      --envs.starting;
      --total_;
      envs.freed.notify_all();
      return std::unexpected(AcquireFailure{AcquireError::kStopping, "the daemon is stopping"});
    }
    std::erase_if(started_, [](const std::weak_ptr<Environment>& e) { return e.expired(); });
    started_.push_back(env);
    envs.starting_envs.insert(env.get());
  }
  if (auto status = env->Start(); !status) {
    env->Stop();
    common::MutexLock lock(mu_);
    FunctionEnvs& envs = functions_[spec.function_arn];
    envs.starting_envs.erase(env.get());
    --envs.starting;
    envs.freed.notify_all();
    --envs.busy;
    --total_;
    return std::unexpected(AcquireFailure{AcquireError::kStartFailed, status.error().message});
  }
  return env;
}

void Pool::Release(const std::shared_ptr<Environment>& env, bool reusable, int64_t run_ns,
                   int64_t init_ns) {
  bool stop = true;
  {
    common::MutexLock lock(mu_);
    FunctionEnvs& envs = functions_[env->spec().function_arn];
    --envs.busy;
    // Moving averages over about the last eight invocations.
    if (run_ns > 0) envs.run_ns = envs.run_ns == 0 ? run_ns : (7 * envs.run_ns + run_ns) / 8;
    if (init_ns > 0) envs.init_ns = envs.init_ns == 0 ? init_ns : (7 * envs.init_ns + init_ns) / 8;
    if (envs.starting_envs.erase(env.get()) > 0) {  // done starting
      --envs.starting;
      envs.freed.notify_all();
    }
    if (reusable && !stopping_ && env->spec().generation == envs.generation &&
        env->state() != Environment::State::kDead) {
      envs.idle.push_back(env);
      envs.freed.notify_one();
      stop = false;
    } else {
      --total_;
    }
  }
  // The reaper is not woken: it looks at the idle environments once a second anyway, and a
  // wake-up per invocation was one context switch in every warm Invoke.
  if (stop) env->Stop();
}

void Pool::Retire(const std::string& function_arn, uint64_t generation) {
  std::vector<std::shared_ptr<Environment>> to_stop;
  {
    common::MutexLock lock(mu_);
    FunctionEnvs& envs = functions_[function_arn];
    envs.generation = generation;
    to_stop = std::move(envs.idle);
    envs.idle.clear();
    total_ -= static_cast<int>(to_stop.size());
  }
  StopOutsideLock(to_stop);
}

void Pool::StopAll() {
  std::vector<std::shared_ptr<Environment>> to_stop;
  {
    common::MutexLock lock(mu_);
    if (stopping_ && !reaper_.joinable()) return;
    stopping_ = true;
    for (auto& [name, envs] : functions_) {
      total_ -= static_cast<int>(envs.idle.size());
      envs.idle.clear();
      envs.freed.notify_all();
    }
    for (auto& weak : started_) {
      if (auto env = weak.lock()) to_stop.push_back(std::move(env));
    }
    started_.clear();
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  StopOutsideLock(to_stop);
}

Pool::Stats Pool::stats(const std::string& function_arn) const {
  common::MutexLock lock(mu_);
  auto it = functions_.find(function_arn);
  if (it == functions_.end()) return {};
  return Stats{static_cast<int>(it->second.idle.size()), it->second.busy};
}

std::vector<Environment::Snapshot> Pool::Environments(const std::string& function_arn) const {
  std::vector<std::shared_ptr<Environment>> envs;
  {
    common::MutexLock lock(mu_);
    for (const auto& weak : started_) {
      if (auto env = weak.lock(); env && env->spec().function_arn == function_arn) {
        envs.push_back(std::move(env));
      }
    }
  }
  std::vector<Environment::Snapshot> out;
  for (const auto& env : envs) {
    Environment::Snapshot snapshot = env->snapshot();
    if (snapshot.state != Environment::State::kDead) out.push_back(snapshot);
  }
  return out;
}

uint64_t Pool::generation(const std::string& function_arn) const {
  common::MutexLock lock(mu_);
  auto it = functions_.find(function_arn);
  return it == functions_.end() ? 0 : it->second.generation;
}

int Pool::total() const {
  common::MutexLock lock(mu_);
  return total_;
}

void Pool::StopOutsideLock(std::vector<std::shared_ptr<Environment>>& envs) {
  for (auto& env : envs) env->Stop();
  envs.clear();
}

void Pool::Reap() {
  while (true) {
    std::vector<std::shared_ptr<Environment>> to_stop;
    {
      common::MutexLock lock(mu_);
      cv_.wait_for(lock.native(), std::chrono::seconds(1));
      if (stopping_) return;
      const int64_t now = clock_.NowNanos();
      for (auto& [name, envs] : functions_) {
        std::erase_if(envs.idle, [&](std::shared_ptr<Environment>& env) {
          const bool dead = env->state() == Environment::State::kDead;
          if (dead || now - env->idle_since_ns() > options_.idle_timeout_ns) {
            to_stop.push_back(env);
            return true;
          }
          return false;
        });
      }
      total_ -= static_cast<int>(to_stop.size());
    }
    StopOutsideLock(to_stop);
  }
}

}  // namespace offstage::runtime
