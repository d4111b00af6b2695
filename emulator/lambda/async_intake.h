// AsyncIntake: how another service hands Lambda asynchronous invocations (SNS deliveries),
// without depending on LambdaService (DESIGN decision 10). Lambda owns this interface and
// LambdaService implements it; the caller stages events, lets Lambda write its own rows inside
// the caller's transaction, and activates them once that transaction is queued for commit.
// Thread model: Stage and Activate from any thread; Write on the storage::Writer thread.
#pragma once

#include <string>
#include <vector>

#include "emulator/common/request_context.h"
#include "emulator/common/result.h"
#include "emulator/storage/async_store.h"
#include "emulator/storage/database.h"

namespace offstage::lambda {

using AsyncEvent = storage::AsyncEventRow;

class AsyncIntake {
 public:
  virtual ~AsyncIntake() = default;
  // Checks that `function_arn` exists and makes its event (not yet stored nor queued):
  // `source` names the service ("sns"), `source_id` what caused it (a message id).
  virtual common::Result<AsyncEvent> Stage(const common::RequestContext& ctx,
                                           const std::string& function_arn, std::string payload,
                                           std::string source, std::string source_id) = 0;
  // Writes staged events, inside the caller's Writer job (its transaction).
  virtual common::Status Write(storage::Database& db, const std::vector<AsyncEvent>& events) = 0;
  // Queues an event whose Write the caller has submitted (the Writer runs jobs in order, so
  // the row is in before any update the attempt makes).
  virtual void Activate(const AsyncEvent& event) = 0;
};

}  // namespace offstage::lambda
