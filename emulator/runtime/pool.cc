#include "emulator/runtime/pool.h"

#include <chrono>

namespace offstage::runtime {

Pool::Pool(PoolOptions options, const common::Clock& clock, common::IdGenerator& ids, LogSink& logs)
    : options_(options), clock_(clock), ids_(ids), logs_(logs), reaper_([this] { Reap(); }) {}

Pool::~Pool() { StopAll(); }

std::expected<std::shared_ptr<Environment>, AcquireFailure> Pool::Acquire(
    const EnvironmentSpec& spec, int reserved) {
  std::vector<std::shared_ptr<Environment>> to_stop;
  std::shared_ptr<Environment> warm;
  {
    common::MutexLock lock(mu_);
    if (stopping_) {
      return std::unexpected(AcquireFailure{AcquireError::kStopping, "the daemon is stopping"});
    }
    FunctionEnvs& envs = functions_[spec.function_arn];
    if (spec.generation > envs.generation) envs.generation = spec.generation;
    while (!envs.idle.empty()) {
      std::shared_ptr<Environment> candidate = std::move(envs.idle.back());
      envs.idle.pop_back();
      if (candidate->spec().generation == envs.generation &&
          candidate->state() != Environment::State::kDead) {
        warm = std::move(candidate);
        ++envs.busy;
        break;
      }
      to_stop.push_back(std::move(candidate));
      --total_;
    }
    if (!warm) {
      if (reserved >= 0 && envs.busy >= reserved) {
        for (auto& env : to_stop) env->Stop();
        return std::unexpected(AcquireFailure{AcquireError::kThrottledReserved, "Rate Exceeded."});
      }
      if (total_ >= options_.max_environments) {
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
      if (total_ >= options_.max_environments) {
        lock.native().unlock();
        for (auto& env : to_stop) env->Stop();
        return std::unexpected(AcquireFailure{AcquireError::kThrottledAccount, "Rate Exceeded."});
      }
      ++envs.busy;
      ++total_;
    }
  }
  for (auto& env : to_stop) env->Stop();
  if (warm) return warm;

  auto env = std::make_shared<Environment>(spec, clock_, ids_, logs_);
  {
    common::MutexLock lock(mu_);
    if (stopping_) {
      --functions_[spec.function_arn].busy;
      --total_;
      return std::unexpected(AcquireFailure{AcquireError::kStopping, "the daemon is stopping"});
    }
    std::erase_if(started_, [](const std::weak_ptr<Environment>& e) { return e.expired(); });
    started_.push_back(env);
  }
  if (auto status = env->Start(); !status) {
    env->Stop();
    common::MutexLock lock(mu_);
    --functions_[spec.function_arn].busy;
    --total_;
    return std::unexpected(AcquireFailure{AcquireError::kStartFailed, status.error().message});
  }
  return env;
}

void Pool::Release(const std::shared_ptr<Environment>& env, bool reusable) {
  bool stop = true;
  {
    common::MutexLock lock(mu_);
    FunctionEnvs& envs = functions_[env->spec().function_arn];
    --envs.busy;
    if (reusable && !stopping_ && env->spec().generation == envs.generation &&
        env->state() != Environment::State::kDead) {
      envs.idle.push_back(env);
      stop = false;
    } else {
      --total_;
    }
  }
  cv_.notify_all();
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
  for (auto& env : to_stop) env->Stop();
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
    }
    for (auto& weak : started_) {
      if (auto env = weak.lock()) to_stop.push_back(std::move(env));
    }
    started_.clear();
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  for (auto& env : to_stop) env->Stop();
}

Pool::Stats Pool::stats(const std::string& function_arn) const {
  common::MutexLock lock(mu_);
  auto it = functions_.find(function_arn);
  if (it == functions_.end()) return {};
  return Stats{static_cast<int>(it->second.idle.size()), it->second.busy};
}

int Pool::total() const {
  common::MutexLock lock(mu_);
  return total_;
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
    for (auto& env : to_stop) env->Stop();
  }
}

}  // namespace offstage::runtime
