// SqsService: SQS's provider, API semantics only (docs/compatibility.md, SQS): it checks each
// request as AWS does and answers AWS's errors, and keeps no state of its own: queues are the
// QueueStore's, messages the MessageStore's. Queues are named by ARN here; their URLs are the
// protocol layer's. Thread model: any thread; a ReceiveMessage may wait (long polling) on the
// calling thread for up to 20 s, or until Interrupt.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/log.h"
#include "emulator/common/request_context.h"
#include "emulator/sqs/message_store.h"
#include "emulator/sqs/move_tasks.h"
#include "emulator/sqs/queue_store.h"

namespace offstage::sqs {

struct SendEntry {
  std::string id;  // batch entries only
  std::string body;
  std::optional<int64_t> delay_s;
  MessageAttributes attributes;
  MessageAttributes system_attributes;
  std::optional<std::string> group_id;
  std::optional<std::string> dedup_id;
};

struct SendResult {
  std::string id;
  std::string md5_body;
  std::string md5_attributes;         // empty: no attributes
  std::string md5_system_attributes;  // empty: none
  std::string sequence_number;        // FIFO
};

struct BatchError {
  std::string id;
  std::string code;
  std::string message;
  bool sender_fault = true;
};

struct SendBatchResult {
  std::vector<std::pair<std::string, SendResult>> successful;  // entry id, result
  std::vector<BatchError> failed;
};

struct ReceiveRequest {
  std::optional<int64_t> max_messages;
  std::optional<int64_t> visibility_s;
  std::optional<int64_t> wait_s;
  std::vector<std::string> attribute_names;          // system attributes asked for ("All")
  std::vector<std::string> message_attribute_names;  // "All", ".*" suffixes, names
  // A client's request (on an HTTP worker): counted against kMaxWaitingReceives. An event
  // source mapping's poller (a thread of its own) is not.
  bool from_client = true;
};

// Long polls that may wait at once on the daemon's HTTP workers (64 by default): past this,
// a ReceiveMessage answers at once as if WaitTimeSeconds were 0, so waiting clients can never
// hold every worker (docs/compatibility.md).
inline constexpr int kMaxWaitingReceives = 32;

struct ReceivedMessage {
  std::string id;
  std::string receipt_handle;
  std::string body;
  std::string md5_body;
  std::string md5_attributes;                     // of the attributes answered
  std::map<std::string, std::string> attributes;  // system attributes asked for
  MessageAttributes message_attributes;           // message attributes asked for
  // Causality (not on the wire): the message's trace and its own span (MessageStore::SpanIdOf;
  // empty when untraced), the parent an event source mapping's invocation takes.
  std::string trace_id;
  std::string span_id;
};

struct BatchHandle {
  std::string id;
  std::string receipt_handle;
  std::optional<int64_t> visibility_s;  // ChangeMessageVisibilityBatch
};

struct BatchOutcome {
  std::vector<std::string> successful;  // entry ids
  std::vector<BatchError> failed;
};

class SqsService {
 public:
  SqsService(storage::Writer& writer, telemetry::Recorder& recorder, const common::Clock& clock,
             common::IdGenerator& ids, common::Logger& log);

  Status Load();
  // Long polls answer at once from now on, and message move tasks end (shutdown).
  void Interrupt() {
    messages_.Interrupt();
    move_tasks_.Stop();
  }

  // The ARN of a queue named in a request (region and account from its URL).
  Result<Queue> Find(const std::string& arn) const;

  // The queue's ARN: created, or the existing one when its attributes match.
  Result<Queue> CreateQueue(const common::RequestContext& ctx, const std::string& name,
                            const std::map<std::string, std::string>& attributes,
                            const std::map<std::string, std::string>& tags);
  Status DeleteQueue(const std::string& arn);
  // The queues of (region, account) whose name starts with `prefix`, by name.
  std::vector<Queue> ListQueues(const std::string& region, const std::string& account,
                                const std::string& prefix) const;
  Result<std::map<std::string, std::string>> GetQueueAttributes(
      const std::string& arn, const std::vector<std::string>& names);
  Status SetQueueAttributes(const std::string& arn,
                            const std::map<std::string, std::string>& attributes);
  Status PurgeQueue(const std::string& arn);
  Status TagQueue(const std::string& arn, const std::map<std::string, std::string>& tags);
  Status UntagQueue(const std::string& arn, const std::vector<std::string>& keys);
  Result<std::map<std::string, std::string>> ListQueueTags(const std::string& arn) const;
  // The queues whose RedrivePolicy targets `arn`.
  Result<std::vector<Queue>> ListDeadLetterSourceQueues(const std::string& arn) const;
  Status AddPermission(const std::string& arn, const std::string& label,
                       const std::vector<std::string>& accounts,
                       const std::vector<std::string>& actions);
  Status RemovePermission(const std::string& arn, const std::string& label);

  Result<SendResult> SendMessage(const common::RequestContext& ctx, const std::string& arn,
                                 SendEntry entry);
  Result<SendBatchResult> SendMessageBatch(const common::RequestContext& ctx,
                                           const std::string& arn, std::vector<SendEntry> entries);
  Result<std::vector<ReceivedMessage>> ReceiveMessage(const std::string& arn,
                                                      const ReceiveRequest& request);
  Status DeleteMessage(const std::string& arn, const std::string& receipt_handle);
  Result<BatchOutcome> DeleteMessageBatch(const std::string& arn,
                                          const std::vector<BatchHandle>& entries);
  Status ChangeMessageVisibility(const std::string& arn, const std::string& receipt_handle,
                                 int64_t timeout_s);
  Result<BatchOutcome> ChangeMessageVisibilityBatch(const std::string& arn,
                                                    const std::vector<BatchHandle>& entries);

  // Message move tasks (move_tasks.h): a dead-letter queue's redrive. Start checks the
  // request as AWS does: the source exists and is some queue's dead-letter queue, the
  // destination (empty: each message's source queue) exists, is another queue and is of the
  // source's type, the rate is 1 to 500.
  Result<std::string> StartMessageMoveTask(const std::string& source_arn,
                                           const std::string& destination_arn,
                                           std::optional<int64_t> max_per_second);
  Result<std::vector<MoveTask>> ListMessageMoveTasks(const std::string& source_arn,
                                                     std::optional<int64_t> max_results) const;
  Result<int64_t> CancelMessageMoveTask(const std::string& handle);

  // Not an SQS action: an event source mapping gives back messages it received and did not
  // hand to its function (MessageStore::Release).
  Status ReleaseMessage(const std::string& arn, const std::string& receipt_handle);

  MessageStore::Counts CountsOf(const Queue& queue) { return messages_.CountsOf(queue); }

 private:
  // A send entry checked against the queue, as the MessageStore takes it.
  Result<MessageStore::NewMessage> Prepare(const common::RequestContext& ctx, const Queue& queue,
                                           SendEntry& entry) const;
  static SendResult ResultOf(const MessageStore::Sent& sent, const SendEntry& entry);

  const common::Clock& clock_;
  common::Logger& log_;
  QueueStore queues_;
  MessageStore messages_;
  MoveTasks move_tasks_;  // after the stores: its threads use them, and it stops first
  std::atomic<int> waiting_receives_{0};
};

}  // namespace offstage::sqs
