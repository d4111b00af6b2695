// EventSourceMappings: the API and the pollers (event_source_mappings.h).
#include "emulator/lambda/event_source_mappings.h"

#include <algorithm>
#include <chrono>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/lambda/validation.h"
#include "emulator/storage/mapping_store.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

constexpr int kMaxPollers = 5;  // AWS starts five pollers per SQS mapping

common::ApiError NotFound() {
  return {ErrorCode::kLambdaResourceNotFound, "The resource you requested does not exist."};
}

std::string Violation(const std::string& value, const std::string& member,
                      const std::string& constraint) {
  return "Value '" + value + "' at '" + member + "' failed to satisfy constraint: " + constraint;
}

}  // namespace

EventSourceMappings::EventSourceMappings(LambdaService& lambda, sqs::SqsService& queues,
                                         storage::Writer& writer, const common::Clock& clock,
                                         common::IdGenerator& ids, common::Logger& log,
                                         EventFilterParser filters)
    : lambda_(lambda),
      queues_(queues),
      writer_(writer),
      clock_(clock),
      ids_(ids),
      log_(log),
      filters_(std::move(filters)) {}

EventSourceMappings::~EventSourceMappings() { Stop(); }

Status EventSourceMappings::Load() {
  common::MutexLock update(update_mu_);
  auto rows = writer_.QueryValue(storage::LoadMappings);
  if (!rows) return common::Fail(rows.error());
  common::MutexLock lock(mu_);
  for (const auto& row : *rows) {
    auto mapping = EventSourceMapping::FromDocument(row.document);
    if (!mapping) {
      log_.Warn("skipping event source mapping " + row.uuid + ": " + mapping.error().message);
      continue;
    }
    mappings_.emplace(row.uuid, std::move(*mapping));
  }
  return {};
}

void EventSourceMappings::Start() {
  common::MutexLock lock(mu_);
  started_ = true;
  for (const auto& [uuid, mapping] : mappings_) {
    if (mapping.enabled) StartPollers(mapping);
  }
}

void EventSourceMappings::Stop() {
  std::vector<std::thread> threads;
  {
    common::MutexLock lock(mu_);
    stopping_ = true;
    for (auto& [uuid, pollers] : running_) {
      pollers.stop->store(true);
      for (auto& p : pollers.threads) threads.push_back(std::move(p.thread));
    }
    running_.clear();
    for (auto& p : retired_) threads.push_back(std::move(p.thread));
    retired_.clear();
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

void EventSourceMappings::StartPollers(const EventSourceMapping& mapping) {
  if (!started_ || stopping_ || running_.contains(mapping.uuid)) return;
  Pollers& pollers = running_[mapping.uuid];
  const int count = std::clamp(mapping.maximum_concurrency.value_or(kMaxPollers), 1, kMaxPollers);
  for (int i = 0; i < count; ++i) {
    Poller poller;
    poller.thread =
        std::thread([this, uuid = mapping.uuid, stop = pollers.stop, done = poller.done] {
          Poll(uuid, stop);
          done->store(true);
        });
    pollers.threads.push_back(std::move(poller));
  }
}

void EventSourceMappings::Reap() {
  std::vector<std::thread> finished;
  {
    common::MutexLock lock(mu_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->done->load()) {
        finished.push_back(std::move(it->thread));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& t : finished) {
    if (t.joinable()) t.join();
  }
}

void EventSourceMappings::StopPollers(const std::string& uuid) {
  auto it = running_.find(uuid);
  if (it == running_.end()) return;
  it->second.stop->store(true);
  for (auto& p : it->second.threads) retired_.push_back(std::move(p));
  running_.erase(it);
}

Status EventSourceMappings::Apply(const common::RequestContext& ctx, const MappingInput& in,
                                  EventSourceMapping& m, bool creating) const {
  if (in.malformed) return InvalidParameterValueError(*in.malformed);
  if (!in.refused.empty()) {
    std::string names;
    for (const auto& name : in.refused) names += (names.empty() ? "" : ", ") + name;
    return InvalidParameterValueError(
        "offstage runs SQS event source mappings and does not apply " + names +
        " (docs/compatibility.md); remove it, or filter in the handler");
  }
  std::vector<std::string> violations;
  if (in.batch_size && (*in.batch_size < 1 || *in.batch_size > 10000)) {
    violations.push_back(Violation(std::to_string(*in.batch_size), "batchSize",
                                   *in.batch_size < 1
                                       ? "Member must have value greater than or equal to 1"
                                       : "Member must have value less than or equal to 10000"));
  }
  if (in.max_batching_window_s &&
      (*in.max_batching_window_s < 0 || *in.max_batching_window_s > 300)) {
    violations.push_back(Violation(
        std::to_string(*in.max_batching_window_s), "maximumBatchingWindowInSeconds",
        *in.max_batching_window_s < 0 ? "Member must have value greater than or equal to 0"
                                      : "Member must have value less than or equal to 300"));
  }
  if (in.function_response_types) {
    for (const auto& type : *in.function_response_types) {
      if (type != "ReportBatchItemFailures") {
        violations.push_back(Violation("[" + type + "]", "functionResponseTypes",
                                       "Member must satisfy constraint: [Member must satisfy enum "
                                       "value set: [ReportBatchItemFailures]]"));
      }
    }
  }
  if (in.maximum_concurrency && (*in.maximum_concurrency < 2 || *in.maximum_concurrency > 1000)) {
    violations.push_back(Violation(
        std::to_string(*in.maximum_concurrency), "scalingConfig.maximumConcurrency",
        *in.maximum_concurrency < 2 ? "Member must have value greater than or equal to 2"
                                    : "Member must have value less than or equal to 1000"));
  }
  if (auto status = Violations(violations); !status) return status;
  if (in.filter_patterns) {
    if (!in.filter_patterns->empty() && !filters_) {
      return InvalidParameterValueError("offstage cannot apply FilterCriteria here");
    }
    if (in.filter_patterns->size() > kMaxFilters) {
      return InvalidParameterValueError(
          "FilterCriteria has " + std::to_string(in.filter_patterns->size()) +
          " filters; the limit is " + std::to_string(kMaxFilters) + " per event source mapping.");
    }
    for (const auto& pattern : *in.filter_patterns) {
      if (auto parsed = filters_(pattern); !parsed) {
        return InvalidParameterValueError("Invalid filter pattern definition. " +
                                          parsed.error().message);
      }
    }
  }

  if (creating) {
    if (!in.event_source_arn || in.event_source_arn->empty()) {
      return InvalidParameterValueError("EventSourceArn is required for SQS mappings.");
    }
    auto arn = common::ParseArn(*in.event_source_arn);
    if (!arn || arn->service != "sqs") {
      return InvalidParameterValueError(
          "offstage runs event source mappings for SQS queues only; " + *in.event_source_arn +
          " is not an SQS queue ARN");
    }
    if (!queues_.Find(*in.event_source_arn)) {
      return InvalidParameterValueError(
          "Error occurred while ReceiveMessage. SQS Error Code: "
          "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does "
          "not exist.");
    }
    m.event_source_arn = *in.event_source_arn;
  }
  if (in.function_name) {
    auto resolved = lambda_.GetFunctionAt(ctx, *in.function_name, "");
    if (!resolved) return Fail(resolved.error());
    m.function_arn = resolved->arn;
    // AWS's rule: a batch must stay invisible while the function may still be running it.
    if (auto queue = queues_.Find(m.event_source_arn);
        queue && queue->visibility_timeout_s() < resolved->function.timeout) {
      return InvalidParameterValueError(
          "Queue visibility timeout: " + std::to_string(queue->visibility_timeout_s()) +
          " seconds is less than Function timeout: " + std::to_string(resolved->function.timeout) +
          " seconds");
    }
  }
  if (in.batch_size) m.batch_size = static_cast<int>(*in.batch_size);
  if (in.max_batching_window_s)
    m.max_batching_window_s = static_cast<int>(*in.max_batching_window_s);
  if (in.enabled) m.enabled = *in.enabled;
  if (in.function_response_types) {
    m.report_batch_item_failures = !in.function_response_types->empty();
  }
  if (in.filter_patterns) m.filter_patterns = *in.filter_patterns;
  if (in.scaling_config_given) {
    m.maximum_concurrency.reset();
    if (in.maximum_concurrency) m.maximum_concurrency = static_cast<int>(*in.maximum_concurrency);
  }
  const bool fifo = m.event_source_arn.ends_with(".fifo");
  if (fifo && m.batch_size > 10) {
    return InvalidParameterValueError("Batch size for FIFO queues must be between 1 and 10.");
  }
  if (fifo && m.max_batching_window_s > 0) {
    return InvalidParameterValueError("Batching window is not supported for FIFO queues.");
  }
  if (m.batch_size > 10 && m.max_batching_window_s < 1) {
    return InvalidParameterValueError(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10");
  }
  return {};
}

Status EventSourceMappings::Commit(const std::optional<EventSourceMapping>& mapping,
                                   const std::string& uuid) {
  if (!mapping) {
    return writer_.Call([uuid](storage::Database& db) { return storage::DeleteMapping(db, uuid); });
  }
  storage::MappingRow row{mapping->uuid, mapping->ToDocument()};
  return writer_.Call([row](storage::Database& db) { return storage::UpsertMapping(db, row); });
}

Result<MappingView> EventSourceMappings::Create(const common::RequestContext& ctx,
                                                const MappingInput& in) {
  if (!in.function_name || in.function_name->empty()) {
    return InvalidParameterValueError("FunctionName is required.");
  }
  Reap();
  common::MutexLock update(update_mu_);
  EventSourceMapping m;
  m.uuid = ids_.Uuid();
  m.region = ctx.region;
  m.account = ctx.account;
  if (auto status = Apply(ctx, in, m, true); !status) return Fail(status.error());
  {
    common::MutexLock lock(mu_);
    for (const auto& [uuid, other] : mappings_) {
      if (other.event_source_arn == m.event_source_arn && other.function_arn == m.function_arn) {
        return Fail(ErrorCode::kLambdaResourceConflict,
                    "An event source mapping with SQS arn (\" " + m.event_source_arn +
                        " \") and function (\" " + m.function_arn +
                        " \") already exists. Please update or delete the existing mapping with "
                        "UUID " +
                        uuid);
      }
    }
  }
  m.last_modified_ns = clock_.NowNanos();
  if (auto status = Commit(m, m.uuid); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  mappings_[m.uuid] = m;
  if (m.enabled) StartPollers(m);
  return MappingView{m, "Creating"};
}

Result<MappingView> EventSourceMappings::Get(const std::string& uuid) const {
  common::MutexLock lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return Fail(NotFound());
  return MappingView{it->second, it->second.enabled ? "Enabled" : "Disabled"};
}

Result<MappingView> EventSourceMappings::Update(const common::RequestContext& ctx,
                                                const std::string& uuid, const MappingInput& in) {
  Reap();
  common::MutexLock update(update_mu_);
  std::optional<EventSourceMapping> copy;
  {
    common::MutexLock lock(mu_);
    auto it = mappings_.find(uuid);
    if (it != mappings_.end()) copy = it->second;
  }
  if (!copy) return Fail(NotFound());
  const bool was_enabled = copy->enabled;
  if (auto status = Apply(ctx, in, *copy, false); !status) return Fail(status.error());
  copy->last_modified_ns = clock_.NowNanos();
  if (auto status = Commit(copy, uuid); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  mappings_[uuid] = *copy;
  StopPollers(uuid);  // the pollers restart with the new settings
  if (copy->enabled) StartPollers(*copy);
  const std::string state = was_enabled == copy->enabled ? "Updating"
                            : copy->enabled              ? "Enabling"
                                                         : "Disabling";
  return MappingView{*copy, state};
}

Result<MappingView> EventSourceMappings::Delete(const std::string& uuid) {
  Reap();
  common::MutexLock update(update_mu_);
  std::optional<EventSourceMapping> existing;
  {
    common::MutexLock lock(mu_);
    auto it = mappings_.find(uuid);
    if (it != mappings_.end()) existing = it->second;
  }
  if (!existing) return Fail(NotFound());
  if (auto status = Commit(std::nullopt, uuid); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  mappings_.erase(uuid);
  StopPollers(uuid);
  return MappingView{*existing, "Deleting"};
}

Result<EventSourceMappings::Page> EventSourceMappings::List(
    const common::RequestContext& ctx, const std::optional<std::string>& event_source_arn,
    const std::optional<std::string>& function_name, const std::optional<std::string>& marker,
    std::optional<int64_t> max_items) const {
  if (max_items && (*max_items < 1 || *max_items > 10000)) {
    return InvalidParameterValueError("MaxItems must be between 1 and 10000.");
  }
  std::optional<std::string> function_arn;
  if (function_name) {
    auto resolved = lambda_.GetFunctionAt(ctx, *function_name, "");
    if (!resolved) return Fail(resolved.error());
    function_arn = resolved->arn;
  }
  Page page;
  common::MutexLock lock(mu_);
  const size_t limit = static_cast<size_t>(max_items.value_or(100));
  for (auto it = marker ? mappings_.upper_bound(*marker) : mappings_.begin(); it != mappings_.end();
       ++it) {
    const EventSourceMapping& m = it->second;
    if (m.region != ctx.region || m.account != ctx.account) continue;
    if (event_source_arn && m.event_source_arn != *event_source_arn) continue;
    if (function_arn && m.function_arn != *function_arn) continue;
    if (page.mappings.size() == limit) {
      page.next_marker = page.mappings.back().mapping.uuid;
      break;
    }
    page.mappings.push_back(MappingView{m, m.enabled ? "Enabled" : "Disabled"});
  }
  return page;
}

void EventSourceMappings::Note(const std::string& uuid, const std::string& result) {
  common::MutexLock lock(mu_);
  auto it = mappings_.find(uuid);
  if (it != mappings_.end()) it->second.last_processing_result = result;
}

void EventSourceMappings::Poll(std::string uuid, std::shared_ptr<std::atomic<bool>> stop) {
  std::string last_problem;
  while (!stop->load()) {
    std::optional<EventSourceMapping> mapping;
    {
      common::MutexLock lock(mu_);
      if (stopping_) return;
      auto it = mappings_.find(uuid);
      if (it != mappings_.end()) mapping = it->second;
    }
    if (!mapping || !mapping->enabled) return;
    if (!queues_.Find(mapping->event_source_arn)) {
      const std::string problem = "the queue " + mapping->event_source_arn + " does not exist";
      if (problem != last_problem) {
        log_.Warn("offstage: event source mapping " + uuid + " is idle: " + problem);
        last_problem = problem;
      }
      Note(uuid, "PROBLEM: " + problem);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    RunBatch(*mapping, *stop);
  }
}

void EventSourceMappings::Cut(const EventSourceMapping& mapping,
                              std::vector<sqs::ReceivedMessage>& batch) {
  // Each record's share of the event: its own event's size less the envelope around it
  // ({"Records":[...]}), plus the comma between records.
  const size_t envelope = SqsEvent({}, mapping.event_source_arn, mapping.region).size();
  size_t total = envelope;
  size_t keep = 0;
  for (; keep < batch.size(); ++keep) {
    const size_t record = SqsEvent({batch[keep]}, mapping.event_source_arn, mapping.region).size() -
                          envelope + (keep > 0 ? 1 : 0);
    if (keep > 0 && total + record > kMaxBatchPayload) break;
    total += record;
  }
  // The rest go back to the queue at once, for the next batch, as if never received (their
  // receive count is not spent: a cut must not push a message toward its RedrivePolicy).
  for (size_t i = keep; i < batch.size(); ++i) {
    if (auto status = queues_.ReleaseMessage(mapping.event_source_arn, batch[i].receipt_handle);
        !status) {
      log_.Warn("offstage: event source mapping " + mapping.uuid + " could not return " +
                batch[i].id + " to the queue: " + status.error().message);
    }
  }
  batch.resize(keep);
}

void EventSourceMappings::Filter(const EventSourceMapping& mapping,
                                 std::vector<sqs::ReceivedMessage>& batch) {
  if (mapping.filter_patterns.empty() || !filters_) return;
  std::vector<std::shared_ptr<const EventFilter>> filters;
  for (const auto& pattern : mapping.filter_patterns) {
    auto parsed = filters_(pattern);
    if (!parsed) {
      // Checked when it was set, so only a data directory of another version gets here:
      // deliver rather than delete what a filter can no longer say.
      log_.Warn("offstage: event source mapping " + mapping.uuid + " has a filter pattern " +
                "that no longer parses (" + parsed.error().message + "); filtering is off");
      return;
    }
    filters.push_back(std::move(*parsed));
  }
  std::vector<sqs::ReceivedMessage> kept;
  for (auto& m : batch) {
    // The record as the function would receive it, its body parsed when it is JSON (AWS
    // matches a JSON pattern on body against a JSON body; a plain-text body only matches a
    // pattern on body that is itself plain values).
    auto record = common::ParseJson(SqsEvent({m}, mapping.event_source_arn, mapping.region));
    nlohmann::json one = record["Records"][0];
    if (auto body = common::ParseJson(m.body); !body.is_discarded()) one["body"] = body;
    const std::string text = one.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    bool matched = false;
    for (const auto& filter : filters) matched = matched || filter->Matches(text);
    if (matched) {
      kept.push_back(std::move(m));
    } else if (auto status = queues_.DeleteMessage(mapping.event_source_arn, m.receipt_handle);
               !status) {
      log_.Warn("offstage: event source mapping " + mapping.uuid + " could not delete " + m.id +
                " (filtered out): " + status.error().message);
    }
  }
  batch = std::move(kept);
}

bool EventSourceMappings::RunBatch(const EventSourceMapping& mapping,
                                   const std::atomic<bool>& stop) {
  // Gather: the first receive waits up to a second (so a stop or a change is seen soon); with
  // a batching window, more are gathered until the window passes or the batch is full.
  std::vector<sqs::ReceivedMessage> batch;
  const int64_t window_ns = static_cast<int64_t>(mapping.max_batching_window_s) * 1'000'000'000;
  int64_t first_ns = 0;
  while (!stop.load() && batch.size() < static_cast<size_t>(mapping.batch_size)) {
    sqs::ReceiveRequest request;
    request.max_messages = std::min<int64_t>(10, mapping.batch_size - batch.size());
    request.wait_s = 1;
    request.attribute_names = {"All"};
    request.message_attribute_names = {"All"};
    request.from_client = false;
    auto got = queues_.ReceiveMessage(mapping.event_source_arn, request);
    if (!got) break;
    if (!got->empty() && batch.empty()) first_ns = clock_.NowNanos();
    for (auto& m : *got) batch.push_back(std::move(m));
    if (batch.empty()) return false;
    if (window_ns == 0 || clock_.NowNanos() - first_ns >= window_ns) break;
  }
  if (batch.empty()) return false;
  Cut(mapping, batch);
  Filter(mapping, batch);
  if (batch.empty()) {
    Note(mapping.uuid, "OK");
    return true;  // every record filtered out (and deleted): no invocation, as AWS
  }

  common::RequestContext ctx;
  ctx.request_id = ids_.Uuid();
  ctx.region = mapping.region;
  ctx.account = mapping.account;
  ctx.received_ns = clock_.NowNanos();
  ctx.trace_id = batch.front().trace_id;
  ctx.parent_span = batch.front().span_id;  // caused by the first message's sender
  InvokeInput in;
  in.function_name = mapping.function_arn;
  in.payload = SqsEvent(batch, mapping.event_source_arn, mapping.region);
  auto out = lambda_.Invoke(ctx, in);
  std::set<std::string> failed;
  std::string result = "OK";
  if (!out) {
    result = "PROBLEM: " + out.error().message;
    log_.Warn("offstage: event source mapping " + mapping.uuid + " could not invoke " +
              mapping.function_arn + ": " + out.error().message +
              " (the batch returns to the queue after its visibility timeout)");
    for (const auto& m : batch) failed.insert(m.id);
  } else if (out->function_error) {
    for (const auto& m : batch) failed.insert(m.id);  // the whole batch is retried
  } else if (mapping.report_batch_item_failures) {
    std::set<std::string> ids;
    for (const auto& m : batch) ids.insert(m.id);
    auto reported = BatchItemFailures(out->payload, ids);
    failed = reported ? *reported : ids;
  }
  for (const auto& m : batch) {
    if (failed.contains(m.id)) continue;
    if (auto status = queues_.DeleteMessage(mapping.event_source_arn, m.receipt_handle); !status) {
      log_.Warn("offstage: event source mapping " + mapping.uuid + " could not delete " + m.id +
                ": " + status.error().message);
    }
  }
  Note(mapping.uuid, result);
  return true;
}

}  // namespace offstage::lambda
