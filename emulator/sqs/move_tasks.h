// MoveTasks: SQS's message move tasks (StartMessageMoveTask, ListMessageMoveTasks,
// CancelMessageMoveTask): a dead-letter queue's redrive, back to each message's source queue
// (the queue it was redriven from) or to one destination queue. A task moves the messages
// visible in its source when it starts, oldest first, in steps of MessageStore::Move (each one
// transaction: a message is moved once, never lost, never duplicated, across a kill -9 too),
// at most MaxNumberOfMessagesPerSecond a second when that is given. Messages in flight when
// the task reaches them stay where they are. Tasks live in memory: a restart ends a running
// task (what it moved stays moved); the last ten of each source queue are listed.
//
// The service (sqs_service.h) checks requests; this class runs the tasks and keeps their
// state (RUNNING, then COMPLETED, CANCELLED or FAILED; CANCELLING between a cancel and the
// task's next step).
//
// Thread model: any thread calls Start, List and Cancel; each running task has a thread of
// its own (threads_), which sleeps between steps on cv_ when the rate asks it to. mu_ guards
// the tasks and is never held across a step. Stop ends every task (as a restart would) and
// joins the threads; call it before the stores go.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/thread_set.h"
#include "emulator/sqs/message_store.h"
#include "emulator/sqs/queue_store.h"

namespace offstage::sqs {

struct MoveTask {
  std::string handle;
  std::string status;  // RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED
  std::string source_arn;
  std::string destination_arn;  // empty: each message's source queue
  std::optional<int64_t> max_per_second;
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;  // FAILED only
  int64_t started_ms = 0;
  int64_t until_seq = 0;  // the source's newest message when the task started
};

class MoveTasks {
 public:
  // Unpaced steps move at most this many messages (one transaction each); a paced step moves
  // the rate's (at most 500).
  static constexpr int kStep = 100;

  MoveTasks(QueueStore& queues, MessageStore& messages, const common::Clock& clock,
            common::IdGenerator& ids, common::Logger& log)
      : queues_(queues), messages_(messages), clock_(clock), ids_(ids), log_(log) {}
  ~MoveTasks() { Stop(); }
  MoveTasks(const MoveTasks&) = delete;
  MoveTasks& operator=(const MoveTasks&) = delete;

  // Starts a task on a checked source (and destination; empty: each message's source queue).
  // kSqsUnsupportedOperation when the source has a task running already.
  Result<std::string> Start(const Queue& source, const std::string& destination_arn,
                            std::optional<int64_t> max_per_second) EXCLUDES(mu_);
  // The source's newest tasks first, at most `max`.
  std::vector<MoveTask> List(const std::string& source_arn, int max) const EXCLUDES(mu_);
  // Asks a running task to stop after its current step; answers what it has moved.
  Result<int64_t> Cancel(const std::string& handle) EXCLUDES(mu_);
  // The source queue was deleted: its tasks end and are forgotten (a queue made again under
  // its name starts with none).
  void Forget(const std::string& source_arn) EXCLUDES(mu_);
  // Ends every task and joins their threads. Idempotent.
  void Stop() EXCLUDES(mu_);

 private:
  static constexpr size_t kKept = 10;  // tasks listed per source queue

  void Run(const std::string& handle) EXCLUDES(mu_);
  MoveTask* FindTask(const std::string& handle) REQUIRES(mu_);
  // Ends the task: its status, and its failure when there is one; says so in the log. Every
  // ending goes through FinishLocked.
  void Finish(const std::string& handle, const std::string& status, const std::string& reason)
      EXCLUDES(mu_);
  void FinishLocked(MoveTask& task, const std::string& status, const std::string& reason)
      REQUIRES(mu_);

  QueueStore& queues_;
  MessageStore& messages_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  mutable common::Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::map<std::string, std::deque<MoveTask>> tasks_ GUARDED_BY(mu_);  // by source, newest first
  std::map<std::string, std::string> sources_ GUARDED_BY(mu_);         // handle -> source ARN
  common::ThreadSet threads_;
};

}  // namespace offstage::sqs
