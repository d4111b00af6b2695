// FunctionStore: the function aggregate. Lambda's functions by unqualified ARN, in memory and
// written through to SQLite (storage/lambda_store.h). Owned by LambdaService. Thread model: any
// thread. Update is the one way to change a function: changes are ordered by an update mutex
// held across their commit, and memory changes only once the commit succeeded (a failed commit
// leaves memory as it was; docs/architecture.md, Durability). The map's mutex is taken after the
// update mutex and never held across I/O, so reads and hot reload's BumpGeneration never wait
// for a commit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/lambda/function.h"
#include "emulator/storage/writer.h"

namespace offstage::lambda {

class FunctionStore {
 public:
  // What a change did, as memory held the function just before and just after the swap (with
  // nothing to commit: as it holds it, twice).
  struct Change {
    std::optional<Function> before;  // nullopt: created (or nothing was there)
    std::optional<Function> after;   // nullopt: deleted (or nothing is there)
    // How far the change itself moved the generation (0 for a create or a delete): above 0,
    // the environments of `before` are to be retired.
    uint64_t generation_steps = 0;
  };
  // Edits a copy of the function (nullopt when there is none; reset it to delete). An error:
  // nothing changes and Update returns it. false: nothing to commit. true: commit the copy.
  using Edit = std::function<Result<bool>(std::optional<Function>&)>;
  // Told how the change settled (committed and swapped in, refused by the Edit, or its commit
  // failed), still under the update mutex: side effects that must be ordered with the changes
  // (retiring environments, removing code) go here.
  using Settled = std::function<void(const Result<Change>&)>;

  FunctionStore(storage::Writer& writer, common::Logger& log) : writer_(writer), log_(log) {}

  // Reads the committed functions into memory; a row that cannot be read is skipped with a
  // warning.
  Status Load() EXCLUDES(update_mu_, mu_);
  // A copy of the function at `arn` (FunctionNotFoundError when there is none).
  Result<Function> Find(const std::string& arn) const EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);
  // Calls `read(const std::map<std::string, Function>&)` (by unqualified ARN) under the map's
  // mutex, for lists and sums; `read` must not call the store.
  template <typename F>
  auto Read(F&& read) const EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    return std::forward<F>(read)(std::as_const(functions_));
  }
  // Under the update mutex: `edit` runs on a copy of the function at `arn`; the copy is
  // committed (upserted, or deleted when `edit` reset it) and only then swapped into memory,
  // keeping the generation steps hot reload took meanwhile (a change only raises the
  // generation). A failed commit leaves memory exactly as it was. `settled`, if given, is then
  // told the outcome, still in order with the other changes. Neither callback may call Update.
  Result<Change> Update(const std::string& arn, const Edit& edit, const Settled& settled = nullptr)
      EXCLUDES(update_mu_, mu_);
  // Hot reload: the code of a local directory changed, so the function gets a new generation
  // (in memory only, until a change copies the function after it and commits). Returns the
  // function as it is now.
  Result<Function> BumpGeneration(const std::string& arn) EXCLUDES(mu_);

 private:
  Result<Change> Apply(const std::string& arn, const Edit& edit) REQUIRES(update_mu_) EXCLUDES(mu_);
  Status Commit(const std::string& arn, const std::optional<Function>& function)
      REQUIRES(update_mu_) EXCLUDES(mu_);

  storage::Writer& writer_;
  common::Logger& log_;
  // Orders the changes and is held across their commit: taken before mu_.
  common::Mutex update_mu_;
  mutable common::Mutex mu_;
  std::map<std::string, Function> functions_ GUARDED_BY(mu_);  // by unqualified ARN
};

}  // namespace offstage::lambda
