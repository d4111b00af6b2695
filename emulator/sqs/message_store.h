// MessageStore: the messages of every queue, in memory in each queue's send order and written
// through to SQLite (storage/sqs_store.h), and the receive machinery: visibility timeouts,
// delays, FIFO message groups and deduplication, redrive into a dead-letter queue, and the long
// poll of ReceiveMessage. The service (sqs_service.h) checks requests; this class decides which
// message goes to whom.
//
// Durability: a Send is committed (awaited) before it is visible or acknowledged, and so is a
// Delete or a Purge; a receive's new state (count, receipt, visibility) and a move to a
// dead-letter queue are posted (one transaction each, not awaited): after a kill -9 a message
// received just before may be received again sooner than its visibility timeout said, never
// lost.
//
// Thread model: any thread. mu_ guards the messages and is not held across a commit that is
// awaited; a FIFO queue's sends are ordered by fifo_send_mu_, held across their commit, so its
// sequence numbers are its commit order. A receive waits on cv_ (a send, a visibility change,
// Interrupt) for at most its wait time.
#pragma once

#include <climits>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/sqs/message.h"
#include "emulator/sqs/queue.h"
#include "emulator/storage/async_store.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::sqs {

class MessageStore {
 public:
  MessageStore(storage::Writer& writer, telemetry::Recorder& recorder, const common::Clock& clock,
               common::IdGenerator& ids, common::Logger& log)
      : writer_(writer), recorder_(recorder), clock_(clock), ids_(ids), log_(log) {}

  // A traced message's span: queued work, as an asynchronous event is (kind "event", status
  // queued until the message is deleted: succeeded; moved to a dead-letter queue, purged or
  // dropped with its queue: failed; past its retention: expired). Its consumers' invocations
  // are its children, its attempts. The id is the message's id at its queue.
  static std::string SpanIdOf(const Message& message);

  // Reads the committed messages of `queue_arns` (the queues that exist); rows of any other
  // queue are deleted. Call once, before serving.
  Status Load(const std::set<std::string>& queue_arns) EXCLUDES(mu_);

  struct NewMessage {
    std::string body;
    MessageAttributes attributes;
    MessageAttributes system_attributes;
    std::optional<int64_t> delay_s;  // nullopt: the queue's DelaySeconds
    std::string group_id;
    std::string dedup_id;  // FIFO: given, or the body's SHA-256 with content-based dedup
    std::string sender_id;
    std::string trace_id;
    std::string span_id;
  };
  struct Sent {
    std::string id;
    std::string sequence_number;  // FIFO
  };
  // Accepts checked messages: ids, FIFO numbers and deduplication (a duplicate within five
  // minutes answers the first one's id and is not queued again), committed before they
  // become visible. All or nothing.
  Result<std::vector<Sent>> Send(const Queue& queue, std::vector<NewMessage> messages)
      EXCLUDES(mu_, fifo_send_mu_);

  struct ReceiveOptions {
    int max_messages = 1;
    std::optional<int64_t> visibility_s;  // nullopt: the queue's VisibilityTimeout
    int64_t wait_ns = 0;
  };
  struct Received {
    Message message;  // as received: count, first receive, receipt
    std::string receipt_handle;
  };
  // Finds a queue by ARN for redrive (the dead-letter target).
  using FindQueue = std::function<std::optional<Queue>(const std::string& arn)>;
  // Up to max_messages messages, waiting up to wait_ns for the first one. A message received
  // maxReceiveCount times already goes to the dead-letter queue instead, when it exists.
  std::vector<Received> Receive(const Queue& queue, const ReceiveOptions& options,
                                const FindQueue& find_queue) EXCLUDES(mu_);

  // A receipt handle's message: kSqsReceiptHandleIsInvalid for bytes that are not one of this
  // queue's handles.
  struct Receipt {
    int64_t seq = 0;
    std::string nonce;
  };
  static Result<Receipt> ParseReceiptHandle(const Queue& queue, const std::string& handle);

  // Deletes the message the handle names. A handle older than the message's newest receipt, or
  // of a message gone already, succeeds without deleting anything (as AWS).
  Status Delete(const Queue& queue, const std::string& handle) EXCLUDES(mu_);
  // The message's visibility timeout from now (kSqsMessageNotInflight when it is not in
  // flight under this handle).
  Status ChangeVisibility(const Queue& queue, const std::string& handle, int64_t timeout_s)
      EXCLUDES(mu_);
  // Puts a received message back as if it had not been received (an event source mapping's
  // batch cut: the function never saw it): visible now, its receive count and first receive
  // time as before the receive, its receipt handle void. A stale handle does nothing.
  Status Release(const Queue& queue, const std::string& handle) EXCLUDES(mu_);
  // Deletes every message. A second purge of the queue within 60 s is refused
  // (kSqsPurgeQueueInProgress, as AWS).
  Status Purge(const Queue& queue) EXCLUDES(mu_);

  // A message move task's step (StartMessageMoveTask, move_tasks.h): up to `limit` of
  // `source`'s messages visible now and not newer than `until_seq`, oldest first, each sent to
  // the queue `destination_of` names for it as a new message there (a new id, sent now, never
  // received: AWS's redrive). One transaction, committed before this returns: a message is in
  // exactly one of the two queues, across a kill -9 too. The first message `destination_of`
  // refuses ends the step: its error is `failure`, with what was moved before it.
  using DestinationOf = std::function<Result<Queue>(const Message& message)>;
  struct MoveStep {
    int moved = 0;
    std::optional<common::ApiError> failure;
  };
  // Into a FIFO queue, holds fifo_send_mu_ across its commit, as Send does: sequence numbers
  // stay in commit order, so a group's order holds.
  MoveStep Move(const Queue& source, int64_t until_seq, int limit,
                const DestinationOf& destination_of) EXCLUDES(mu_, fifo_send_mu_);
  // The newest message's place in the queue (0: empty), and how many messages up to it are
  // visible now: what a move task started now has to move.
  std::pair<int64_t, int64_t> Movable(const Queue& queue) EXCLUDES(mu_);
  // The queue was deleted (its rows with it): forget its messages.
  void Drop(const std::string& queue_arn) EXCLUDES(mu_);

  struct Counts {
    int64_t visible = 0;
    int64_t in_flight = 0;
    int64_t delayed = 0;
  };
  Counts CountsOf(const Queue& queue) EXCLUDES(mu_);

  // Long polls answer now, and receives stop waiting (shutdown).
  void Interrupt() EXCLUDES(mu_);

 private:
  struct Dedup {
    int64_t expires_ns = 0;
    Sent sent;
  };
  struct QueueMessages {
    std::map<int64_t, Message> by_seq;
    int64_t next_seq = 1;
    int64_t next_fifo_number = 1;
    std::map<std::string, Dedup> dedup;  // FIFO: by scope key
    int64_t last_purge_ns = 0;           // AWS allows one PurgeQueue a minute
    // No message is older than this (it may be older than the oldest: Expire then scans and
    // sets it again). A dead letter keeps its send time, so send order is not age order.
    int64_t oldest_sent_ns = INT64_MAX;
  };

  QueueMessages& Messages(const std::string& arn) REQUIRES(mu_);
  // Puts a message in its queue's map (every insertion goes through here: oldest_sent_ns).
  static void Place(QueueMessages& queue, Message message);
  // Drops the messages past the queue's retention period (their deletion posted); scans the
  // queue only when its oldest message may have expired.
  void Expire(const Queue& queue, QueueMessages& messages, int64_t now_ns) REQUIRES(mu_);
  std::vector<Received> Take(const Queue& queue, const ReceiveOptions& options,
                             const FindQueue& find_queue, int64_t now_ns) REQUIRES(mu_);
  // When the queue's next message not visible at `now_ns` becomes visible (INT64_MAX: none).
  int64_t NextVisible(const std::string& arn, int64_t now_ns) REQUIRES(mu_);

  void RecordSpan(const Message& m, storage::AsyncEventState state, int64_t end_ns,
                  const std::string& disposition);

  storage::Writer& writer_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  common::Mutex fifo_send_mu_;  // taken before mu_
  common::Mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ GUARDED_BY(mu_) = false;
  std::map<std::string, QueueMessages> queues_ GUARDED_BY(mu_);
};

}  // namespace offstage::sqs
