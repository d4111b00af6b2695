// Pruner: retention of the recorded telemetry (--retention; docs/config.md). Keeps the newest
// `max_age_ns` of history and at most `max_invocations` finished invocations, whichever is
// less, and at most `max_rows` rows per table (--max-telemetry-rows), by deleting the older rows of
// every telemetry table: spans, log lines, sync payloads, published messages, finished deliveries
// and finished asynchronous events with their attempts. Work still to do (running spans, pending
// deliveries, queued or retrying events) is never pruned, and neither is state (topics,
// subscriptions, functions).
//
// The hot path never waits for it: a pass is a series of small jobs on the Writer (at most
// kBatchRows rows examined each, queued behind the Posts like any telemetry, with a short pause
// between jobs), each table walked
// from its oldest row by rowid, stopping at the first row young enough to keep; rowids follow
// write order (spans are rewritten when they end), so the walk never scans what it keeps.
// Owned by app::Daemon; one thread; Stop() joins. RunOnce is safe from any thread (passes are
// serialised).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

#include "emulator/common/clock.h"
#include "emulator/common/mutex.h"
#include "emulator/storage/writer.h"

namespace offstage::storage {

struct RetentionPolicy {
  int64_t max_age_ns = 0;       // 0: no age limit
  int64_t max_invocations = 0;  // 0: no count limit
  // At most this many rows in each telemetry table, the oldest dropped first (work still to do
  // is kept); 0: no cap. Bounds the memory of --ephemeral, whose database lives in RAM.
  int64_t max_rows = 0;
  bool enabled() const { return max_age_ns > 0 || max_invocations > 0 || max_rows > 0; }
};

// "24h,1000000", "7d", "500000", "90m,2000", "off" (durations: ms, s, m, h, d).
Result<RetentionPolicy> ParseRetention(std::string_view text);
std::string FormatRetention(const RetentionPolicy& policy);

struct PruneStats {
  int64_t passes = 0;
  int64_t last_pass_ns = 0;  // when the last pass finished (0: none yet)
  int64_t cutoff_ns = 0;     // the last pass's cutoff: rows last written before it were pruned
  int64_t invocations = 0;   // finished invocation spans kept, as counted by the last pass
  std::map<std::string, int64_t> deleted;  // rows, per table, since the daemon started
};

class Pruner {
 public:
  Pruner(Writer& writer, const common::Clock& clock, RetentionPolicy policy);
  ~Pruner();  // Stop()
  Pruner(const Pruner&) = delete;
  Pruner& operator=(const Pruner&) = delete;

  // Starts the background passes: every quarter of the age limit, between 250 ms and 10 s.
  void Start();
  void Stop();
  // One pass now (POST /_offstage/prune); returns the stats after it.
  Result<PruneStats> RunOnce();
  PruneStats stats() const;
  const RetentionPolicy& policy() const { return policy_; }

  struct Table;  // a telemetry table (pruner.cc)

 private:
  void Run();
  Status Pass() REQUIRES(pass_mu_);
  Status CountInvocations() REQUIRES(pass_mu_);
  Result<int64_t> CountCutoff() REQUIRES(pass_mu_);
  Status PruneTable(const Table& table, int64_t cutoff) REQUIRES(pass_mu_);
  Status CapTable(const Table& table) REQUIRES(pass_mu_);

  Writer& writer_;
  const common::Clock& clock_;
  const RetentionPolicy policy_;

  common::Mutex pass_mu_;                           // one pass at a time; taken before mu_
  int64_t counted_up_to_ GUARDED_BY(pass_mu_) = 0;  // spans rowid the invocation count covers
  int64_t invocations_ GUARDED_BY(pass_mu_) = 0;
  std::map<std::string, int64_t> marks_ GUARDED_BY(pass_mu_);  // per table: rowids walked
  int64_t passes_since_reset_ GUARDED_BY(pass_mu_) = 0;

  mutable common::Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  PruneStats stats_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace offstage::storage
