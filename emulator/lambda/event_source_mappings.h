// EventSourceMappings: Lambda's event source mappings for SQS queues — the API
// (Create/Get/Update/Delete/List, checked as AWS checks them, kept in SQLite: storage/
// mapping_store.h) and the pollers that run them inside the daemon: each enabled mapping has
// up to five poller threads that long-poll its queue through sqs::SqsService (no HTTP round
// trip), gather a batch (BatchSize, MaximumBatchingWindowInSeconds), invoke the function
// synchronously with AWS's SQS event, and delete what succeeded: the whole batch, or with
// ReportBatchItemFailures all but the failed items. A failed batch is left to reappear after
// the queue's visibility timeout, and to its RedrivePolicy. The invocation continues the trace
// of the batch's first message (its parent: the span that sent it).
//
// Thread model: the API from any thread; `mu_` guards the mappings and the running pollers
// and is never held across a commit, a receive or an invocation. Changes are ordered by
// `update_mu_`, held across their commit (taken before `mu_`). Stop joins every poller; a
// poller notices a deleted or disabled mapping within a second.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/request_context.h"
#include "emulator/lambda/event_filter.h"
#include "emulator/lambda/event_source_mapping.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/storage/writer.h"

namespace offstage::lambda {

// Create's and Update's parameters (absent: default at Create, unchanged at Update).
struct MappingInput {
  std::optional<std::string> event_source_arn;
  std::optional<std::string> function_name;
  std::optional<bool> enabled;
  std::optional<int64_t> batch_size;
  std::optional<int64_t> max_batching_window_s;
  std::optional<std::vector<std::string>> function_response_types;
  std::optional<int64_t> maximum_concurrency;
  bool scaling_config_given = false;  // ScalingConfig present (empty: removes the limit)
  // FilterCriteria.Filters[].Pattern (an empty list removes the filters).
  std::optional<std::vector<std::string>> filter_patterns;
  // A member that is not of its shape (the codec's finding), answered as the error.
  std::optional<std::string> malformed;
  // Parameters offstage does not apply to an SQS mapping; named in the error.
  std::vector<std::string> refused;
};

struct MappingView {
  EventSourceMapping mapping;
  std::string state;  // Creating, Enabled, Disabled, Updating, Enabling, Disabling, Deleting
};

class EventSourceMappings {
 public:
  // `filters` parses FilterCriteria patterns (event_filter.h); without one, a mapping with
  // FilterCriteria is refused.
  EventSourceMappings(LambdaService& lambda, sqs::SqsService& queues, storage::Writer& writer,
                      const common::Clock& clock, common::IdGenerator& ids, common::Logger& log,
                      EventFilterParser filters = {});
  // AWS's default quota of filters per mapping.
  static constexpr size_t kMaxFilters = 5;
  // A batch's event stays within a synchronous invocation's payload (6 MB), as AWS cuts it.
  static constexpr size_t kMaxBatchPayload = 6 * 1024 * 1024;
  ~EventSourceMappings();  // Stop()

  Status Load() EXCLUDES(update_mu_, mu_);
  // Starts the pollers of the enabled mappings.
  void Start() EXCLUDES(mu_);
  // Stops and joins every poller (each finishes the batch it holds).
  void Stop() EXCLUDES(mu_);

  Result<MappingView> Create(const common::RequestContext& ctx, const MappingInput& in)
      EXCLUDES(update_mu_, mu_);
  Result<MappingView> Get(const std::string& uuid) const EXCLUDES(mu_);
  Result<MappingView> Update(const common::RequestContext& ctx, const std::string& uuid,
                             const MappingInput& in) EXCLUDES(update_mu_, mu_);
  Result<MappingView> Delete(const std::string& uuid) EXCLUDES(update_mu_, mu_);
  struct Page {
    std::vector<MappingView> mappings;
    std::optional<std::string> next_marker;
  };
  Result<Page> List(const common::RequestContext& ctx,
                    const std::optional<std::string>& event_source_arn,
                    const std::optional<std::string>& function_name,
                    const std::optional<std::string>& marker,
                    std::optional<int64_t> max_items) const EXCLUDES(mu_);

 private:
  // A poller thread, and whether it has returned (then joining it does not wait).
  struct Poller {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };
  struct Pollers {
    std::shared_ptr<std::atomic<bool>> stop = std::make_shared<std::atomic<bool>>(false);
    std::vector<Poller> threads;
  };

  // The settings of `in` checked and applied to `mapping` (a copy).
  Status Apply(const common::RequestContext& ctx, const MappingInput& in,
               EventSourceMapping& mapping, bool creating) const;
  Status Commit(const std::optional<EventSourceMapping>& mapping, const std::string& uuid);
  void StartPollers(const EventSourceMapping& mapping) REQUIRES(mu_);
  void StopPollers(const std::string& uuid) REQUIRES(mu_);
  // Joins the retired pollers that have returned (after a change: their number stays bounded).
  void Reap() EXCLUDES(mu_);
  void Poll(std::string uuid, std::shared_ptr<std::atomic<bool>> stop);
  // One batch: received, invoked, and what succeeded deleted. false when nothing was received.
  bool RunBatch(const EventSourceMapping& mapping, const std::atomic<bool>& stop);
  void Note(const std::string& uuid, const std::string& result) EXCLUDES(mu_);

  // Cuts a batch whose event would pass kMaxBatchPayload: the messages past the cut are
  // released (sqs::SqsService::ReleaseMessage) for the next batch, their receive not counted.
  void Cut(const EventSourceMapping& mapping, std::vector<sqs::ReceivedMessage>& batch);
  // Splits a batch by the mapping's filters: what is delivered stays in `batch`, what matches
  // none is deleted from the queue (AWS: filtered-out messages are removed).
  void Filter(const EventSourceMapping& mapping, std::vector<sqs::ReceivedMessage>& batch);

  LambdaService& lambda_;
  sqs::SqsService& queues_;
  storage::Writer& writer_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  const EventFilterParser filters_;
  common::Mutex update_mu_;  // taken before mu_
  mutable common::Mutex mu_;
  std::map<std::string, EventSourceMapping> mappings_ GUARDED_BY(mu_);  // by UUID
  std::map<std::string, Pollers> running_ GUARDED_BY(mu_);
  // Pollers told to stop: joined once they returned (Reap) or by Stop.
  std::vector<Poller> retired_ GUARDED_BY(mu_);
  bool started_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace offstage::lambda
