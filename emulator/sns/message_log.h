// MessageLog: the messages SNS has accepted. It admits each one (a message id; on a FIFO topic
// a sequence number and deduplication within AWS's 5-minute window), commits the accepted rows
// with their topic's sequence, and reads them back (a replay; the fan-outs owed since the last
// stop). A request's admission is given back when its commit fails, so a retry is admitted
// afresh; a duplicate is answered only once its original is durable (issue #15).
//
// Thread model: any thread. mu_ (a leaf) guards the FIFO sequences and the deduplication
// window; a standard topic's admission takes no lock (an atomic count). Commit and the reads
// wait on the Writer with no lock held.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/sns/types.h"
#include "emulator/storage/sns_store.h"
#include "emulator/storage/writer.h"

namespace offstage::sns {

class MessageLog {
 public:
  MessageLog(storage::Writer& writer, const common::Clock& clock, common::IdGenerator& ids);

  // Loads the topics' sequences, the message count and the deduplication window. Call once,
  // before serving.
  common::Status Load() EXCLUDES(mu_);

  // What one request's admission took on one topic, so that a failed commit gives it back.
  struct Admission {
    std::string topic_arn;
    bool fifo = false;
    bool numbered = false;  // sequence_before is set (at its first FIFO admission)
    std::vector<std::pair<std::string, std::string>> keys;  // (dedup key, message id)
    int64_t sequence_before = 0;                            // the topic's sequence before
    int64_t sequence_after = 0;                             // ... and after
    std::vector<std::shared_future<bool>> originals;        // duplicates of pending messages
    int64_t fresh = 0;                                      // messages to store
  };
  // Admits one message to `admission.topic_arn` (set it, and `fifo`, first): a message id and,
  // on a FIFO topic, a sequence number, unless `dedup_id` (required on a FIFO topic) names a
  // message of the last 5 minutes: then `out` holds that original's id and sequence number, its
  // commit joins `admission.originals`, and Admit returns false. A fresh FIFO message's entry
  // resolves through `committed`.
  bool Admit(Admission& admission, const std::optional<std::string>& dedup_id, PublishOutput& out,
             const std::shared_future<bool>& committed) EXCLUDES(mu_);
  // After the commit of `admission` failed: forgets its deduplication entries and, when no
  // later admission took a number on the topic, its sequence numbers.
  void Forget(const Admission& admission) EXCLUDES(mu_);
  // Waits for the originals of the duplicates an admission answered: fails if one of them was
  // never stored (its commit failed), so a duplicate is never answered as stored in vain.
  static common::Status AwaitOriginals(const Admission& admission);

  // Commits the admitted rows, and a FIFO topic's sequence, in one transaction; the commit time.
  common::Result<int64_t> Commit(std::vector<storage::MessageRow> rows, const Admission& admission);
  // A recorded message (a replay), or nullopt.
  common::Result<std::optional<storage::MessageRow>> Find(const std::string& message_id);
  // The messages still marked as owing their fan-out, and the mark removed.
  common::Result<std::vector<storage::MessageRow>> Owed();
  void FinishFanout(std::vector<std::string> message_ids);

  // A deleted topic's sequence starts again (its deduplication window stays, as before).
  void DropTopic(const std::string& topic_arn) EXCLUDES(mu_);
  int64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct DedupEntry {
    std::string message_id;
    std::optional<std::string> sequence_number;
    int64_t expires_ns = 0;
    // True once the original's commit succeeded, false if it failed (the entry is then gone).
    std::shared_future<bool> committed;
  };
  using Key = std::pair<std::string, std::string>;  // (topic ARN, deduplication id)
  void Prune(int64_t now_ns) REQUIRES(mu_);

  storage::Writer& writer_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  std::atomic<int64_t> count_ = 0;
  common::Mutex mu_;
  std::map<std::string, int64_t> sequences_ GUARDED_BY(mu_);  // FIFO topics' last number
  std::map<Key, DedupEntry> dedup_ GUARDED_BY(mu_);
  std::deque<std::pair<int64_t, Key>> expiry_ GUARDED_BY(mu_);
};

}  // namespace offstage::sns
