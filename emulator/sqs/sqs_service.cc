// SqsService: queues (create, attributes, tags, permissions) and messages (send, receive,
// delete, visibility), each checked as AWS checks it (sqs_service.h).
#include "emulator/sqs/sqs_service.h"

#include <algorithm>
#include <set>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::sqs {
namespace {

using common::ApiError;
using common::ErrorCode;
using common::Fail;

constexpr int64_t kSecond = 1'000'000'000;
constexpr size_t kMaxBatchBytes = 1048576;
constexpr size_t kMaxTags = 50;

ApiError NotFound() {
  return {ErrorCode::kSqsQueueDoesNotExist, "The specified queue does not exist."};
}

ApiError InvalidValue(const std::string& name, const std::string& value,
                      const std::string& reason) {
  return {ErrorCode::kSqsInvalidParameterValue, "Value " + common::ShortenUtf8(value, 256) +
                                                    " for parameter " + name +
                                                    " is invalid. Reason: " + reason};
}

bool IsFifoIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").find(c) != std::string_view::npos;
}

Status CheckFifoId(const std::string& name, const std::string& value) {
  if (value.empty() || value.size() > 128 ||
      !std::all_of(value.begin(), value.end(), IsFifoIdChar)) {
    return Fail(InvalidValue(name, value,
                             name + " can only include alphanumeric and punctuation characters. "
                                    "1 to 128 in length."));
  }
  return {};
}

bool IsBatchIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// The batch rules every batch action shares: 1 to 10 entries, ids valid and distinct.
template <typename Entry>
Status CheckBatch(const std::vector<Entry>& entries, std::string_view entry_name) {
  if (entries.empty()) {
    return Fail(ErrorCode::kSqsEmptyBatchRequest,
                "There should be at least one " + std::string(entry_name) + " in the request.");
  }
  if (entries.size() > 10) {
    return Fail(ErrorCode::kSqsTooManyEntriesInBatchRequest,
                "Maximum number of entries per request are 10. You have sent " +
                    std::to_string(entries.size()) + ".");
  }
  std::set<std::string> seen;
  for (const Entry& entry : entries) {
    if (entry.id.empty() || entry.id.size() > 80 ||
        !std::all_of(entry.id.begin(), entry.id.end(), IsBatchIdChar)) {
      return Fail(ErrorCode::kSqsInvalidBatchEntryId,
                  "A batch entry id can only contain alphanumeric characters, hyphens and "
                  "underscores. It can be at most 80 letters long.");
    }
    if (!seen.insert(entry.id).second) {
      return Fail(ErrorCode::kSqsBatchEntryIdsNotDistinct, "Id " + entry.id + " repeated.");
    }
  }
  return {};
}

BatchError ToBatchError(const std::string& id, const ApiError& error) {
  return BatchError{id, std::string(error.info().aws_code), error.message,
                    error.info().fault == common::Fault::kSender};
}

bool Wants(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& n : names) {
    if (n == "All" || n == name) return true;
  }
  return false;
}

bool WantsMessageAttribute(const std::vector<std::string>& names, const std::string& name) {
  for (const std::string& n : names) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.size() > 2 && n.ends_with(".*") && name.starts_with(n.substr(0, n.size() - 1))) {
      return true;
    }
  }
  return false;
}

// A policy statement whose Sid is `label` (a statement of another shape is not).
bool IsSid(const nlohmann::json& statement, const std::string& label) {
  if (!statement.is_object()) return false;
  auto sid = statement.find("Sid");
  return sid != statement.end() && sid->is_string() && sid->get_ref<const std::string&>() == label;
}

std::string Millis(int64_t ns) { return std::to_string(ns / 1'000'000); }
std::string Seconds(int64_t ns) { return std::to_string(ns / kSecond); }

}  // namespace

SqsService::SqsService(storage::Writer& writer, telemetry::Recorder& recorder,
                       const common::Clock& clock, common::IdGenerator& ids, common::Logger& log)
    : clock_(clock),
      log_(log),
      queues_(writer, log),
      messages_(writer, recorder, clock, ids, log),
      move_tasks_(queues_, messages_, clock, ids, log) {}

Status SqsService::Load() {
  if (auto status = queues_.Load(); !status) return status;
  std::set<std::string> arns = queues_.Read([](const std::map<std::string, Queue>& all) {
    std::set<std::string> out;
    for (const auto& [arn, queue] : all) out.insert(arn);
    return out;
  });
  return messages_.Load(arns);
}

Result<Queue> SqsService::Find(const std::string& arn) const {
  auto queue = queues_.Find(arn);
  if (!queue) return Fail(NotFound());
  return *queue;
}

Result<Queue> SqsService::CreateQueue(const common::RequestContext& ctx, const std::string& name,
                                      const std::map<std::string, std::string>& attributes,
                                      const std::map<std::string, std::string>& tags) {
  if (name.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                "The request must contain the parameter QueueName.");
  }
  auto fifo_attribute = attributes.find("FifoQueue");
  const bool fifo = fifo_attribute != attributes.end() && fifo_attribute->second == "true";
  if (auto status = CheckQueueName(name, fifo); !status) return Fail(status.error());
  if (auto status = CheckSettableAttributes(attributes, fifo, true); !status) {
    return Fail(status.error());
  }
  if (tags.size() > kMaxTags) {
    return Fail(ErrorCode::kSqsInvalidParameterValue,
                "Too many tags added for queue " + name + ".");
  }
  const std::string arn = QueueArn(ctx.region, ctx.account, name);
  std::optional<Queue> result;
  auto status = queues_.Update(
      arn,
      [&](const std::map<std::string, Queue>& all, std::optional<Queue>& queue) -> Result<bool> {
        if (queue) {
          for (const auto& [key, value] : attributes) {
            auto it = queue->attributes.find(key);
            const std::string current = it == queue->attributes.end() ? "" : it->second;
            if (current != value && !(key == "FifoQueue" && value == "false" && current.empty())) {
              return Fail(ErrorCode::kSqsQueueNameExists,
                          "A queue already exists with the same name and a different value for "
                          "attribute " +
                              key);
            }
          }
          result = queue;
          return false;
        }
        Queue created;
        created.name = name;
        created.region = ctx.region;
        created.account = ctx.account;
        created.arn = arn;
        created.attributes = DefaultAttributes(fifo);
        for (const auto& [key, value] : attributes) {
          if (key == "FifoQueue" && value == "false") continue;
          created.attributes[key] = value;
        }
        if (auto redrive = created.redrive()) {
          auto target = all.find(redrive->dead_letter_target_arn);
          if (target == all.end()) {
            return Fail(InvalidValue("RedrivePolicy", created.attributes["RedrivePolicy"],
                                     "Dead letter target does not exist."));
          }
          if (target->second.fifo() != fifo) {
            return Fail(
                InvalidValue("RedrivePolicy", created.attributes["RedrivePolicy"],
                             "Dead-letter queue must be same type of queue as the source."));
          }
        }
        created.tags = tags;
        created.created_ns = created.modified_ns = clock_.NowNanos();
        queue = created;
        result = std::move(created);
        return true;
      });
  if (!status) return Fail(status.error());
  return *result;
}

Status SqsService::DeleteQueue(const std::string& arn) {
  auto status = queues_.Update(arn, [](const auto&, std::optional<Queue>& queue) -> Result<bool> {
    if (!queue) return Fail(NotFound());
    queue.reset();
    return true;
  });
  if (!status) return status;
  move_tasks_.Forget(arn);
  messages_.Drop(arn);
  return {};
}

std::vector<Queue> SqsService::ListQueues(const std::string& region, const std::string& account,
                                          const std::string& prefix) const {
  return queues_.Read([&](const std::map<std::string, Queue>& all) {
    std::vector<Queue> out;
    for (const auto& [arn, queue] : all) {
      if (queue.region == region && queue.account == account && queue.name.starts_with(prefix)) {
        out.push_back(queue);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const Queue& a, const Queue& b) { return a.name < b.name; });
    return out;
  });
}

Result<std::map<std::string, std::string>> SqsService::GetQueueAttributes(
    const std::string& arn, const std::vector<std::string>& names) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  for (const std::string& name : names) {
    if (!IsKnownAttributeName(name)) {
      return Fail(ErrorCode::kSqsInvalidAttributeName, "Unknown Attribute " + name + ".");
    }
  }
  std::map<std::string, std::string> all = queue->attributes;
  const auto counts = messages_.CountsOf(*queue);
  all["QueueArn"] = queue->arn;
  all["ApproximateNumberOfMessages"] = std::to_string(counts.visible);
  all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(counts.in_flight);
  all["ApproximateNumberOfMessagesDelayed"] = std::to_string(counts.delayed);
  all["CreatedTimestamp"] = Seconds(queue->created_ns);
  all["LastModifiedTimestamp"] = Seconds(queue->modified_ns);
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : all) {
    if (Wants(names, name)) out.emplace(name, value);
  }
  return out;
}

Status SqsService::SetQueueAttributes(const std::string& arn,
                                      const std::map<std::string, std::string>& attributes) {
  return queues_.Update(
      arn,
      [&](const std::map<std::string, Queue>& all, std::optional<Queue>& queue) -> Result<bool> {
        if (!queue) return Fail(NotFound());
        if (auto status = CheckSettableAttributes(attributes, queue->fifo(), false); !status) {
          return Fail(status.error());
        }
        for (const auto& [key, value] : attributes) {
          if (value.empty() && (key == "RedrivePolicy" || key == "Policy" ||
                                key == "RedriveAllowPolicy" || key == "KmsMasterKeyId")) {
            queue->attributes.erase(key);
          } else {
            queue->attributes[key] = value;
          }
        }
        if (auto redrive = queue->redrive()) {
          auto target = all.find(redrive->dead_letter_target_arn);
          if (target == all.end()) {
            return Fail(InvalidValue("RedrivePolicy", queue->attributes["RedrivePolicy"],
                                     "Dead letter target does not exist."));
          }
          if (target->second.fifo() != queue->fifo()) {
            return Fail(
                InvalidValue("RedrivePolicy", queue->attributes["RedrivePolicy"],
                             "Dead-letter queue must be same type of queue as the source."));
          }
        }
        queue->modified_ns = clock_.NowNanos();
        return true;
      });
}

Status SqsService::PurgeQueue(const std::string& arn) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  return messages_.Purge(*queue);
}

Status SqsService::TagQueue(const std::string& arn,
                            const std::map<std::string, std::string>& tags) {
  return queues_.Update(arn, [&](const auto&, std::optional<Queue>& queue) -> Result<bool> {
    if (!queue) return Fail(NotFound());
    for (const auto& [key, value] : tags) queue->tags[key] = value;
    if (queue->tags.size() > kMaxTags) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Too many tags added for queue " + queue->name + ".");
    }
    return true;
  });
}

Status SqsService::UntagQueue(const std::string& arn, const std::vector<std::string>& keys) {
  return queues_.Update(arn, [&](const auto&, std::optional<Queue>& queue) -> Result<bool> {
    if (!queue) return Fail(NotFound());
    for (const std::string& key : keys) queue->tags.erase(key);
    return true;
  });
}

Result<std::map<std::string, std::string>> SqsService::ListQueueTags(const std::string& arn) const {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  return queue->tags;
}

Result<std::vector<Queue>> SqsService::ListDeadLetterSourceQueues(const std::string& arn) const {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  return queues_.Read([&](const std::map<std::string, Queue>& all) {
    std::vector<Queue> out;
    for (const auto& [source_arn, source] : all) {
      auto redrive = source.redrive();
      if (redrive && redrive->dead_letter_target_arn == arn) out.push_back(source);
    }
    return out;
  });
}

Result<std::string> SqsService::StartMessageMoveTask(const std::string& source_arn,
                                                     const std::string& destination_arn,
                                                     std::optional<int64_t> max_per_second) {
  if (source_arn.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                "The request must contain the parameter SourceArn.");
  }
  auto source = queues_.Find(source_arn);
  if (!source) {
    return Fail(ErrorCode::kSqsResourceNotFound,
                "The resource that you specified for the SourceArn parameter doesn't exist.");
  }
  auto sources = ListDeadLetterSourceQueues(source_arn);
  if (!sources) return Fail(sources.error());
  if (sources->empty()) {
    return Fail(ErrorCode::kSqsInvalidParameterValue,
                "Source queue must be configured as a Dead Letter Queue.");
  }
  if (max_per_second && (*max_per_second < 1 || *max_per_second > 500)) {
    return Fail(InvalidValue("MaxNumberOfMessagesPerSecond", std::to_string(*max_per_second),
                             "Must be between 1 and 500, if provided."));
  }
  if (!destination_arn.empty()) {
    auto destination = queues_.Find(destination_arn);
    if (!destination) {
      return Fail(ErrorCode::kSqsResourceNotFound,
                  "The resource that you specified for the DestinationArn parameter doesn't "
                  "exist.");
    }
    if (destination->arn == source->arn) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Source queue arn and destination queue arn cannot be the same.");
    }
    if (destination->fifo() != source->fifo()) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The source queue and the destination queue must be of the same type: both "
                  "standard or both FIFO.");
    }
  }
  return move_tasks_.Start(*source, destination_arn, max_per_second);
}

Result<std::vector<MoveTask>> SqsService::ListMessageMoveTasks(
    const std::string& source_arn, std::optional<int64_t> max_results) const {
  if (source_arn.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                "The request must contain the parameter SourceArn.");
  }
  if (!queues_.Find(source_arn)) {
    return Fail(ErrorCode::kSqsResourceNotFound,
                "The resource that you specified for the SourceArn parameter doesn't exist.");
  }
  const int64_t max = max_results.value_or(1);
  if (max < 1 || max > 10) {
    return Fail(
        InvalidValue("MaxResults", std::to_string(max), "Must be between 1 and 10, if provided."));
  }
  return move_tasks_.List(source_arn, static_cast<int>(max));
}

Result<int64_t> SqsService::CancelMessageMoveTask(const std::string& handle) {
  if (handle.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                "The request must contain the parameter TaskHandle.");
  }
  return move_tasks_.Cancel(handle);
}

Status SqsService::AddPermission(const std::string& arn, const std::string& label,
                                 const std::vector<std::string>& accounts,
                                 const std::vector<std::string>& actions) {
  if (label.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter, "The request must contain the parameter Label.");
  }
  if (accounts.empty() || actions.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                std::string("The request must contain the parameter ") +
                    (accounts.empty() ? "AWSAccountIds." : "Actions."));
  }
  return queues_.Update(arn, [&](const auto&, std::optional<Queue>& queue) -> Result<bool> {
    if (!queue) return Fail(NotFound());
    nlohmann::json policy = {{"Version", "2012-10-17"},
                             {"Id", arn + "/SQSDefaultPolicy"},
                             {"Statement", nlohmann::json::array()}};
    if (auto it = queue->attributes.find("Policy"); it != queue->attributes.end()) {
      auto parsed = common::ParseJson(it->second);
      if (parsed.is_object() && parsed.contains("Statement") && parsed["Statement"].is_array()) {
        policy = std::move(parsed);
      }
    }
    for (const auto& statement : policy["Statement"]) {
      if (IsSid(statement, label)) {
        return Fail(InvalidValue("Label", label, "Already exists."));
      }
    }
    nlohmann::json principals = nlohmann::json::array();
    for (const std::string& account : accounts) {
      principals.push_back("arn:aws:iam::" + account + ":root");
    }
    nlohmann::json verbs = nlohmann::json::array();
    for (const std::string& action : actions) verbs.push_back("SQS:" + action);
    policy["Statement"].push_back({{"Sid", label},
                                   {"Effect", "Allow"},
                                   {"Principal", {{"AWS", principals}}},
                                   {"Action", verbs},
                                   {"Resource", arn}});
    queue->attributes["Policy"] = policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    return true;
  });
}

Status SqsService::RemovePermission(const std::string& arn, const std::string& label) {
  return queues_.Update(arn, [&](const auto&, std::optional<Queue>& queue) -> Result<bool> {
    if (!queue) return Fail(NotFound());
    auto it = queue->attributes.find("Policy");
    nlohmann::json policy =
        it == queue->attributes.end() ? nlohmann::json() : common::ParseJson(it->second);
    bool removed = false;
    if (policy.is_object() && policy.contains("Statement") && policy["Statement"].is_array()) {
      auto& statements = policy["Statement"];
      for (auto s = statements.begin(); s != statements.end(); ++s) {
        if (IsSid(*s, label)) {
          statements.erase(s);
          removed = true;
          break;
        }
      }
    }
    if (!removed) {
      return Fail(InvalidValue("Label", label, "can't find label on existing policy."));
    }
    if (policy["Statement"].empty()) {
      queue->attributes.erase("Policy");
    } else {
      queue->attributes["Policy"] = policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    }
    return true;
  });
}

Result<MessageStore::NewMessage> SqsService::Prepare(const common::RequestContext& ctx,
                                                     const Queue& queue, SendEntry& entry) const {
  if (entry.body.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                "The request must contain the parameter MessageBody.");
  }
  if (!IsAllowedText(entry.body)) {
    return Fail(ErrorCode::kSqsInvalidMessageContents,
                "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
                "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
  }
  if (auto status = CheckMessageAttributes(entry.attributes); !status) {
    return Fail(status.error());
  }
  for (const auto& [name, attribute] : entry.system_attributes) {
    if (name != "AWSTraceHeader" || attribute.data_type != "String" || attribute.binary) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Message system attribute name '" + name + "' is invalid.");
    }
  }
  const size_t size = MessageSize(entry.body, entry.attributes);
  if (static_cast<int64_t>(size) > queue.max_message_bytes()) {
    return Fail(ErrorCode::kSqsInvalidParameterValue,
                "One or more parameters are invalid. Reason: Message must be shorter than " +
                    std::to_string(queue.max_message_bytes()) + " bytes.");
  }
  if (entry.delay_s) {
    if (*entry.delay_s < 0 || *entry.delay_s > 900) {
      return Fail(InvalidValue("DelaySeconds", std::to_string(*entry.delay_s),
                               "DelaySeconds must be >= 0 and <= 900."));
    }
    if (queue.fifo() && *entry.delay_s != 0) {
      return Fail(InvalidValue("DelaySeconds", std::to_string(*entry.delay_s),
                               "The request include parameter that is not valid for this queue "
                               "type."));
    }
  }
  MessageStore::NewMessage m;
  if (queue.fifo()) {
    if (!entry.group_id) {
      return Fail(ErrorCode::kSqsMissingParameter,
                  "The request must contain the parameter MessageGroupId.");
    }
    if (auto status = CheckFifoId("MessageGroupId", *entry.group_id); !status) {
      return Fail(status.error());
    }
    if (entry.dedup_id) {
      if (auto status = CheckFifoId("MessageDeduplicationId", *entry.dedup_id); !status) {
        return Fail(status.error());
      }
      m.dedup_id = *entry.dedup_id;
    } else if (queue.content_based_deduplication()) {
      m.dedup_id = common::Sha256Hex(entry.body);
    } else {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The queue should either have ContentBasedDeduplication enabled or "
                  "MessageDeduplicationId provided explicitly");
    }
  } else {
    if (entry.dedup_id) {
      return Fail(InvalidValue("MessageDeduplicationId", *entry.dedup_id,
                               "The request includes a parameter that is not valid for this "
                               "queue type."));
    }
    if (entry.group_id) {  // a fair queue's tenant (standard queues accept a group id)
      if (auto status = CheckFifoId("MessageGroupId", *entry.group_id); !status) {
        return Fail(status.error());
      }
    }
  }
  m.body = entry.body;
  m.attributes = entry.attributes;
  m.system_attributes = entry.system_attributes;
  m.delay_s = entry.delay_s;
  m.group_id = entry.group_id.value_or("");
  m.sender_id = ctx.access_key_id.empty() ? ctx.account : ctx.access_key_id;
  m.trace_id = ctx.trace_id;
  m.span_id = ctx.parent_span;
  return m;
}

SendResult SqsService::ResultOf(const MessageStore::Sent& sent, const SendEntry& entry) {
  SendResult result;
  result.id = sent.id;
  result.md5_body = Md5Hex(entry.body);
  result.md5_attributes = AttributesMd5(entry.attributes);
  result.md5_system_attributes = AttributesMd5(entry.system_attributes);
  result.sequence_number = sent.sequence_number;
  return result;
}

Result<SendResult> SqsService::SendMessage(const common::RequestContext& ctx,
                                           const std::string& arn, SendEntry entry) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  auto prepared = Prepare(ctx, *queue, entry);
  if (!prepared) return Fail(prepared.error());
  std::vector<MessageStore::NewMessage> one;
  one.push_back(std::move(*prepared));
  auto sent = messages_.Send(*queue, std::move(one));
  if (!sent) return Fail(sent.error());
  return ResultOf(sent->front(), entry);
}

Result<SendBatchResult> SqsService::SendMessageBatch(const common::RequestContext& ctx,
                                                     const std::string& arn,
                                                     std::vector<SendEntry> entries) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  if (auto status = CheckBatch(entries, "SendMessageBatchRequestEntry"); !status) {
    return Fail(status.error());
  }
  size_t total = 0;
  for (const SendEntry& entry : entries) total += MessageSize(entry.body, entry.attributes);
  if (total > kMaxBatchBytes) {
    return Fail(ErrorCode::kSqsBatchRequestTooLong,
                "Batch requests cannot be longer than " + std::to_string(kMaxBatchBytes) +
                    " bytes. You have sent " + std::to_string(total) + " bytes.");
  }
  SendBatchResult result;
  std::vector<MessageStore::NewMessage> accepted;
  std::vector<size_t> accepted_index;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto prepared = Prepare(ctx, *queue, entries[i]);
    if (!prepared) {
      result.failed.push_back(ToBatchError(entries[i].id, prepared.error()));
      continue;
    }
    accepted.push_back(std::move(*prepared));
    accepted_index.push_back(i);
  }
  if (!accepted.empty()) {
    auto sent = messages_.Send(*queue, std::move(accepted));
    if (!sent) return Fail(sent.error());
    for (size_t k = 0; k < sent->size(); ++k) {
      const SendEntry& entry = entries[accepted_index[k]];
      result.successful.emplace_back(entry.id, ResultOf((*sent)[k], entry));
    }
  }
  return result;
}

Result<std::vector<ReceivedMessage>> SqsService::ReceiveMessage(const std::string& arn,
                                                                const ReceiveRequest& request) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  MessageStore::ReceiveOptions options;
  if (request.max_messages) {
    if (*request.max_messages < 1 || *request.max_messages > 10) {
      return Fail(InvalidValue("MaxNumberOfMessages", std::to_string(*request.max_messages),
                               "Must be between 1 and 10, if provided."));
    }
    options.max_messages = static_cast<int>(*request.max_messages);
  }
  if (request.visibility_s) {
    if (*request.visibility_s < 0 || *request.visibility_s > 43200) {
      return Fail(InvalidValue("VisibilityTimeout", std::to_string(*request.visibility_s),
                               "Must be >= 0 and <= 43200, if provided."));
    }
    options.visibility_s = *request.visibility_s;
  }
  int64_t wait_s = queue->receive_wait_s();
  if (request.wait_s) {
    if (*request.wait_s < 0 || *request.wait_s > 20) {
      return Fail(InvalidValue("WaitTimeSeconds", std::to_string(*request.wait_s),
                               "Must be >= 0 and <= 20, if provided."));
    }
    wait_s = *request.wait_s;
  }
  bool counted = false;
  if (wait_s > 0 && request.from_client) {
    if (waiting_receives_.fetch_add(1) < kMaxWaitingReceives) {
      counted = true;
    } else {
      waiting_receives_.fetch_sub(1);
      wait_s = 0;  // every slot taken: a short poll
    }
  }
  options.wait_ns = wait_s * kSecond;
  auto received = messages_.Receive(
      *queue, options, [this](const std::string& target) { return queues_.Find(target); });
  if (counted) waiting_receives_.fetch_sub(1);
  std::vector<ReceivedMessage> out;
  out.reserve(received.size());
  for (const auto& r : received) {
    const Message& m = r.message;
    ReceivedMessage one;
    one.id = m.id;
    one.receipt_handle = r.receipt_handle;
    one.body = m.body;
    one.md5_body = Md5Hex(m.body);
    one.trace_id = m.trace_id;
    if (!m.trace_id.empty()) one.span_id = MessageStore::SpanIdOf(m);
    const auto& names = request.attribute_names;
    auto add = [&](std::string_view name, const std::string& value) {
      if (Wants(names, name)) one.attributes.emplace(std::string(name), value);
    };
    add("SenderId", m.sender_id);
    add("SentTimestamp", Millis(m.sent_ns));
    add("ApproximateReceiveCount", std::to_string(m.receive_count));
    add("ApproximateFirstReceiveTimestamp", Millis(m.first_receive_ns));
    if (auto trace = m.system_attributes.find("AWSTraceHeader");
        trace != m.system_attributes.end()) {
      add("AWSTraceHeader", trace->second.value);
    }
    if (!m.group_id.empty()) add("MessageGroupId", m.group_id);
    if (!m.dead_letter_source_arn.empty()) {
      add("DeadLetterQueueSourceArn", m.dead_letter_source_arn);
    }
    if (queue->fifo()) {
      add("MessageDeduplicationId", m.dedup_id);
      add("SequenceNumber", m.sequence_number);
    }
    for (const auto& [name, attribute] : m.attributes) {
      if (WantsMessageAttribute(request.message_attribute_names, name)) {
        one.message_attributes.emplace(name, attribute);
      }
    }
    one.md5_attributes = AttributesMd5(one.message_attributes);
    out.push_back(std::move(one));
  }
  return out;
}

Status SqsService::DeleteMessage(const std::string& arn, const std::string& receipt_handle) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  if (receipt_handle.empty()) {
    return Fail(ErrorCode::kSqsMissingParameter,
                "The request must contain the parameter ReceiptHandle.");
  }
  return messages_.Delete(*queue, receipt_handle);
}

Result<BatchOutcome> SqsService::DeleteMessageBatch(const std::string& arn,
                                                    const std::vector<BatchHandle>& entries) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  if (auto status = CheckBatch(entries, "DeleteMessageBatchRequestEntry"); !status) {
    return Fail(status.error());
  }
  BatchOutcome outcome;
  for (const BatchHandle& entry : entries) {
    if (auto status = messages_.Delete(*queue, entry.receipt_handle); !status) {
      outcome.failed.push_back(ToBatchError(entry.id, status.error()));
    } else {
      outcome.successful.push_back(entry.id);
    }
  }
  return outcome;
}

Status SqsService::ReleaseMessage(const std::string& arn, const std::string& receipt_handle) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  return messages_.Release(*queue, receipt_handle);
}

Status SqsService::ChangeMessageVisibility(const std::string& arn,
                                           const std::string& receipt_handle, int64_t timeout_s) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  if (timeout_s < 0 || timeout_s > 43200) {
    return Fail(InvalidValue("VisibilityTimeout", std::to_string(timeout_s),
                             "Must be between 0 and 43200, if provided."));
  }
  return messages_.ChangeVisibility(*queue, receipt_handle, timeout_s);
}

Result<BatchOutcome> SqsService::ChangeMessageVisibilityBatch(
    const std::string& arn, const std::vector<BatchHandle>& entries) {
  auto queue = Find(arn);
  if (!queue) return Fail(queue.error());
  if (auto status = CheckBatch(entries, "ChangeMessageVisibilityBatchRequestEntry"); !status) {
    return Fail(status.error());
  }
  BatchOutcome outcome;
  for (const BatchHandle& entry : entries) {
    const int64_t timeout = entry.visibility_s.value_or(queue->visibility_timeout_s());
    Status status;
    if (timeout < 0 || timeout > 43200) {
      status = Fail(InvalidValue("VisibilityTimeout", std::to_string(timeout),
                                 "Must be between 0 and 43200, if provided."));
    } else {
      status = messages_.ChangeVisibility(*queue, entry.receipt_handle, timeout);
    }
    if (!status) {
      outcome.failed.push_back(ToBatchError(entry.id, status.error()));
    } else {
      outcome.successful.push_back(entry.id);
    }
  }
  return outcome;
}

}  // namespace offstage::sqs
