// Pruner (see pruner.h): the retention passes over the telemetry tables, each a series of small
// Writer jobs; run on the pruner's own thread, or by RunOnce (passes serialised by pass_mu_).
#include "emulator/storage/pruner.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "emulator/common/priority.h"
#include "emulator/common/strings.h"
#include "emulator/storage/async_store.h"
#include "emulator/storage/delivery_store.h"
#include "emulator/storage/sns_store.h"

namespace offstage::storage {

// One telemetry table: its rows' last-written time, and which rows are work still to do.
struct Pruner::Table {
  const char* name;
  std::string time;  // SQL expression: when the row was last written (built at start-up)
  std::string keep;  // SQL expression: true for a row that must stay whatever its age
};

namespace {

constexpr int64_t kBatchRows = 200;  // rows examined per Writer job (~0.5 ms)
constexpr auto kBatchPause = std::chrono::milliseconds(2);  // between jobs: commits go first
constexpr int64_t kCountChunkRows = 20'000;                 // spans counted per Writer job
constexpr int kResetMarksEvery = 60;  // passes: rows kept as work are looked at again

// Rows are examined from the oldest; rows kept as work (pending, running) are skipped and
// looked at again once the marks are reset.
const Pruner::Table kTables[] = {
    {"spans", "coalesce(end_ns, start_ns)", "end_ns IS NULL"},
    {"log_lines", "ts_ns", "0"},
    {"payloads", "ts_ns", "0"},
    // FIFO messages count as five minutes younger: their deduplication window outlives them.
    {"messages",
     "received_ns + CASE WHEN dedup_id IS NULL THEN 0 ELSE " + std::to_string(kFifoDedupWindowNs) +
         " END",
     "0"},
    {"deliveries", "updated_ns", PendingDeliverySql()},
    {"async_events", "coalesce(finished_ns, enqueued_ns)",
     "state IN " + UnfinishedAsyncStatesSql()},
    {"async_attempts", "finished_ns",
     "request_id IN (SELECT request_id FROM async_events WHERE state IN " +
         UnfinishedAsyncStatesSql() + ")"},
};

}  // namespace

Result<RetentionPolicy> ParseRetention(std::string_view text) {
  RetentionPolicy policy;
  if (text == "off") return policy;
  bool age = false;
  bool count = false;
  for (std::string_view item : common::Split(text, ',')) {
    const bool digits_only =
        !item.empty() && item.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits_only && !count && item.size() <= 12) {
      policy.max_invocations = std::stoll(std::string(item));
      count = true;
    } else if (auto ns = common::ParseDurationNs(item); ns && !age) {
      policy.max_age_ns = *ns;
      age = true;
    } else {
      return common::Fail(common::InvalidParameter(
          "'" + std::string(text) +
          "' is not a retention: a duration (e.g. 24h, 90m, 7d), a number of invocations, "
          "both separated by a comma (24h,1000000), or off"));
    }
  }
  if (!policy.enabled()) {
    return common::Fail(
        common::InvalidParameter("a retention of 0 keeps nothing; use off to keep "
                                 "everything"));
  }
  return policy;
}

std::string FormatRetention(const RetentionPolicy& policy) {
  if (policy.max_age_ns <= 0 && policy.max_invocations <= 0) return "off";  // max_rows apart
  std::string out;
  if (policy.max_age_ns > 0) {
    // In the largest unit that divides it: 24h, 90m, 1500ms.
    constexpr std::pair<int64_t, const char*> kUnits[] = {{86'400'000'000'000, "d"},
                                                          {3'600'000'000'000, "h"},
                                                          {60'000'000'000, "m"},
                                                          {1'000'000'000, "s"},
                                                          {1'000'000, "ms"}};
    for (const auto& [scale, unit] : kUnits) {
      if (policy.max_age_ns % scale == 0 || scale == 1'000'000) {
        out = std::to_string(policy.max_age_ns / scale) + unit;
        break;
      }
    }
  }
  if (policy.max_invocations > 0) {
    if (!out.empty()) out += ",";
    out += std::to_string(policy.max_invocations);
  }
  return out;
}

Pruner::Pruner(Writer& writer, const common::Clock& clock, RetentionPolicy policy)
    : writer_(writer), clock_(clock), policy_(policy) {}

Pruner::~Pruner() { Stop(); }

void Pruner::Start() {
  if (policy_.enabled() && !thread_.joinable()) {
    thread_ = std::thread([this] {
      common::RunInBackground();
      Run();
    });
  }
}

void Pruner::Stop() {
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PruneStats Pruner::stats() const {
  common::MutexLock lock(mu_);
  return stats_;
}

Result<PruneStats> Pruner::RunOnce() {
  {
    common::MutexLock pass(pass_mu_);
    if (auto status = Pass(); !status) return common::Fail(status.error());
  }
  return stats();
}

void Pruner::Run() {
  const int64_t interval_ns =
      policy_.max_age_ns > 0
          ? std::clamp<int64_t>(policy_.max_age_ns / 4, 250'000'000, 10'000'000'000)
          : 10'000'000'000;
  while (true) {
    {
      common::MutexLock lock(mu_);
      cv_.wait_for(lock.native(), std::chrono::nanoseconds(interval_ns),
                   [&]() REQUIRES(mu_) { return stopping_; });
      if (stopping_) return;
    }
    common::MutexLock pass(pass_mu_);
    (void)Pass();  // a failed pass (writer stopping) is retried at the next interval
  }
}

Status Pruner::Pass() {
  if (++passes_since_reset_ >= kResetMarksEvery) {
    marks_.clear();
    passes_since_reset_ = 0;
  }
  const int64_t now = clock_.NowNanos();
  int64_t cutoff = policy_.max_age_ns > 0 ? now - policy_.max_age_ns : 0;
  if (policy_.max_invocations > 0) {
    if (auto status = CountInvocations(); !status) return status;
    auto by_count = CountCutoff();
    if (!by_count) return common::Fail(by_count.error());
    cutoff = std::max(cutoff, *by_count);
  }
  if (cutoff > 0) {
    for (const Table& table : kTables) {
      if (auto status = PruneTable(table, cutoff); !status) return status;
    }
  }
  if (policy_.max_rows > 0) {
    for (const Table& table : kTables) {
      if (auto status = CapTable(table); !status) return status;
    }
  }
  common::MutexLock lock(mu_);
  ++stats_.passes;
  stats_.last_pass_ns = clock_.NowNanos();
  stats_.cutoff_ns = cutoff;
  stats_.invocations = invocations_;
  return {};
}

// Counts the finished invocation spans written since the last pass (a span is rewritten, with
// a new rowid, when it ends; only that last version has end_ns set), a chunk of rowids per job.
Status Pruner::CountInvocations() {
  int64_t top = 0;
  auto read_top = writer_.Query([&](Database& db) -> Status {
    auto stmt = db.Prepare("SELECT coalesce(max(rowid), 0) FROM spans");
    if (!stmt) return common::Fail(stmt.error());
    auto row = FirstRow(**stmt, [](const Statement& s) { return s.ColumnInt(0); });
    if (!row) return common::Fail(row.error());
    top = row->value_or(0);
    return {};
  });
  if (!read_top) return read_top;
  while (counted_up_to_ < top) {
    const int64_t from = counted_up_to_;
    const int64_t to = std::min(top, from + kCountChunkRows);
    int64_t chunk = 0;  // counted on the writer's thread, added here (under pass_mu_)
    auto counted = writer_.Query([&](Database& db) -> Status {
      auto stmt = db.Prepare(
          "SELECT count(*) FROM spans WHERE rowid > ?1 AND rowid <= ?2 AND kind = 'invocation' "
          "AND end_ns IS NOT NULL");
      if (!stmt) return common::Fail(stmt.error());
      (*stmt)->Bind(1, from).Bind(2, to);
      auto row = FirstRow(**stmt, [](const Statement& s) { return s.ColumnInt(0); });
      if (!row) return common::Fail(row.error());
      chunk = row->value_or(0);
      return {};
    });
    if (!counted) return counted;
    invocations_ += chunk;
    counted_up_to_ = to;
  }
  return {};
}

// The cutoff that leaves max_invocations finished invocations: the start of the oldest one to
// keep, so the older ones go with everything written before it (their END and REPORT lines
// too); 0 when there are not too many.
Result<int64_t> Pruner::CountCutoff() {
  const int64_t excess = invocations_ - policy_.max_invocations;
  if (excess <= 0) return int64_t{0};
  int64_t cutoff = 0;
  auto found = writer_.Query([&](Database& db) -> Status {
    auto stmt = db.Prepare(
        "SELECT start_ns FROM spans WHERE kind = 'invocation' AND end_ns IS NOT NULL "
        "ORDER BY rowid LIMIT 1 OFFSET ?1");
    if (!stmt) return common::Fail(stmt.error());
    (*stmt)->Bind(1, excess);
    auto row = FirstRow(**stmt, [](const Statement& s) { return s.ColumnInt(0); });
    if (!row) return common::Fail(row.error());
    if (*row) cutoff = **row;
    return {};
  });
  if (!found) return common::Fail(found.error());
  return cutoff;
}

// Walks `table` from its oldest row (after the rowids already walked), a batch per Writer job:
// deletes what was last written before `cutoff`, skips work still to do, and stops at the first
// row young enough to keep (everything after it was written later).
Status Pruner::PruneTable(const Table& table, int64_t cutoff) {
  const std::string name = table.name;
  const bool spans = name == "spans";
  const std::string select = std::string("SELECT rowid, ") + table.time + ", " + table.keep +
                             (spans ? ", kind = 'invocation'" : ", 0") + " FROM " + name +
                             " WHERE rowid > ?1 ORDER BY rowid LIMIT ?2";
  const std::string remove = "DELETE FROM " + name + " WHERE rowid = ?1";
  while (true) {
    int64_t examined = 0;
    int64_t deleted = 0;
    int64_t deleted_invocations = 0;
    bool reached_young = false;
    int64_t mark = marks_[name];
    const int64_t counted = counted_up_to_;
    auto batch = writer_.Query([&](Database& db) -> Status {
      auto rows = db.Prepare(select);
      if (!rows) return common::Fail(rows.error());
      (*rows)->Bind(1, mark).Bind(2, kBatchRows);
      struct Row {
        int64_t rowid, time;
        bool keep, invocation;
      };
      auto found = CollectRows(**rows, [](const Statement& s) {
        return Row{s.ColumnInt(0), s.ColumnInt(1), s.ColumnInt(2) != 0, s.ColumnInt(3) != 0};
      });
      if (!found) return common::Fail(found.error());
      auto del = db.Prepare(remove);
      if (!del) return common::Fail(del.error());
      for (const Row& row : *found) {
        if (row.time >= cutoff) {
          reached_young = true;
          break;
        }
        ++examined;
        mark = row.rowid;
        if (row.keep) continue;
        (*del)->Bind(1, row.rowid);
        if (auto status = (*del)->Run(); !status) return status;
        ++deleted;
        if (row.invocation && row.rowid <= counted) ++deleted_invocations;
      }
      if (found->size() < static_cast<size_t>(kBatchRows)) reached_young = true;
      return {};
    });
    if (!batch) return batch;
    marks_[name] = mark;
    if (spans) invocations_ -= deleted_invocations;
    if (deleted > 0) {
      common::MutexLock lock(mu_);
      stats_.deleted[name] += deleted;
    }
    if (reached_young || examined == 0) return {};
    common::MutexLock lock(mu_);
    cv_.wait_for(lock.native(), kBatchPause, [&]() REQUIRES(mu_) { return stopping_; });
    if (stopping_) return {};
  }
}

// Deletes the oldest rows of `table` beyond max_rows, a batch per Writer job, skipping work
// still to do (so a table of pending work may stay above the cap until that work finishes).
Status Pruner::CapTable(const Table& table) {
  const std::string name = table.name;
  const bool spans = name == "spans";
  const std::string count = "SELECT count(*) FROM " + name;
  const std::string select =
      std::string("SELECT rowid, ") + (spans ? "kind = 'invocation' AND end_ns IS NOT NULL" : "0") +
      " FROM " + name + " WHERE NOT (" + table.keep + ") ORDER BY rowid LIMIT ?1";
  const std::string remove = "DELETE FROM " + name + " WHERE rowid = ?1";
  while (true) {
    int64_t deleted = 0;
    int64_t deleted_invocations = 0;
    bool more = false;
    const int64_t counted = counted_up_to_;
    auto batch = writer_.Query([&](Database& db) -> Status {
      auto rows = db.Prepare(count);
      if (!rows) return common::Fail(rows.error());
      auto total = FirstRow(**rows, [](const Statement& s) { return s.ColumnInt(0); });
      if (!total) return common::Fail(total.error());
      const int64_t excess = total->value_or(0) - policy_.max_rows;
      if (excess <= 0) return {};
      auto oldest = db.Prepare(select);
      if (!oldest) return common::Fail(oldest.error());
      (*oldest)->Bind(1, std::min(excess, kBatchRows));
      struct Row {
        int64_t rowid;
        bool invocation;
      };
      auto found = CollectRows(**oldest, [](const Statement& s) {
        return Row{s.ColumnInt(0), s.ColumnInt(1) != 0};
      });
      if (!found) return common::Fail(found.error());
      auto del = db.Prepare(remove);
      if (!del) return common::Fail(del.error());
      for (const Row& row : *found) {
        (*del)->Bind(1, row.rowid);
        if (auto status = (*del)->Run(); !status) return status;
        ++deleted;
        if (row.invocation && row.rowid <= counted) ++deleted_invocations;
      }
      more = deleted > 0 && excess > deleted;
      return {};
    });
    if (!batch) return batch;
    if (spans) invocations_ -= deleted_invocations;
    if (deleted > 0) {
      common::MutexLock lock(mu_);
      stats_.deleted[name] += deleted;
    }
    if (!more) return {};
    common::MutexLock lock(mu_);
    cv_.wait_for(lock.native(), kBatchPause, [&]() REQUIRES(mu_) { return stopping_; });
    if (stopping_) return {};
  }
}

}  // namespace offstage::storage
