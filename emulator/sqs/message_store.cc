// MessageStore: sends, receives, receipts and the long poll (message_store.h).
#include "emulator/sqs/message_store.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <set>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/storage/sqs_store.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::sqs {
namespace {

using common::ErrorCode;
using common::Fail;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDedupWindowNs = 5 * 60 * kSecond;

std::string SequenceNumber(int64_t n) {
  std::string digits = std::to_string(n);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits;
}

common::ApiError InvalidHandle(const std::string& handle) {
  return {ErrorCode::kSqsReceiptHandleIsInvalid, "The input receipt handle \"" +
                                                     common::ShortenUtf8(handle, 1024) +
                                                     "\" is not a valid receipt handle."};
}

}  // namespace

std::string MessageStore::SpanIdOf(const Message& message) {
  return message.id + "@" + message.queue_arn.substr(message.queue_arn.rfind(':') + 1);
}

void MessageStore::RecordSpan(const Message& m, storage::AsyncEventState state, int64_t end_ns,
                              const std::string& disposition) {
  if (m.trace_id.empty()) return;
  telemetry::Span span;
  span.id = SpanIdOf(m);
  span.kind = telemetry::SpanKindName(telemetry::SpanKind::kEvent);
  span.trace_id = m.trace_id;
  if (!m.span_id.empty()) span.parent_id = m.span_id;
  span.name = "sqs " + m.queue_arn.substr(m.queue_arn.rfind(':') + 1);
  span.start_ns = m.sent_ns;
  if (end_ns > 0) span.end_ns = end_ns;
  span.status = storage::AsyncEventStateName(state);
  nlohmann::json attrs = {{"message_id", m.id},
                          {"queue_arn", m.queue_arn},
                          {"source", "sqs"},
                          {"attempts", m.receive_count}};
  if (!disposition.empty()) attrs["disposition"] = disposition;
  span.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  recorder_.Record(std::move(span));
}

Status MessageStore::Load(const std::set<std::string>& queue_arns) {
  auto rows = writer_.QueryValue(storage::LoadSqsMessages);
  if (!rows) return common::Fail(rows.error());
  const int64_t now = clock_.NowNanos();
  std::set<std::string> orphaned;
  common::MutexLock lock(mu_);
  for (const auto& row : *rows) {
    if (!queue_arns.contains(row.queue_arn)) {
      // Sent while its queue was being deleted: never to be received, so gone now (a queue
      // made again under that name must not inherit them).
      orphaned.insert(row.queue_arn);
      continue;
    }
    auto message = Message::FromRow(row);
    if (!message) {
      log_.Warn("skipping SQS message " + row.message_id + ": " + message.error().message);
      continue;
    }
    QueueMessages& queue = Messages(row.queue_arn);
    queue.next_seq = std::max(queue.next_seq, message->seq + 1);
    if (!message->sequence_number.empty()) {
      const int64_t number = std::strtoll(message->sequence_number.c_str(), nullptr, 10);
      queue.next_fifo_number = std::max(queue.next_fifo_number, number + 1);
    }
    if (!message->dedup_id.empty() && message->sent_ns + kDedupWindowNs > now) {
      // The scope is the queue's, not the message's: both keys are kept, and each scope looks
      // up only its own.
      const Dedup dedup{message->sent_ns + kDedupWindowNs,
                        Sent{message->id, message->sequence_number}};
      queue.dedup[message->dedup_id] = dedup;
      queue.dedup[message->group_id + "\n" + message->dedup_id] = dedup;
    }
    Place(queue, std::move(*message));
  }
  if (!orphaned.empty()) {
    writer_.Post([orphaned](storage::Database& db) -> Status {
      for (const auto& arn : orphaned) {
        if (auto status = storage::PurgeSqsMessages(db, arn); !status) return status;
      }
      return {};
    });
  }
  return {};
}

MessageStore::QueueMessages& MessageStore::Messages(const std::string& arn) { return queues_[arn]; }

void MessageStore::Place(QueueMessages& queue, Message message) {
  queue.oldest_sent_ns = std::min(queue.oldest_sent_ns, message.sent_ns);
  const int64_t seq = message.seq;
  queue.by_seq.emplace(seq, std::move(message));
}

Result<std::vector<MessageStore::Sent>> MessageStore::Send(const Queue& queue,
                                                           std::vector<NewMessage> messages) {
  const bool fifo = queue.fifo();
  std::optional<common::MutexLock> ordered;
  if (fifo) ordered.emplace(fifo_send_mu_);
  const int64_t now = clock_.NowNanos();
  std::vector<Sent> sent(messages.size());
  std::vector<Message> accepted;
  const bool group_scope = [&] {
    auto it = queue.attributes.find("DeduplicationScope");
    return it != queue.attributes.end() && it->second == "messageGroup";
  }();
  {
    common::MutexLock lock(mu_);
    QueueMessages& q = Messages(queue.arn);
    for (auto it = q.dedup.begin(); it != q.dedup.end();) {
      it = it->second.expires_ns <= now ? q.dedup.erase(it) : std::next(it);
    }
    std::map<std::string, size_t> batch_dedup;  // a duplicate inside this very batch
    for (size_t i = 0; i < messages.size(); ++i) {
      NewMessage& m = messages[i];
      std::string key;
      if (fifo) {
        key = group_scope ? m.group_id + "\n" + m.dedup_id : m.dedup_id;
        if (auto d = q.dedup.find(key); d != q.dedup.end()) {
          sent[i] = d->second.sent;
          continue;
        }
        if (auto b = batch_dedup.find(key); b != batch_dedup.end()) {
          sent[i] = sent[b->second];
          continue;
        }
      }
      Message message;
      message.queue_arn = queue.arn;
      message.seq = q.next_seq++;
      message.id = ids_.Uuid();
      message.body = std::move(m.body);
      message.attributes = std::move(m.attributes);
      message.system_attributes = std::move(m.system_attributes);
      message.sender_id = std::move(m.sender_id);
      message.group_id = std::move(m.group_id);
      message.sent_ns = now;
      message.visible_ns = now + m.delay_s.value_or(queue.delay_s()) * kSecond;
      message.trace_id = std::move(m.trace_id);
      message.span_id = std::move(m.span_id);
      if (fifo) {
        message.dedup_id = m.dedup_id;
        // Numbers only grow, across restarts too (the clock seeds them; AWS's are as long).
        q.next_fifo_number = std::max(q.next_fifo_number, now);
        message.sequence_number = SequenceNumber(q.next_fifo_number++);
        batch_dedup.emplace(key, i);
      }
      sent[i] = Sent{message.id, message.sequence_number};
      accepted.push_back(std::move(message));
    }
  }
  if (!accepted.empty()) {
    std::vector<storage::SqsMessageRow> rows;
    rows.reserve(accepted.size());
    for (const Message& m : accepted) rows.push_back(m.ToRow());
    auto committed = writer_.Commit([rows = std::move(rows)](storage::Database& db) -> Status {
      for (const auto& row : rows) {
        if (auto status = storage::InsertSqsMessage(db, row); !status) return status;
      }
      return {};
    });
    if (!committed) return Fail(committed.error());
  }
  {
    common::MutexLock lock(mu_);
    auto found = queues_.find(queue.arn);
    if (found == queues_.end()) return sent;  // deleted meanwhile: its rows went with it
    QueueMessages& q = found->second;
    for (Message& m : accepted) {
      RecordSpan(m, storage::AsyncEventState::kQueued, 0, "");
      if (fifo) {
        const std::string key = group_scope ? m.group_id + "\n" + m.dedup_id : m.dedup_id;
        q.dedup[key] = Dedup{now + kDedupWindowNs, Sent{m.id, m.sequence_number}};
      }
      Place(q, std::move(m));
    }
  }
  cv_.notify_all();
  return sent;
}

void MessageStore::Expire(const Queue& queue, QueueMessages& messages, int64_t now_ns) {
  const int64_t limit = now_ns - queue.retention_s() * kSecond;
  if (messages.oldest_sent_ns > limit) return;  // nothing can have expired: no scan
  std::vector<int64_t> gone;
  messages.oldest_sent_ns = INT64_MAX;
  for (auto it = messages.by_seq.begin(); it != messages.by_seq.end();) {
    if (it->second.sent_ns > limit) {
      messages.oldest_sent_ns = std::min(messages.oldest_sent_ns, it->second.sent_ns);
    }
    if (it->second.sent_ns <= limit) {
      RecordSpan(it->second, storage::AsyncEventState::kExpired, now_ns,
                 "dropped after the queue's MessageRetentionPeriod");
      gone.push_back(it->first);
      it = messages.by_seq.erase(it);
    } else {
      ++it;
    }
  }
  if (gone.empty()) return;
  writer_.Post([arn = queue.arn, gone](storage::Database& db) -> Status {
    for (int64_t seq : gone) {
      if (auto status = storage::DeleteSqsMessage(db, arn, seq); !status) return status;
    }
    return {};
  });
}

std::vector<MessageStore::Received> MessageStore::Take(const Queue& queue,
                                                       const ReceiveOptions& options,
                                                       const FindQueue& find_queue,
                                                       int64_t now_ns) {
  std::vector<Received> out;
  QueueMessages& q = Messages(queue.arn);
  Expire(queue, q, now_ns);
  const bool fifo = queue.fifo();
  const auto redrive = queue.redrive();
  std::optional<Queue> dead_letter;
  if (redrive) dead_letter = find_queue(redrive->dead_letter_target_arn);
  const int64_t visibility_ns =
      options.visibility_s.value_or(queue.visibility_timeout_s()) * kSecond;
  std::set<std::string> blocked;  // FIFO groups with an earlier message not receivable now
  std::vector<storage::SqsMessageRow> received_rows;
  std::vector<int64_t> moved_seqs;
  std::vector<storage::SqsMessageRow> moved_rows;
  for (auto it = q.by_seq.begin();
       it != q.by_seq.end() && out.size() < static_cast<size_t>(options.max_messages);) {
    Message& m = it->second;
    if (fifo && blocked.contains(m.group_id)) {
      ++it;
      continue;
    }
    if (m.visible_ns > now_ns) {
      if (fifo) blocked.insert(m.group_id);
      ++it;
      continue;
    }
    if (redrive && dead_letter && m.receive_count >= redrive->max_receive_count &&
        dead_letter->arn != queue.arn) {
      // To the dead-letter queue: same id, body, attributes and send time; a new place there.
      QueueMessages& dlq = Messages(dead_letter->arn);
      RecordSpan(m, storage::AsyncEventState::kFailed, now_ns,
                 "received " + std::to_string(m.receive_count) +
                     " times; moved to the dead-letter queue " + dead_letter->arn);
      Message moved = std::move(m);
      moved.trace_id.clear();  // its failure is the source's span; the copy is not new work
      moved.span_id.clear();
      moved_seqs.push_back(it->first);
      it = q.by_seq.erase(it);
      moved.dead_letter_source_arn = queue.arn;
      moved.queue_arn = dead_letter->arn;
      moved.seq = dlq.next_seq++;
      moved.visible_ns = now_ns;
      moved.receipt.clear();
      dlq.next_fifo_number = std::max(dlq.next_fifo_number, now_ns);
      moved.sequence_number =
          dead_letter->fifo() ? SequenceNumber(dlq.next_fifo_number++) : std::string();
      if (!dead_letter->fifo()) moved.group_id.clear();
      // AWS: a FIFO message moved to a FIFO dead-letter queue takes its message id as its
      // deduplication id, so two messages that shared one are both kept there.
      if (dead_letter->fifo()) moved.dedup_id = moved.id;
      moved_rows.push_back(moved.ToRow());
      Place(dlq, std::move(moved));
      continue;
    }
    m.receive_count += 1;
    if (m.first_receive_ns == 0) m.first_receive_ns = now_ns;
    m.receipt = ids_.Hex(8);
    m.visible_ns = now_ns + visibility_ns;
    received_rows.push_back(m.ToRow());
    const std::string plain = queue.arn + "\n" + std::to_string(m.seq) + "\n" + m.receipt;
    out.push_back(Received{m, common::Base64Encode(plain)});
    ++it;
  }
  if (!received_rows.empty() || !moved_rows.empty()) {
    const bool moves = !moved_rows.empty();
    storage::Writer::Job job = [received = std::move(received_rows), arn = queue.arn,
                                moved_seqs = std::move(moved_seqs),
                                moved = std::move(moved_rows)](storage::Database& db) -> Status {
      for (const auto& r : received) {
        if (auto status = storage::UpdateSqsReceipt(db, r.queue_arn, r.seq, r.visible_ns,
                                                    r.receive_count, r.first_receive_ns, r.receipt);
            !status) {
          return status;
        }
      }
      for (int64_t seq : moved_seqs) {
        if (auto status = storage::DeleteSqsMessage(db, arn, seq); !status) return status;
      }
      for (const auto& row : moved) {
        if (auto status = storage::InsertSqsMessage(db, row); !status) return status;
      }
      return {};
    };
    // A move into a dead-letter queue goes in the writer's urgent queue (not awaited): a
    // consumer of that queue may delete the message at once, and its Commit must come after
    // this INSERT, not before it (Posts wait behind Commits).
    if (moves) {
      (void)writer_.Submit(std::move(job));
    } else {
      writer_.Post(std::move(job));
    }
  }
  if (!moved_rows.empty()) cv_.notify_all();  // a receiver of the dead-letter queue
  return out;
}

int64_t MessageStore::NextVisible(const std::string& arn, int64_t now_ns) {
  // Only what becomes visible later: a visible message held back by its FIFO group's message
  // in flight is woken by that message's delete or visibility change (cv_), not by time.
  int64_t next = INT64_MAX;
  auto it = queues_.find(arn);
  if (it == queues_.end()) return next;
  for (const auto& [seq, m] : it->second.by_seq) {
    if (m.visible_ns > now_ns) next = std::min(next, m.visible_ns);
  }
  return next;
}

std::vector<MessageStore::Received> MessageStore::Receive(const Queue& queue,
                                                          const ReceiveOptions& options,
                                                          const FindQueue& find_queue) {
  const int64_t deadline = clock_.NowNanos() + options.wait_ns;
  common::MutexLock lock(mu_);
  while (true) {
    const int64_t now = clock_.NowNanos();
    auto got = Take(queue, options, find_queue, now);
    if (!got.empty() || now >= deadline || interrupted_) return got;
    if (queues_.find(queue.arn) == queues_.end()) return got;
    const int64_t until = std::min(deadline, NextVisible(queue.arn, now));
    const int64_t wait = std::max<int64_t>(until - now, 1'000'000);  // at least 1 ms
    cv_.wait_for(lock.native(), std::chrono::nanoseconds(std::min(wait, 20 * kSecond)));
  }
}

Result<MessageStore::Receipt> MessageStore::ParseReceiptHandle(const Queue& queue,
                                                               const std::string& handle) {
  auto plain = common::Base64Decode(handle);
  if (!plain) return Fail(InvalidHandle(handle));
  auto parts = common::Split(*plain, '\n');
  if (parts.size() != 3 || parts[0] != queue.arn || parts[1].empty() || parts[1].size() > 18 ||
      parts[2].size() != 16) {
    return Fail(InvalidHandle(handle));
  }
  Receipt receipt;
  for (char c : parts[1]) {
    if (c < '0' || c > '9') return Fail(InvalidHandle(handle));
    receipt.seq = receipt.seq * 10 + (c - '0');
  }
  receipt.nonce = std::string(parts[2]);
  return receipt;
}

Status MessageStore::Delete(const Queue& queue, const std::string& handle) {
  auto receipt = ParseReceiptHandle(queue, handle);
  if (!receipt) return Fail(receipt.error());
  // Out of memory first (no receive can take it meanwhile), then committed; a failed commit
  // puts it back as it was.
  std::optional<Message> taken;
  {
    common::MutexLock lock(mu_);
    QueueMessages& q = Messages(queue.arn);
    auto it = q.by_seq.find(receipt->seq);
    if (it == q.by_seq.end() || it->second.receipt != receipt->nonce) return {};
    taken = std::move(it->second);
    q.by_seq.erase(it);
  }
  auto committed = writer_.Commit([arn = queue.arn, seq = receipt->seq](storage::Database& db) {
    return storage::DeleteSqsMessage(db, arn, seq);
  });
  if (!committed) {
    common::MutexLock lock(mu_);
    if (auto it = queues_.find(queue.arn); it != queues_.end()) {
      Place(it->second, std::move(*taken));
    }
    return Fail(committed.error());
  }
  RecordSpan(*taken, storage::AsyncEventState::kSucceeded, clock_.NowNanos(), "deleted");
  cv_.notify_all();  // a FIFO group may be free now
  return {};
}

Status MessageStore::ChangeVisibility(const Queue& queue, const std::string& handle,
                                      int64_t timeout_s) {
  auto receipt = ParseReceiptHandle(queue, handle);
  if (!receipt) return Fail(receipt.error());
  storage::SqsMessageRow row;
  {
    common::MutexLock lock(mu_);
    const int64_t now = clock_.NowNanos();
    QueueMessages& q = Messages(queue.arn);
    auto it = q.by_seq.find(receipt->seq);
    if (it == q.by_seq.end() || it->second.receipt != receipt->nonce ||
        it->second.visible_ns <= now) {
      return Fail(ErrorCode::kSqsMessageNotInflight,
                  "Message does not exist or is not available for visibility timeout change.");
    }
    it->second.visible_ns = now + timeout_s * kSecond;
    row = it->second.ToRow();
  }
  cv_.notify_all();
  writer_.Post([row](storage::Database& db) {
    return storage::UpdateSqsReceipt(db, row.queue_arn, row.seq, row.visible_ns, row.receive_count,
                                     row.first_receive_ns, row.receipt);
  });
  return {};
}

Status MessageStore::Release(const Queue& queue, const std::string& handle) {
  auto receipt = ParseReceiptHandle(queue, handle);
  if (!receipt) return Fail(receipt.error());
  storage::SqsMessageRow row;
  {
    common::MutexLock lock(mu_);
    QueueMessages& q = Messages(queue.arn);
    auto it = q.by_seq.find(receipt->seq);
    if (it == q.by_seq.end() || it->second.receipt != receipt->nonce) return {};
    Message& m = it->second;
    m.visible_ns = clock_.NowNanos();
    m.receive_count = std::max(0, m.receive_count - 1);
    if (m.receive_count == 0) m.first_receive_ns = 0;
    m.receipt.clear();
    row = m.ToRow();
  }
  cv_.notify_all();
  writer_.Post([row](storage::Database& db) {
    return storage::UpdateSqsReceipt(db, row.queue_arn, row.seq, row.visible_ns, row.receive_count,
                                     row.first_receive_ns, row.receipt);
  });
  return {};
}

Status MessageStore::Purge(const Queue& queue) {
  int64_t previous = 0;
  {
    common::MutexLock lock(mu_);
    QueueMessages& q = Messages(queue.arn);
    const int64_t now = clock_.NowNanos();
    if (q.last_purge_ns != 0 && now - q.last_purge_ns < 60 * kSecond) {
      return Fail(
          ErrorCode::kSqsPurgeQueueInProgress,
          "Only one PurgeQueue operation on " + queue.name + " is allowed every 60 seconds.");
    }
    previous = q.last_purge_ns;
    q.last_purge_ns = now;
  }
  auto committed = writer_.Commit(
      [arn = queue.arn](storage::Database& db) { return storage::PurgeSqsMessages(db, arn); });
  if (!committed) {
    common::MutexLock lock(mu_);
    if (auto it = queues_.find(queue.arn); it != queues_.end()) it->second.last_purge_ns = previous;
    return Fail(committed.error());
  }
  common::MutexLock lock(mu_);
  auto it = queues_.find(queue.arn);
  if (it == queues_.end()) return {};
  const int64_t now = clock_.NowNanos();
  for (const auto& [seq, m] : it->second.by_seq) {
    RecordSpan(m, storage::AsyncEventState::kFailed, now, "purged (PurgeQueue)");
  }
  it->second.by_seq.clear();
  return {};
}

MessageStore::MoveStep MessageStore::Move(const Queue& source, int64_t until_seq, int limit,
                                          const DestinationOf& destination_of) {
  MoveStep step;
  std::optional<common::MutexLock> ordered;
  if (source.fifo()) ordered.emplace(fifo_send_mu_);  // its destinations are FIFO too
  const int64_t now = clock_.NowNanos();
  std::vector<Message> taken;
  std::vector<Queue> targets;
  {
    common::MutexLock lock(mu_);
    auto found = queues_.find(source.arn);
    if (found == queues_.end()) return step;
    QueueMessages& q = found->second;
    Expire(source, q, now);
    for (auto it = q.by_seq.begin(); it != q.by_seq.end() && it->first <= until_seq &&
                                     static_cast<int>(taken.size()) < limit;) {
      if (it->second.visible_ns > now) {
        ++it;  // in flight (or delayed): not moved
        continue;
      }
      auto target = destination_of(it->second);
      if (!target) {
        step.failure = target.error();
        break;
      }
      targets.push_back(std::move(*target));
      taken.push_back(std::move(it->second));
      it = q.by_seq.erase(it);
    }
  }
  if (taken.empty()) return step;
  // The new messages, placed in their queues only once committed (as a Send's).
  std::vector<Message> made;
  {
    common::MutexLock lock(mu_);
    for (size_t i = 0; i < taken.size(); ++i) {
      const Message& old = taken[i];
      const Queue& target = targets[i];
      QueueMessages& dest = Messages(target.arn);
      Message m;
      m.queue_arn = target.arn;
      m.seq = dest.next_seq++;
      m.id = ids_.Uuid();
      m.body = old.body;
      m.attributes = old.attributes;
      m.system_attributes = old.system_attributes;
      m.sender_id = old.sender_id;
      m.sent_ns = now;
      m.visible_ns = now + target.delay_s() * kSecond;
      if (target.fifo()) {
        m.group_id = old.group_id.empty() ? old.id : old.group_id;
        m.dedup_id = old.dedup_id.empty() ? old.id : old.dedup_id;
        dest.next_fifo_number = std::max(dest.next_fifo_number, now);
        m.sequence_number = SequenceNumber(dest.next_fifo_number++);
      }
      made.push_back(std::move(m));
    }
  }
  std::vector<int64_t> gone;
  std::vector<storage::SqsMessageRow> rows;
  for (const Message& m : taken) gone.push_back(m.seq);
  for (const Message& m : made) rows.push_back(m.ToRow());
  auto committed = writer_.Commit(
      [arn = source.arn, gone, rows = std::move(rows)](storage::Database& db) -> Status {
        for (int64_t seq : gone) {
          if (auto status = storage::DeleteSqsMessage(db, arn, seq); !status) return status;
        }
        for (const auto& row : rows) {
          if (auto status = storage::InsertSqsMessage(db, row); !status) return status;
        }
        return {};
      });
  {
    common::MutexLock lock(mu_);
    if (!committed) {
      // Nothing changed on disk: the messages go back where they were.
      auto found = queues_.find(source.arn);
      if (found != queues_.end()) {
        for (Message& m : taken) Place(found->second, std::move(m));
      }
      step.failure = committed.error();
      return step;
    }
    for (Message& m : made) {
      auto found = queues_.find(m.queue_arn);
      if (found == queues_.end()) continue;  // deleted meanwhile: its rows went with it
      Place(found->second, std::move(m));
    }
  }
  step.moved = static_cast<int>(taken.size());
  cv_.notify_all();
  return step;
}

std::pair<int64_t, int64_t> MessageStore::Movable(const Queue& queue) {
  common::MutexLock lock(mu_);
  const int64_t now = clock_.NowNanos();
  QueueMessages& q = Messages(queue.arn);
  Expire(queue, q, now);
  if (q.by_seq.empty()) return {0, 0};
  int64_t visible = 0;
  for (const auto& [seq, m] : q.by_seq) visible += m.visible_ns <= now ? 1 : 0;
  return {q.by_seq.rbegin()->first, visible};
}

void MessageStore::Drop(const std::string& queue_arn) {
  {
    common::MutexLock lock(mu_);
    auto it = queues_.find(queue_arn);
    if (it != queues_.end()) {
      const int64_t now = clock_.NowNanos();
      for (const auto& [seq, m] : it->second.by_seq) {
        RecordSpan(m, storage::AsyncEventState::kFailed, now, "its queue was deleted");
      }
      queues_.erase(it);
    }
  }
  cv_.notify_all();
}

MessageStore::Counts MessageStore::CountsOf(const Queue& queue) {
  Counts counts;
  common::MutexLock lock(mu_);
  const int64_t now = clock_.NowNanos();
  QueueMessages& q = Messages(queue.arn);
  Expire(queue, q, now);
  for (const auto& [seq, m] : q.by_seq) {
    if (m.visible_ns <= now) {
      ++counts.visible;
    } else if (m.receive_count > 0) {
      ++counts.in_flight;
    } else {
      ++counts.delayed;
    }
  }
  return counts;
}

void MessageStore::Interrupt() {
  {
    common::MutexLock lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

}  // namespace offstage::sqs
