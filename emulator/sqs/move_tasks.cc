// MoveTasks: message move tasks, one thread each (move_tasks.h).
#include "emulator/sqs/move_tasks.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::sqs {
namespace {

using common::ErrorCode;
using common::Fail;

std::string QueueName(const std::string& arn) { return arn.substr(arn.rfind(':') + 1); }

}  // namespace

Result<std::string> MoveTasks::Start(const Queue& source, const std::string& destination_arn,
                                     std::optional<int64_t> max_per_second) {
  const auto [until_seq, visible] = messages_.Movable(source);
  MoveTask task;
  // AWS's handles are opaque; this one is base64 of the task's id and source, as theirs.
  task.handle =
      common::Base64Encode(nlohmann::json{{"taskId", ids_.Uuid()}, {"sourceArn", source.arn}}.dump(
          -1, ' ', false, common::kReplaceInvalidUtf8));
  task.status = "RUNNING";
  task.source_arn = source.arn;
  task.destination_arn = destination_arn;
  task.max_per_second = max_per_second;
  task.to_move = visible;
  task.started_ms = clock_.NowNanos() / 1'000'000;
  task.until_seq = until_seq;
  {
    common::MutexLock lock(mu_);
    if (stopping_) return Fail(common::Internal("the daemon is stopping"));
    auto& list = tasks_[source.arn];
    for (const MoveTask& t : list) {
      if (t.status == "RUNNING" || t.status == "CANCELLING") {
        return Fail(ErrorCode::kSqsUnsupportedOperation,
                    "There is already a task running. Only one active task is allowed for a "
                    "source queue arn at a given time.");
      }
    }
    list.push_front(task);
    while (list.size() > kKept) {
      sources_.erase(list.back().handle);
      list.pop_back();
    }
    sources_[task.handle] = source.arn;
  }
  log_.Info("message move task started: " + QueueName(source.arn) + " -> " +
            (destination_arn.empty() ? "the messages' source queues" : QueueName(destination_arn)) +
            ", " + std::to_string(visible) + " message(s)");
  threads_.Spawn([this, handle = task.handle] {
    Run(handle);
    threads_.Retire();
  });
  return task.handle;
}

MoveTask* MoveTasks::FindTask(const std::string& handle) {
  auto source = sources_.find(handle);
  if (source == sources_.end()) return nullptr;
  for (MoveTask& task : tasks_[source->second]) {
    if (task.handle == handle) return &task;
  }
  return nullptr;
}

void MoveTasks::Finish(const std::string& handle, const std::string& status,
                       const std::string& reason) {
  common::MutexLock lock(mu_);
  if (MoveTask* task = FindTask(handle)) FinishLocked(*task, status, reason);
}

void MoveTasks::FinishLocked(MoveTask& task, const std::string& status, const std::string& reason) {
  task.status = status;
  task.failure_reason = reason;
  log_.Info("message move task on " + QueueName(task.source_arn) + " " + status + " after " +
            std::to_string(task.moved) + " message(s)" + (reason.empty() ? "" : ": " + reason));
}

void MoveTasks::Run(const std::string& handle) {
  MoveTask task;
  {
    common::MutexLock lock(mu_);
    MoveTask* found = FindTask(handle);
    if (found == nullptr) return;
    task = *found;
  }
  const auto destination_of = [&](const Message& m) -> Result<Queue> {
    const std::string& arn =
        task.destination_arn.empty() ? m.dead_letter_source_arn : task.destination_arn;
    if (arn.empty()) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Message " + m.id +
                      " was not moved here by a queue's RedrivePolicy, so it has no source "
                      "queue to return to; give a DestinationArn.");
    }
    auto queue = queues_.Find(arn);
    if (!queue) {
      return Fail(ErrorCode::kSqsResourceNotFound,
                  "The destination queue " + arn + " does not exist.");
    }
    if (queue->fifo() != QueueName(task.source_arn).ends_with(".fifo")) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The destination queue " + arn + " is not of the source queue's type.");
    }
    return *queue;
  };
  using Clock = std::chrono::steady_clock;
  auto next_step = Clock::now();
  while (true) {
    {
      common::MutexLock lock(mu_);
      // Paced: one step a second of at most the rate's messages.
      while (!stopping_ && Clock::now() < next_step) {
        cv_.wait_until(lock.native(), next_step);
      }
      MoveTask* current = FindTask(handle);
      if (current == nullptr) return;
      if (stopping_) return FinishLocked(*current, "FAILED", "the daemon stopped");
      if (current->status == "CANCELLING") return FinishLocked(*current, "CANCELLED", "");
      if (current->status != "RUNNING") return;
    }
    auto source = queues_.Find(task.source_arn);
    if (!source) return Finish(handle, "FAILED", "The source queue was deleted.");
    // Paced: a step of the rate's messages (at most 500) a second; else steps of kStep.
    const int limit = task.max_per_second ? static_cast<int>(*task.max_per_second) : kStep;
    auto step = messages_.Move(*source, task.until_seq, limit, destination_of);
    {
      common::MutexLock lock(mu_);
      if (MoveTask* current = FindTask(handle)) current->moved += step.moved;
    }
    if (step.failure) return Finish(handle, "FAILED", step.failure->message);
    if (step.moved == 0) return Finish(handle, "COMPLETED", "");
    if (task.max_per_second) next_step += std::chrono::seconds(1);
  }
}

std::vector<MoveTask> MoveTasks::List(const std::string& source_arn, int max) const {
  common::MutexLock lock(mu_);
  std::vector<MoveTask> out;
  auto it = tasks_.find(source_arn);
  if (it == tasks_.end()) return out;
  for (const MoveTask& task : it->second) {
    if (static_cast<int>(out.size()) >= max) break;
    out.push_back(task);
  }
  return out;
}

Result<int64_t> MoveTasks::Cancel(const std::string& handle) {
  common::MutexLock lock(mu_);
  MoveTask* task = FindTask(handle);
  if (task == nullptr) {
    return Fail(ErrorCode::kSqsResourceNotFound, "The task handle " +
                                                     common::ShortenUtf8(handle, 256) +
                                                     " does not name a message move task.");
  }
  if (task->status != "RUNNING") {
    return Fail(
        ErrorCode::kSqsUnsupportedOperation,
        "Only a task in RUNNING status can be cancelled; this one is " + task->status + ".");
  }
  task->status = "CANCELLING";
  cv_.notify_all();
  return task->moved;
}

void MoveTasks::Forget(const std::string& source_arn) {
  common::MutexLock lock(mu_);
  auto it = tasks_.find(source_arn);
  if (it == tasks_.end()) return;
  for (const MoveTask& task : it->second) sources_.erase(task.handle);
  tasks_.erase(it);  // a running task finds itself gone at its next step and returns
  cv_.notify_all();
}

void MoveTasks::Stop() {
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  threads_.JoinAll();
}

}  // namespace offstage::sqs
