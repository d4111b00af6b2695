// SnsService::Publish and PublishBatch: validation, FIFO admission, and the durable commit of
// the accepted messages (one writer job per request, shared commits across requests).
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sns/validation.h"
#include "emulator/storage/sns_store.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::sns {
namespace {

using common::ErrorCode;
using common::Fail;
using common::InvalidParameter;

std::string SequenceNumber(int64_t sequence) {
  // Real values look like 10000000000000003000: 10^19 plus a counter stepping by 1000.
  char buf[32];
  std::snprintf(buf, sizeof buf, "1%019llu", static_cast<unsigned long long>(sequence) * 1000ULL);
  return buf;
}

bool IsBatchId(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

Result<SnsService::Prepared> SnsService::Validate(const RequestContext& ctx, const PublishInput& in,
                                                  std::string_view param,
                                                  const std::string& target) const {
  const bool phone = common::StartsWith(target, "sms:");
  if (!phone) {
    if (auto status = CheckTopicArn(ctx, param, target); !status) return Fail(status.error());
    if (common::ParseArn(target)->service != "sns") {
      return Fail(InvalidParameter("Invalid parameter: " + std::string(param)));
    }
    if (common::StartsWith(common::ParseArn(target)->resource, "endpoint/")) {
      return Fail(InvalidParameter(
          "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified"));
    }
  }
  if (!in.message) {
    return Fail(ErrorCode::kValidationError,
                "1 validation error detected: Value null at 'message' failed to satisfy "
                "constraint: Member must not be null");
  }
  if (in.message->empty()) return Fail(InvalidParameter("Invalid parameter: Empty message"));
  if (!common::IsValidUtf8(*in.message)) {
    return Fail(
        InvalidParameter("Invalid parameter: Message Reason: the message is not valid "
                         "UTF-8"));
  }
  if (in.subject) {
    if (auto status = ValidateSubject(*in.subject); !status) return Fail(status.error());
  }
  if (auto status = ValidateMessageAttributes(in.message_attributes); !status) {
    return Fail(status.error());
  }
  if (MessageSize(*in.message, in.message_attributes) > kMaxMessageBytes) {
    return Fail(InvalidParameter("Invalid parameter: Message too long"));
  }
  if (in.message_structure) {
    if (*in.message_structure != "json") {
      return Fail(
          InvalidParameter("Invalid parameter: MessageStructure Reason: the only "
                           "supported value is json"));
    }
    if (auto status = ValidateJsonStructure(*in.message); !status) return Fail(status.error());
  }
  if (in.message_group_id) {
    if (auto status = ValidateFifoId("MessageGroupId", *in.message_group_id); !status) {
      return Fail(status.error());
    }
  }
  if (in.message_deduplication_id) {
    if (auto status = ValidateFifoId("MessageDeduplicationId", *in.message_deduplication_id);
        !status) {
      return Fail(status.error());
    }
  }
  return Prepared{target,
                  *in.message,
                  in.subject,
                  in.message_structure,
                  in.message_attributes,
                  in.message_group_id,
                  in.message_deduplication_id};
}

Status SnsService::CheckFifoRules(const Topic& topic, const Prepared& message) const {
  if (!topic.fifo()) {
    if (message.dedup_id) {
      return Fail(InvalidParameter(
          "Invalid parameter: MessageDeduplicationId Reason: The request includes "
          "MessageDeduplicationId parameter that is not valid for this topic type"));
    }
    return {};  // MessageGroupId on a standard topic is accepted (only SQS uses it).
  }
  if (!message.group_id) {
    return Fail(
        InvalidParameter("Invalid parameter: The MessageGroupId parameter is required for FIFO "
                         "topics"));
  }
  auto content_based = topic.attributes.find("ContentBasedDeduplication");
  if (!message.dedup_id &&
      (content_based == topic.attributes.end() || content_based->second != "true")) {
    return Fail(InvalidParameter(
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly"));
  }
  return {};
}

void SnsService::PruneDedup(int64_t now_ns) {
  while (!dedup_expiry_.empty() && dedup_expiry_.front().first <= now_ns) {
    auto it = dedup_.find(dedup_expiry_.front().second);
    if (it != dedup_.end() && it->second.expires_ns <= now_ns) dedup_.erase(it);
    dedup_expiry_.pop_front();
  }
}

bool SnsService::Admit(Topic& topic, Prepared& message, PublishOutput& out, Admission& admission,
                       const std::shared_future<bool>& committed) {
  if (admission.topic_arn.empty()) {
    admission.topic_arn = topic.arn;
    admission.sequence_before = admission.sequence_after = topic.next_sequence;
  }
  if (!topic.fifo()) {
    out.message_id = ids_.Uuid();
    ++admission.fresh;
    ++messages_;
    return true;
  }
  if (!message.dedup_id) message.dedup_id = common::Sha256Hex(message.body);
  const int64_t now = clock_.NowNanos();
  PruneDedup(now);
  auto key = std::make_pair(topic.arn, *message.dedup_id);
  if (auto it = dedup_.find(key); it != dedup_.end()) {
    // A duplicate within 5 minutes is accepted but not delivered again.
    out.message_id = it->second.message_id;
    out.sequence_number = it->second.sequence_number;
    admission.originals.push_back(it->second.committed);
    return false;
  }
  out.message_id = ids_.Uuid();
  out.sequence_number = SequenceNumber(++topic.next_sequence);
  admission.sequence_after = topic.next_sequence;
  ++admission.fresh;
  ++messages_;
  admission.keys.emplace_back(*message.dedup_id, out.message_id);
  dedup_[key] = DedupEntry{out.message_id, out.sequence_number, now + kDedupWindowNs, committed};
  dedup_expiry_.emplace_back(now + kDedupWindowNs, std::move(key));
  return true;
}

void SnsService::Forget(const Admission& admission) {
  common::MutexLock lock(mu_);
  messages_ -= admission.fresh;
  for (const auto& [dedup_id, message_id] : admission.keys) {
    auto it = dedup_.find(std::make_pair(admission.topic_arn, dedup_id));
    if (it != dedup_.end() && it->second.message_id == message_id) dedup_.erase(it);
  }
  // The numbers are given back only when no later admission took one after them.
  auto topic = topics_.find(admission.topic_arn);
  if (topic != topics_.end() && topic->second.next_sequence == admission.sequence_after) {
    topic->second.next_sequence = admission.sequence_before;
  }
}

Status SnsService::AwaitOriginals(const Admission& admission) {
  for (const auto& original : admission.originals) {
    if (!original.get()) {
      return Fail(common::Internal(
          "The message this one duplicates could not be stored; retry the request"));
    }
  }
  return {};
}

RequestContext SnsService::Traced(const RequestContext& ctx) {
  RequestContext traced = ctx;
  if (traced.trace_id.empty()) {
    traced.trace_id = telemetry::NewTraceId(clock_.NowNanos(), ids_.Hex(12));
  }
  return traced;
}

MessageView SnsService::ViewOf(const RequestContext& ctx, const Prepared& message,
                               const PublishOutput& out, const std::string& signature_version) {
  MessageView view;
  view.message_id = out.message_id;
  view.topic_arn = message.target;
  view.subject = message.subject;
  view.body = message.body;
  view.structure = message.structure;
  view.attributes = message.attributes;
  view.timestamp = common::IsoMillis(ctx.received_ns);
  view.sequence_number = out.sequence_number;
  view.signature_version = signature_version;
  return view;
}

storage::MessageRow SnsService::ToRow(const RequestContext& ctx, Prepared&& message,
                                      const PublishOutput& out) const {
  storage::MessageRow row;
  row.message_id = out.message_id;
  row.topic_arn = std::move(message.target);
  row.subject = std::move(message.subject);
  row.body = std::move(message.body);
  row.structure = std::move(message.structure);
  row.attributes_json = MessageAttributesToJson(message.attributes);
  row.group_id = std::move(message.group_id);
  row.dedup_id = std::move(message.dedup_id);
  row.sequence_number = out.sequence_number;
  row.source_request_id = ctx.request_id;
  row.received_ns = ctx.received_ns;
  return row;
}

Result<PublishOutput> SnsService::Publish(const RequestContext& ctx, const PublishInput& in) {
  return PublishImpl(ctx, in, nullptr);
}

Result<PublishOutput> SnsService::PublishImpl(const RequestContext& ctx, const PublishInput& in,
                                              const std::string* only_subscription) {
  std::string param = "TopicArn";
  std::string target;
  if (in.phone_number) {
    const std::string& number = *in.phone_number;
    bool ok = number.size() >= 3 && number.size() <= 16 && number[0] == '+' && number[1] != '0';
    for (size_t i = 1; ok && i < number.size(); ++i) ok = std::isdigit(number[i]);
    if (!ok) {
      return Fail(InvalidParameter("Invalid parameter: PhoneNumber Reason: " + number +
                                   " is not valid to publish to"));
    }
    target = "sms:" + number;
  } else if (in.topic_arn) {
    target = *in.topic_arn;
  } else if (in.target_arn) {
    param = "TargetArn";
    target = *in.target_arn;
  } else {
    return Fail(InvalidParameter(
        "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"));
  }
  auto prepared = Validate(ctx, in, param, target);
  if (!prepared) return Fail(prepared.error());
  const RequestContext traced = Traced(ctx);

  PublishOutput out;
  std::optional<std::pair<std::string, int64_t>> sequence;
  std::vector<Target> targets;
  std::string signature_version = "1";
  Admission admission;
  std::promise<bool> committed;
  bool duplicate = false;
  {
    common::MutexLock lock(mu_);
    if (in.phone_number) {
      out.message_id = ids_.Uuid();
    } else {
      auto topic = topics_.find(target);
      if (topic == topics_.end()) return TopicNotFoundError();
      if (auto status = CheckFifoRules(topic->second, *prepared); !status) {
        return Fail(status.error());
      }
      duplicate = !Admit(topic->second, *prepared, out, admission, committed.get_future().share());
      if (!duplicate) {
        if (topic->second.fifo()) sequence.emplace(target, topic->second.next_sequence);
        targets = TargetsOf(topic->second);
        if (only_subscription) KeepOnly(targets, *only_subscription);
        signature_version = topic->second.signature_version();
      }
    }
    if (in.phone_number) ++messages_;
  }
  if (duplicate) {
    // Answered once the original is stored (a duplicate never stands for a lost message).
    if (auto status = AwaitOriginals(admission); !status) return Fail(status.error());
    return out;
  }
  FanoutJob job{traced, {}, std::move(targets)};
  if (only_subscription) job.owed = *only_subscription;
  if (!job.targets.empty()) job.views.push_back(ViewOf(ctx, *prepared, out, signature_version));
  const std::string topic_name = target.substr(target.rfind(':') + 1);
  std::vector<storage::MessageRow> rows;
  rows.push_back(ToRow(ctx, std::move(*prepared), out));
  // Memory (the dedup entry, the sequence number) is given back before a duplicate waiting on
  // this message learns that it was not stored.
  if (auto status = CommitMessages(topic_name, std::move(rows), sequence, std::move(job));
      !status) {
    Forget(admission);
    committed.set_value(false);
    return Fail(status.error());
  }
  committed.set_value(true);
  return out;
}

Result<PublishBatchOutput> SnsService::PublishBatch(const RequestContext& ctx,
                                                    const std::string& topic_arn,
                                                    const std::vector<PublishBatchEntry>& entries) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) {
    return Fail(status.error());
  }
  if (entries.empty()) {
    return Fail(ErrorCode::kEmptyBatchRequest, "The batch request doesn't contain any entries.");
  }
  if (entries.size() > kMaxBatchEntries) {
    return Fail(ErrorCode::kTooManyEntriesInBatchRequest,
                "The batch request contains more entries than permissible.");
  }
  std::set<std::string_view> ids;
  size_t total = 0;
  for (const auto& entry : entries) {
    if (!IsBatchId(entry.id)) {
      return Fail(ErrorCode::kInvalidBatchEntryId,
                  "A batch entry id can only contain alphanumeric characters, hyphens and "
                  "underscores. It can be at most 80 letters long.");
    }
    if (!ids.insert(entry.id).second) {
      return Fail(ErrorCode::kBatchEntryIdsNotDistinct,
                  "Two or more batch entries in the request have the same Id.");
    }
    if (entry.input.message) {
      total += MessageSize(*entry.input.message, entry.input.message_attributes);
    }
  }
  if (total > kMaxMessageBytes) {
    return Fail(ErrorCode::kBatchRequestTooLong,
                "The length of all the messages put together is more than the limit.");
  }
  // AWS fails the whole request when one entry is malformed (LocalStack's real-AWS snapshots).
  std::vector<Prepared> prepared;
  for (const auto& entry : entries) {
    auto message = Validate(ctx, entry.input, "TopicArn", topic_arn);
    if (!message) return Fail(message.error());
    prepared.push_back(std::move(*message));
  }

  PublishBatchOutput output;
  Admission admission;
  std::promise<bool> committed;
  std::shared_future<bool> mine = committed.get_future().share();
  std::vector<storage::MessageRow> rows;
  std::vector<MessageView> views;
  std::optional<std::pair<std::string, int64_t>> sequence;
  std::vector<Target> targets;
  std::string signature_version = "1";
  {
    common::MutexLock lock(mu_);
    auto topic = topics_.find(topic_arn);
    if (topic == topics_.end()) return TopicNotFoundError();
    for (const auto& message : prepared) {
      if (auto status = CheckFifoRules(topic->second, message); !status) {
        return Fail(status.error());
      }
    }
    signature_version = topic->second.signature_version();
    for (size_t i = 0; i < prepared.size(); ++i) {
      PublishOutput out;
      const bool fresh = Admit(topic->second, prepared[i], out, admission, mine);
      output.successful.push_back(
          PublishBatchSuccess{entries[i].id, out.message_id, out.sequence_number});
      if (!fresh) continue;
      views.push_back(ViewOf(ctx, prepared[i], out, signature_version));
      rows.push_back(ToRow(ctx, std::move(prepared[i]), out));
    }
    if (!rows.empty()) {
      if (topic->second.fifo()) sequence.emplace(topic_arn, topic->second.next_sequence);
      targets = TargetsOf(topic->second);
    }
  }
  if (rows.empty()) {
    if (auto status = AwaitOriginals(admission); !status) return Fail(status.error());
    return output;
  }
  const RequestContext traced = Traced(ctx);
  FanoutJob job{traced, {}, std::move(targets)};
  if (!job.targets.empty()) job.views = std::move(views);
  const std::string topic_name = topic_arn.substr(topic_arn.rfind(':') + 1);
  if (auto status = CommitMessages(topic_name, std::move(rows), sequence, std::move(job));
      !status) {
    Forget(admission);
    committed.set_value(false);
    return Fail(status.error());
  }
  committed.set_value(true);
  // Entries that duplicate another request's message are answered once that one is stored.
  if (auto status = AwaitOriginals(admission); !status) return Fail(status.error());
  return output;
}

Result<PublishOutput> SnsService::Republish(const RequestContext& ctx,
                                            const std::string& message_id,
                                            const std::optional<std::string>& subscription_arn,
                                            bool dry_run) {
  std::optional<storage::MessageRow> row;
  auto status = writer_.Query([&](storage::Database& db) -> Status {
    auto found = storage::FindMessage(db, message_id);
    if (!found) return Fail(found.error());
    row = std::move(*found);
    return {};
  });
  if (!status) return Fail(status.error());
  if (!row) return Fail(ErrorCode::kNotFound, "No recorded message has the id " + message_id);
  {
    common::MutexLock lock(mu_);
    auto topic = topics_.find(row->topic_arn);
    if (topic == topics_.end()) {
      return Fail(ErrorCode::kNotFound, "The topic " + row->topic_arn + " of message " +
                                            message_id + " no longer exists");
    }
    if (subscription_arn) {
      auto sub = subscriptions_.find(*subscription_arn);
      if (sub == subscriptions_.end() || sub->second.topic_arn != row->topic_arn) {
        return Fail(ErrorCode::kNotFound, "The subscription " + *subscription_arn +
                                              " does not exist on " + row->topic_arn);
      }
    }
  }
  PublishInput in;
  in.topic_arn = row->topic_arn;
  in.message = row->body;
  in.subject = row->subject;
  in.message_structure = row->structure;
  in.message_group_id = row->group_id;
  in.message_attributes = MessageAttributesFromJson(row->attributes_json);
  PublishOutput out;
  if (dry_run) {
    out.message_id = message_id;
    return out;
  }
  RequestContext replay = ctx;
  replay.trace_id = telemetry::NewTraceId(clock_.NowNanos(), ids_.Hex(12));
  replay.parent_span = ids_.Uuid();
  if (row->dedup_id) in.message_deduplication_id = "replay-" + replay.parent_span;
  recorder_.Record(telemetry::ReplaySpan(
      replay.parent_span, replay.trace_id, "replay of message " + message_id, clock_.NowNanos(),
      nlohmann::json{{"replays", message_id}, {"subscription", subscription_arn.value_or("")}}.dump(
          -1, ' ', false, common::kReplaceInvalidUtf8)));
  return PublishImpl(replay, in, subscription_arn ? &*subscription_arn : nullptr);
}

Status SnsService::CommitMessages(const std::string& topic_name,
                                  std::vector<storage::MessageRow> rows,
                                  std::optional<std::pair<std::string, int64_t>> sequence,
                                  FanoutJob job) {
  for (auto& row : rows) {
    row.trace_id = job.ctx.trace_id;
    if (!job.targets.empty()) row.fanout = job.owed;
  }
  auto committed = writer_
                       .Submit([rows, sequence](storage::Database& db) -> Status {
                         for (const auto& row : rows) {
                           if (auto status = storage::InsertMessage(db, row); !status)
                             return status;
                         }
                         if (sequence)
                           return storage::SetTopicSequence(db, sequence->first, sequence->second);
                         return {};
                       })
                       .get();
  if (!committed) return Fail(committed.error());
  for (const auto& row : rows) {
    telemetry::Span span;
    span.id = row.message_id;
    span.kind = telemetry::SpanKindName(telemetry::SpanKind::kPublish);
    span.trace_id = job.ctx.trace_id;
    if (!job.ctx.parent_span.empty()) span.parent_id = job.ctx.parent_span;
    span.name = topic_name;
    span.start_ns = row.received_ns;
    span.end_ns = *committed;
    span.status = telemetry::SpanStatusName(telemetry::SpanStatus::kCommitted);
    nlohmann::json attrs = {{"message_id", row.message_id}, {"topic_arn", row.topic_arn}};
    // How many delivery spans its fan-out will record: until they are in, the trace is not
    // quiescent (the fan-out follows the answer).
    attrs["deliveries"] = job.targets.size();
    if (row.subject) attrs["subject"] = *row.subject;
    if (row.sequence_number) attrs["sequence_number"] = *row.sequence_number;
    span.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    recorder_.Record(std::move(span));
  }
  // The messages are durable and marked as owing their fan-out: the answer need not wait for
  // it.
  if (!job.targets.empty()) fanouts_.Add(0, std::move(job));
  return {};
}

}  // namespace offstage::sns
