// SnsService::Publish, PublishBatch and Republish: validation, then the topic's plan read from
// the TopicStore, admission and the durable commit by the MessageLog (one writer job per
// request, shared commits across requests), then the fan-out queued. Thread model: any HTTP
// worker thread; no lock of its own.
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/planner.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sns/validation.h"
#include "emulator/storage/sns_store.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::sns {
namespace {

using common::ErrorCode;
using common::Fail;
using common::InvalidParameter;

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

Status SnsService::CheckFifoRules(const Topic& topic, Prepared& message) {
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
  if (!message.dedup_id) {
    if (!topic.content_based_deduplication()) {
      return Fail(InvalidParameter(
          "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
          "MessageDeduplicationId provided explicitly"));
    }
    message.dedup_id = common::Sha256Hex(message.body);
  }
  return {};
}

RequestContext SnsService::Traced(const RequestContext& ctx) {
  RequestContext traced = ctx;
  if (traced.trace_id.empty()) {
    traced.trace_id = telemetry::NewTraceId(clock_, ids_);
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
  view.group_id = message.group_id;
  view.dedup_id = message.dedup_id;
  return view;
}

storage::MessageRow SnsService::ToRow(const RequestContext& ctx, Prepared&& message,
                                      const PublishOutput& out) {
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
  MessageLog::Admission admission;
  admission.topic_arn = target;
  PublishPlan plan;
  if (!in.phone_number) {
    auto fifo = store_.Read([&](const TopicState& state) -> Result<bool> {
      const Topic* topic = state.topic(target);
      if (!topic) return TopicNotFoundError();
      if (auto status = CheckFifoRules(*topic, *prepared); !status) return Fail(status.error());
      plan.targets = TargetsOf(state, target);
      plan.signature_version = topic->signature_version();
      return topic->fifo();
    });
    if (!fifo) return Fail(fifo.error());
    admission.fifo = *fifo;
  }
  if (only_subscription) KeepOnly(plan.targets, *only_subscription);
  std::promise<bool> committed;
  if (!messages_.Admit(admission, prepared->dedup_id, out, committed.get_future().share())) {
    // A duplicate is answered once the original is stored (never standing for a lost message).
    if (auto status = MessageLog::AwaitOriginals(admission); !status) return Fail(status.error());
    return out;
  }
  FanoutJob job{traced, {}, std::move(plan.targets)};
  if (only_subscription) job.owed = *only_subscription;
  if (!job.targets.empty())
    job.views.push_back(ViewOf(ctx, *prepared, out, plan.signature_version));
  const std::string topic_name = target.substr(target.rfind(':') + 1);
  std::vector<storage::MessageRow> rows;
  rows.push_back(ToRow(ctx, std::move(*prepared), out));
  if (auto status = Commit(topic_name, std::move(rows), admission, committed, std::move(job));
      !status) {
    return Fail(status.error());
  }
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
  MessageLog::Admission admission;
  admission.topic_arn = topic_arn;
  PublishPlan plan;
  auto fifo = store_.Read([&](const TopicState& state) -> Result<bool> {
    const Topic* topic = state.topic(topic_arn);
    if (!topic) return TopicNotFoundError();
    for (auto& message : prepared) {
      if (auto status = CheckFifoRules(*topic, message); !status) return Fail(status.error());
    }
    plan.targets = TargetsOf(state, topic_arn);
    plan.signature_version = topic->signature_version();
    return topic->fifo();
  });
  if (!fifo) return Fail(fifo.error());
  admission.fifo = *fifo;
  std::promise<bool> committed;
  std::shared_future<bool> mine = committed.get_future().share();
  std::vector<storage::MessageRow> rows;
  std::vector<MessageView> views;
  for (size_t i = 0; i < prepared.size(); ++i) {
    PublishOutput out;
    const bool fresh = messages_.Admit(admission, prepared[i].dedup_id, out, mine);
    output.successful.push_back(
        PublishBatchSuccess{entries[i].id, out.message_id, out.sequence_number});
    if (!fresh) continue;
    views.push_back(ViewOf(ctx, prepared[i], out, plan.signature_version));
    rows.push_back(ToRow(ctx, std::move(prepared[i]), out));
  }
  if (rows.empty()) {
    if (auto status = MessageLog::AwaitOriginals(admission); !status) {
      return Fail(status.error());
    }
    return output;
  }
  const RequestContext traced = Traced(ctx);
  FanoutJob job{traced, {}, std::move(plan.targets)};
  if (!job.targets.empty()) job.views = std::move(views);
  const std::string topic_name = topic_arn.substr(topic_arn.rfind(':') + 1);
  if (auto status = Commit(topic_name, std::move(rows), admission, committed, std::move(job));
      !status) {
    return Fail(status.error());
  }
  // Entries that duplicate another request's message are answered once that one is stored.
  if (auto status = MessageLog::AwaitOriginals(admission); !status) return Fail(status.error());
  return output;
}

Result<PublishOutput> SnsService::Republish(const RequestContext& ctx,
                                            const std::string& message_id,
                                            const std::optional<std::string>& subscription_arn,
                                            bool dry_run) {
  auto found = messages_.Find(message_id);
  if (!found) return Fail(found.error());
  std::optional<storage::MessageRow>& row = *found;
  if (!row) return Fail(ErrorCode::kNotFound, "No recorded message has the id " + message_id);
  auto exists = store_.Read([&](const TopicState& state) -> Status {
    if (!state.topic(row->topic_arn)) {
      return Fail(ErrorCode::kNotFound, "The topic " + row->topic_arn + " of message " +
                                            message_id + " no longer exists");
    }
    if (subscription_arn) {
      const Subscription* sub = state.subscription(*subscription_arn);
      if (!sub || sub->topic_arn != row->topic_arn) {
        return Fail(ErrorCode::kNotFound, "The subscription " + *subscription_arn +
                                              " does not exist on " + row->topic_arn);
      }
    }
    return {};
  });
  if (!exists) return Fail(exists.error());
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
  replay.trace_id = telemetry::NewTraceId(clock_, ids_);
  replay.parent_span = ids_.Uuid();
  if (row->dedup_id) in.message_deduplication_id = "replay-" + replay.parent_span;
  recorder_.Record(telemetry::ReplaySpan(
      replay.parent_span, replay.trace_id, "replay of message " + message_id, clock_.NowNanos(),
      nlohmann::json{{"replays", message_id}, {"subscription", subscription_arn.value_or("")}}.dump(
          -1, ' ', false, common::kReplaceInvalidUtf8)));
  return PublishImpl(replay, in, subscription_arn ? &*subscription_arn : nullptr);
}

Status SnsService::Commit(const std::string& topic_name, std::vector<storage::MessageRow> rows,
                          const MessageLog::Admission& admission, std::promise<bool>& committed,
                          FanoutJob job) {
  for (auto& row : rows) {
    row.trace_id = job.ctx.trace_id;
    if (!job.targets.empty()) row.fanout = job.owed;
  }
  auto stored = messages_.Commit(rows, admission);
  if (!stored) {
    // Memory (the dedup entries, the sequence numbers) is given back before a duplicate
    // waiting on these messages learns that they were not stored.
    messages_.Forget(admission);
    committed.set_value(false);
    return Fail(stored.error());
  }
  committed.set_value(true);
  Dispatch(topic_name, rows, *stored, std::move(job));
  return {};
}

void SnsService::Dispatch(const std::string& topic_name,
                          const std::vector<storage::MessageRow>& rows, int64_t committed_ns,
                          FanoutJob job) {
  for (const auto& row : rows) {
    telemetry::Span span;
    span.id = row.message_id;
    span.kind = telemetry::SpanKindName(telemetry::SpanKind::kPublish);
    span.trace_id = job.ctx.trace_id;
    if (!job.ctx.parent_span.empty()) span.parent_id = job.ctx.parent_span;
    span.name = topic_name;
    span.start_ns = row.received_ns;
    span.end_ns = committed_ns;
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
}

}  // namespace offstage::sns
