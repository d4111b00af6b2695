// MessageLog (message_log.h): admission (ids, FIFO sequence numbers, deduplication), the
// commit of accepted messages, and their reads. Thread model: any thread (see message_log.h).
#include "emulator/sns/message_log.h"

#include <cstdio>

namespace offstage::sns {
namespace {

using common::Fail;

std::string SequenceNumber(int64_t sequence) {
  // Real values look like 10000000000000003000: 10^19 plus a counter stepping by 1000.
  char buf[32];
  std::snprintf(buf, sizeof buf, "1%019llu", static_cast<unsigned long long>(sequence) * 1000ULL);
  return buf;
}

}  // namespace

MessageLog::MessageLog(storage::Writer& writer, const common::Clock& clock,
                       common::IdGenerator& ids)
    : writer_(writer), clock_(clock), ids_(ids) {}

common::Status MessageLog::Load() {
  std::vector<storage::TopicRow> topics;
  std::vector<storage::MessageRow> recent;
  int64_t count = 0;
  const int64_t window_start = clock_.NowNanos() - storage::kFifoDedupWindowNs;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto loaded = storage::LoadTopics(db);
    if (!loaded) return Fail(loaded.error());
    auto counted = storage::CountMessages(db);
    if (!counted) return Fail(counted.error());
    auto messages = storage::MessagesSince(db, window_start);
    if (!messages) return Fail(messages.error());
    topics = std::move(*loaded);
    count = *counted;
    recent = std::move(*messages);
    return {};
  });
  if (!status) return status;
  common::MutexLock lock(mu_);
  for (const auto& topic : topics) {
    if (topic.next_sequence > 0) sequences_[topic.arn] = topic.next_sequence;
  }
  for (auto& row : recent) {
    if (!row.dedup_id) continue;
    Key key(row.topic_arn, *row.dedup_id);
    const int64_t expires = row.received_ns + storage::kFifoDedupWindowNs;
    std::promise<bool> stored;
    stored.set_value(true);
    dedup_[key] = DedupEntry{row.message_id, row.sequence_number, expires, stored.get_future()};
    expiry_.emplace_back(expires, std::move(key));
  }
  count_.store(count, std::memory_order_relaxed);
  return {};
}

void MessageLog::Prune(int64_t now_ns) {
  while (!expiry_.empty() && expiry_.front().first <= now_ns) {
    auto it = dedup_.find(expiry_.front().second);
    if (it != dedup_.end() && it->second.expires_ns <= now_ns) dedup_.erase(it);
    expiry_.pop_front();
  }
}

bool MessageLog::Admit(Admission& admission, const std::optional<std::string>& dedup_id,
                       PublishOutput& out, const std::shared_future<bool>& committed) {
  if (!admission.fifo) {
    out.message_id = ids_.Uuid();
    ++admission.fresh;
    count_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const int64_t now = clock_.NowNanos();
  common::MutexLock lock(mu_);
  int64_t& sequence = sequences_[admission.topic_arn];
  if (!admission.numbered) {
    admission.numbered = true;
    admission.sequence_before = admission.sequence_after = sequence;
  }
  Prune(now);
  Key key(admission.topic_arn, dedup_id.value_or(""));
  if (auto it = dedup_.find(key); it != dedup_.end()) {
    // A duplicate within 5 minutes is accepted but not delivered again.
    out.message_id = it->second.message_id;
    out.sequence_number = it->second.sequence_number;
    admission.originals.push_back(it->second.committed);
    return false;
  }
  out.message_id = ids_.Uuid();
  out.sequence_number = SequenceNumber(++sequence);
  admission.sequence_after = sequence;
  ++admission.fresh;
  count_.fetch_add(1, std::memory_order_relaxed);
  admission.keys.emplace_back(key.second, out.message_id);
  const int64_t expires = now + storage::kFifoDedupWindowNs;
  dedup_[key] = DedupEntry{out.message_id, out.sequence_number, expires, committed};
  expiry_.emplace_back(expires, std::move(key));
  return true;
}

void MessageLog::Forget(const Admission& admission) {
  count_.fetch_sub(admission.fresh, std::memory_order_relaxed);
  if (!admission.fifo) return;
  common::MutexLock lock(mu_);
  for (const auto& [dedup_id, message_id] : admission.keys) {
    auto it = dedup_.find(Key(admission.topic_arn, dedup_id));
    if (it != dedup_.end() && it->second.message_id == message_id) dedup_.erase(it);
  }
  // The numbers are given back only when no later admission took one after them.
  auto sequence = sequences_.find(admission.topic_arn);
  if (sequence != sequences_.end() && sequence->second == admission.sequence_after) {
    sequence->second = admission.sequence_before;
  }
}

common::Status MessageLog::AwaitOriginals(const Admission& admission) {
  for (const auto& original : admission.originals) {
    if (!original.get()) {
      return Fail(common::Internal(
          "The message this one duplicates could not be stored; retry the request"));
    }
  }
  return {};
}

common::Result<int64_t> MessageLog::Commit(std::vector<storage::MessageRow> rows,
                                           const Admission& admission) {
  std::optional<std::pair<std::string, int64_t>> sequence;
  if (admission.fifo && admission.fresh > 0) {
    sequence.emplace(admission.topic_arn, admission.sequence_after);
  }
  // Commit, not Submit: the Publish's own thread runs the batch when none is running.
  return writer_.Commit(
      [rows = std::move(rows), sequence](storage::Database& db) -> common::Status {
        for (const auto& row : rows) {
          if (auto status = storage::InsertMessage(db, row); !status) return status;
        }
        if (sequence) return storage::SetTopicSequence(db, sequence->first, sequence->second);
        return {};
      });
}

common::Result<std::optional<storage::MessageRow>> MessageLog::Find(const std::string& message_id) {
  std::optional<storage::MessageRow> row;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto found = storage::FindMessage(db, message_id);
    if (!found) return Fail(found.error());
    row = std::move(*found);
    return {};
  });
  if (!status) return Fail(status.error());
  return row;
}

common::Result<std::vector<storage::MessageRow>> MessageLog::Owed() {
  std::vector<storage::MessageRow> owed;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto pending = storage::PendingFanouts(db);
    if (!pending) return Fail(pending.error());
    owed = std::move(*pending);
    return {};
  });
  if (!status) return Fail(status.error());
  return owed;
}

void MessageLog::FinishFanout(std::vector<std::string> message_ids) {
  writer_.Post([ids = std::move(message_ids)](storage::Database& db) {
    return storage::FinishFanout(db, ids);
  });
}

void MessageLog::DropTopic(const std::string& topic_arn) {
  common::MutexLock lock(mu_);
  sequences_.erase(topic_arn);
}

}  // namespace offstage::sns
