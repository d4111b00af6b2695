// SqsCodec: the action table, the input readers, queue URLs and the two renderers
// (sqs_codec.h).
#include "emulator/protocol/sqs_codec.h"

#include <array>
#include <charconv>
#include <functional>

#include "emulator/common/strings.h"
#include "emulator/protocol/sqs_query.h"
#include "emulator/protocol/xml_writer.h"

namespace offstage::protocol {
namespace {

using common::ErrorCode;
using common::Fail;
using common::Result;
using common::Status;
using nlohmann::json;

constexpr std::string_view kXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";

common::ApiError Missing(std::string_view name) {
  return {ErrorCode::kSqsMissingParameter,
          "The request must contain the parameter " + std::string(name) + "."};
}

common::ApiError Invalid(std::string_view name, const std::string& value, std::string_view why) {
  return {ErrorCode::kSqsInvalidParameterValue, "Value " + common::ShortenUtf8(value, 256) +
                                                    " for parameter " + std::string(name) +
                                                    " is invalid. Reason: " + std::string(why)};
}

// Absent, null, or (awsQuery's spelling of an empty list: "Entries=") an empty string.
bool IsEmptyValue(const json& doc, json::const_iterator it) {
  return it == doc.end() || it->is_null() ||
         (it->is_string() && it->get_ref<const std::string&>().empty());
}

// The request's input, read as the JSON protocol shapes it (an awsQuery form was converted).
class Input {
 public:
  Input(const json& doc, const common::RequestContext& ctx, const SqsCall& call)
      : doc_(doc), ctx_(ctx), call_(call) {}

  const common::RequestContext& ctx() const { return ctx_; }

  Result<std::optional<std::string>> String(std::string_view name, const json& from) const {
    auto it = from.find(name);
    if (it == from.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number() || it->is_boolean())
      return it->dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    return Fail(
        Invalid(name, it->dump(-1, ' ', false, common::kReplaceInvalidUtf8), "Must be a string."));
  }
  Result<std::optional<std::string>> String(std::string_view name) const {
    return String(name, doc_);
  }
  Result<std::string> Required(std::string_view name, const json& from) const {
    auto value = String(name, from);
    if (!value) return Fail(value.error());
    if (!*value) return Fail(Missing(name));
    return **value;
  }
  Result<std::string> Required(std::string_view name) const { return Required(name, doc_); }
  Result<std::optional<int64_t>> Int(std::string_view name, const json& from) const {
    auto it = from.find(name);
    if (it == from.end() || it->is_null()) return std::nullopt;
    if (it->is_number_integer()) return it->get<int64_t>();
    if (it->is_string()) {
      const std::string& text = it->get_ref<const std::string&>();
      int64_t value = 0;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (ec == std::errc() && ptr == end && !text.empty()) return value;
    }
    return Fail(Invalid(name,
                        it->is_string() ? it->get<std::string>()
                                        : it->dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                        "Must be an integer."));
  }
  Result<std::optional<int64_t>> Int(std::string_view name) const { return Int(name, doc_); }
  Result<std::map<std::string, std::string>> StringMap(std::string_view name) const {
    std::map<std::string, std::string> out;
    auto it = doc_.find(name);
    if (IsEmptyValue(doc_, it)) return out;
    if (!it->is_object())
      return Fail(
          Invalid(name, it->dump(-1, ' ', false, common::kReplaceInvalidUtf8), "Must be a map."));
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string())
        return Fail(Invalid(name, value.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                            "Must be a string."));
      out[key] = value.get<std::string>();
    }
    return out;
  }
  Result<std::vector<std::string>> StringList(std::string_view name) const {
    std::vector<std::string> out;
    auto it = doc_.find(name);
    if (IsEmptyValue(doc_, it)) return out;
    if (!it->is_array())
      return Fail(
          Invalid(name, it->dump(-1, ' ', false, common::kReplaceInvalidUtf8), "Must be a list."));
    for (const auto& value : *it) {
      if (!value.is_string())
        return Fail(Invalid(name, value.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                            "Must be a string."));
      out.push_back(value.get<std::string>());
    }
    return out;
  }
  Result<sqs::MessageAttributes> Attributes(std::string_view name, const json& from) const {
    sqs::MessageAttributes out;
    auto it = from.find(name);
    if (IsEmptyValue(from, it)) return out;
    if (!it->is_object())
      return Fail(
          Invalid(name, it->dump(-1, ' ', false, common::kReplaceInvalidUtf8), "Must be a map."));
    for (const auto& [key, value] : it->items()) {
      if (!value.is_object())
        return Fail(Invalid(name, value.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                            "Must be a structure."));
      sqs::MessageAttribute attribute;
      if (auto type = value.find("DataType"); type != value.end()) {
        if (!type->is_string()) {
          return Fail(Invalid(name, type->dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                              "DataType must be a string."));
        }
        attribute.data_type = type->get<std::string>();
      }
      auto binary = value.find("BinaryValue");
      auto text = value.find("StringValue");
      if (binary != value.end() && binary->is_string()) {
        auto bytes = common::Base64Decode(binary->get<std::string>());
        if (!bytes) {
          return Fail(ErrorCode::kSqsInvalidParameterValue,
                      "The message attribute '" + key + "' has a BinaryValue that is not base64.");
        }
        attribute.value = std::move(*bytes);
        attribute.binary = true;
      } else if (text != value.end() && text->is_string()) {
        attribute.value = text->get<std::string>();
      }
      out.emplace(key, std::move(attribute));
    }
    return out;
  }

  // The queue the request names: QueueUrl, or the URL the form was posted to.
  Result<std::string> QueueArn() const {
    auto given = String("QueueUrl");
    if (!given) return Fail(given.error());
    std::string url = given->value_or("");
    if (url.empty() && call_.path.size() > 1) url = call_.path;
    if (url.empty()) return Fail(Missing("QueueUrl"));
    auto arn = sqs::QueueArnOfUrl(url, ctx_.region);
    if (!arn) return Fail(NotFound());
    return std::move(*arn);
  }

  std::string UrlOf(const sqs::Queue& queue) const {
    const std::string host = call_.host.empty() ? "localhost:4566" : call_.host;
    return "http://" + host + "/" + queue.account + "/" + queue.name;
  }

  static common::ApiError NotFound() {
    return {ErrorCode::kSqsQueueDoesNotExist, "The specified queue does not exist."};
  }

  const json& doc() const { return doc_; }

 private:
  const json& doc_;
  const common::RequestContext& ctx_;
  const SqsCall& call_;
};

using Handler = Status (*)(sqs::SqsService&, const Input&, json&);

#define TRY(var, expr) \
  auto var = (expr);   \
  if (!var) return Fail(std::move(var).error())

Status CreateQueue(sqs::SqsService& s, const Input& in, json& out) {
  TRY(name, in.Required("QueueName"));
  TRY(attributes, in.StringMap("Attributes"));
  TRY(tags, in.StringMap("tags"));
  TRY(queue, s.CreateQueue(in.ctx(), *name, *attributes, *tags));
  out["QueueUrl"] = in.UrlOf(*queue);
  return {};
}

Status GetQueueUrl(sqs::SqsService& s, const Input& in, json& out) {
  TRY(name, in.Required("QueueName"));
  TRY(owner, in.String("QueueOwnerAWSAccountId"));
  const std::string account = owner->value_or(in.ctx().account);
  TRY(queue, s.Find(sqs::QueueArn(in.ctx().region, account, *name)));
  out["QueueUrl"] = in.UrlOf(*queue);
  return {};
}

Status DeleteQueue(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  return s.DeleteQueue(*arn);
}

Status ListQueues(sqs::SqsService& s, const Input& in, json& out) {
  TRY(prefix, in.String("QueueNamePrefix"));
  TRY(max, in.Int("MaxResults"));
  TRY(token, in.String("NextToken"));
  if (*max && (**max < 1 || **max > 1000)) {
    return Fail(Invalid("MaxResults", std::to_string(**max), "Must be between 1 and 1000."));
  }
  const auto queues = s.ListQueues(in.ctx().region, in.ctx().account, prefix->value_or(""));
  // The token is the last name answered (names sort).
  const std::string after = token->has_value() ? common::Base64Decode(**token).value_or("") : "";
  const size_t limit = max->value_or(1000);
  json urls = json::array();
  std::string last;
  bool more = false;
  for (const auto& queue : queues) {
    if (!after.empty() && queue.name <= after) continue;
    if (urls.size() == limit) {
      more = true;
      break;
    }
    urls.push_back(in.UrlOf(queue));
    last = queue.name;
  }
  if (!urls.empty()) out["QueueUrls"] = std::move(urls);
  if (more && max->has_value()) out["NextToken"] = common::Base64Encode(last);
  return {};
}

Status GetQueueAttributes(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  TRY(names, in.StringList("AttributeNames"));
  TRY(attributes, s.GetQueueAttributes(*arn, *names));
  if (!attributes->empty()) out["Attributes"] = *attributes;
  return {};
}

Status SetQueueAttributes(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  TRY(attributes, in.StringMap("Attributes"));
  if (attributes->empty()) return Fail(Missing("Attributes"));
  return s.SetQueueAttributes(*arn, *attributes);
}

Status PurgeQueue(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  return s.PurgeQueue(*arn);
}

Status TagQueue(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  // awsQuery's Tag.N.Key/Value arrive as "tags" (CreateQueue's name); JSON says "Tags".
  TRY(tags, in.StringMap(in.doc().contains("Tags") ? "Tags" : "tags"));
  if (tags->empty()) return Fail(Missing("Tags"));
  return s.TagQueue(*arn, *tags);
}

Status UntagQueue(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  TRY(keys, in.StringList("TagKeys"));
  if (keys->empty()) return Fail(Missing("TagKeys"));
  return s.UntagQueue(*arn, *keys);
}

Status ListQueueTags(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  TRY(tags, s.ListQueueTags(*arn));
  if (!tags->empty()) out["Tags"] = *tags;
  return {};
}

Status ListDeadLetterSourceQueues(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  TRY(sources, s.ListDeadLetterSourceQueues(*arn));
  json urls = json::array();
  for (const auto& queue : *sources) urls.push_back(in.UrlOf(queue));
  out["queueUrls"] = std::move(urls);
  return {};
}

Status AddPermission(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  TRY(label, in.Required("Label"));
  TRY(accounts, in.StringList("AWSAccountIds"));
  TRY(actions, in.StringList("Actions"));
  return s.AddPermission(*arn, *label, *accounts, *actions);
}

Status RemovePermission(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  TRY(label, in.Required("Label"));
  return s.RemovePermission(*arn, *label);
}

Result<sqs::SendEntry> ReadSendEntry(const Input& in, const json& from) {
  sqs::SendEntry entry;
  TRY(id, in.String("Id", from));
  entry.id = id->value_or("");
  TRY(body, in.String("MessageBody", from));
  entry.body = body->value_or("");
  TRY(delay, in.Int("DelaySeconds", from));
  entry.delay_s = *delay;
  TRY(attributes, in.Attributes("MessageAttributes", from));
  entry.attributes = std::move(*attributes);
  TRY(system, in.Attributes("MessageSystemAttributes", from));
  entry.system_attributes = std::move(*system);
  TRY(group, in.String("MessageGroupId", from));
  entry.group_id = *group;
  TRY(dedup, in.String("MessageDeduplicationId", from));
  entry.dedup_id = *dedup;
  return entry;
}

void PutSendResult(const sqs::SendResult& result, json& out) {
  out["MessageId"] = result.id;
  out["MD5OfMessageBody"] = result.md5_body;
  if (!result.md5_attributes.empty()) out["MD5OfMessageAttributes"] = result.md5_attributes;
  if (!result.md5_system_attributes.empty()) {
    out["MD5OfMessageSystemAttributes"] = result.md5_system_attributes;
  }
  if (!result.sequence_number.empty()) out["SequenceNumber"] = result.sequence_number;
}

json FailedJson(const std::vector<sqs::BatchError>& failed) {
  json out = json::array();
  for (const auto& f : failed) {
    out.push_back(
        {{"Id", f.id}, {"SenderFault", f.sender_fault}, {"Code", f.code}, {"Message", f.message}});
  }
  return out;
}

Status SendMessage(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  if (!in.doc().contains("MessageBody")) return Fail(Missing("MessageBody"));
  TRY(entry, ReadSendEntry(in, in.doc()));
  TRY(result, s.SendMessage(in.ctx(), *arn, std::move(*entry)));
  PutSendResult(*result, out);
  return {};
}

Result<const json*> Entries(const Input& in) {
  auto it = in.doc().find("Entries");
  if (IsEmptyValue(in.doc(), it)) {
    static const json kEmpty = json::array();
    return &kEmpty;
  }
  if (!it->is_array())
    return Fail(Invalid("Entries", it->dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                        "Must be a list."));
  for (const auto& entry : *it) {
    if (!entry.is_object())
      return Fail(Invalid("Entries", entry.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                          "Must be a structure."));
  }
  return &*it;
}

Status SendMessageBatch(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  TRY(list, Entries(in));
  std::vector<sqs::SendEntry> entries;
  for (const auto& item : **list) {
    TRY(entry, ReadSendEntry(in, item));
    entries.push_back(std::move(*entry));
  }
  TRY(result, s.SendMessageBatch(in.ctx(), *arn, std::move(entries)));
  json successful = json::array();
  for (const auto& [id, sent] : result->successful) {
    json one = {{"Id", id}};
    PutSendResult(sent, one);
    successful.push_back(std::move(one));
  }
  out["Successful"] = std::move(successful);
  out["Failed"] = FailedJson(result->failed);
  return {};
}

Status ReceiveMessage(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  sqs::ReceiveRequest request;
  TRY(max, in.Int("MaxNumberOfMessages"));
  request.max_messages = *max;
  TRY(visibility, in.Int("VisibilityTimeout"));
  request.visibility_s = *visibility;
  TRY(wait, in.Int("WaitTimeSeconds"));
  request.wait_s = *wait;
  TRY(names, in.StringList("AttributeNames"));
  TRY(system_names, in.StringList("MessageSystemAttributeNames"));
  request.attribute_names = std::move(*names);
  for (auto& name : *system_names) request.attribute_names.push_back(std::move(name));
  TRY(message_names, in.StringList("MessageAttributeNames"));
  request.message_attribute_names = std::move(*message_names);
  TRY(received, s.ReceiveMessage(*arn, request));
  if (received->empty()) return {};
  json messages = json::array();
  for (const auto& m : *received) {
    json one = {{"MessageId", m.id},
                {"ReceiptHandle", m.receipt_handle},
                {"MD5OfBody", m.md5_body},
                {"Body", m.body}};
    if (!m.attributes.empty()) one["Attributes"] = m.attributes;
    if (!m.message_attributes.empty()) {
      json attributes = json::object();
      for (const auto& [name, attribute] : m.message_attributes) {
        json value = {{"DataType", attribute.data_type}};
        if (attribute.binary) {
          value["BinaryValue"] = common::Base64Encode(attribute.value);
        } else {
          value["StringValue"] = attribute.value;
        }
        attributes[name] = std::move(value);
      }
      one["MD5OfMessageAttributes"] = m.md5_attributes;
      one["MessageAttributes"] = std::move(attributes);
    }
    messages.push_back(std::move(one));
  }
  out["Messages"] = std::move(messages);
  return {};
}

Status DeleteMessage(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  TRY(handle, in.Required("ReceiptHandle"));
  return s.DeleteMessage(*arn, *handle);
}

Result<std::vector<sqs::BatchHandle>> ReadHandles(const Input& in, bool visibility) {
  TRY(list, Entries(in));
  std::vector<sqs::BatchHandle> out;
  for (const auto& item : **list) {
    sqs::BatchHandle handle;
    TRY(id, in.String("Id", item));
    handle.id = id->value_or("");
    TRY(receipt, in.Required("ReceiptHandle", item));
    handle.receipt_handle = *receipt;
    if (visibility) {
      TRY(timeout, in.Int("VisibilityTimeout", item));
      handle.visibility_s = *timeout;
    }
    out.push_back(std::move(handle));
  }
  return out;
}

json SuccessfulJson(const std::vector<std::string>& ids) {
  json out = json::array();
  for (const auto& id : ids) out.push_back({{"Id", id}});
  return out;
}

Status DeleteMessageBatch(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  TRY(handles, ReadHandles(in, false));
  TRY(outcome, s.DeleteMessageBatch(*arn, *handles));
  out["Successful"] = SuccessfulJson(outcome->successful);
  out["Failed"] = FailedJson(outcome->failed);
  return {};
}

Status ChangeMessageVisibility(sqs::SqsService& s, const Input& in, json&) {
  TRY(arn, in.QueueArn());
  TRY(handle, in.Required("ReceiptHandle"));
  TRY(timeout, in.Int("VisibilityTimeout"));
  if (!*timeout) return Fail(Missing("VisibilityTimeout"));
  return s.ChangeMessageVisibility(*arn, *handle, **timeout);
}

Status ChangeMessageVisibilityBatch(sqs::SqsService& s, const Input& in, json& out) {
  TRY(arn, in.QueueArn());
  TRY(handles, ReadHandles(in, true));
  TRY(outcome, s.ChangeMessageVisibilityBatch(*arn, *handles));
  out["Successful"] = SuccessfulJson(outcome->successful);
  out["Failed"] = FailedJson(outcome->failed);
  return {};
}

Status StartMessageMoveTask(sqs::SqsService& s, const Input& in, json& out) {
  TRY(source, in.String("SourceArn"));
  TRY(destination, in.String("DestinationArn"));
  TRY(rate, in.Int("MaxNumberOfMessagesPerSecond"));
  TRY(handle, s.StartMessageMoveTask(source->value_or(""), destination->value_or(""), *rate));
  out["TaskHandle"] = *handle;
  return {};
}

Status ListMessageMoveTasks(sqs::SqsService& s, const Input& in, json& out) {
  TRY(source, in.String("SourceArn"));
  TRY(max, in.Int("MaxResults"));
  TRY(tasks, s.ListMessageMoveTasks(source->value_or(""), *max));
  json results = json::array();
  for (const sqs::MoveTask& task : *tasks) {
    json entry = {{"Status", task.status},
                  {"SourceArn", task.source_arn},
                  {"ApproximateNumberOfMessagesMoved", task.moved},
                  {"ApproximateNumberOfMessagesToMove", task.to_move},
                  {"StartedTimestamp", task.started_ms}};
    // AWS: the handle only while the task runs; the destination and rate only when given.
    if (task.status == "RUNNING") entry["TaskHandle"] = task.handle;
    if (!task.destination_arn.empty()) entry["DestinationArn"] = task.destination_arn;
    if (task.max_per_second) entry["MaxNumberOfMessagesPerSecond"] = *task.max_per_second;
    if (task.status == "FAILED") entry["FailureReason"] = task.failure_reason;
    results.push_back(std::move(entry));
  }
  out["Results"] = std::move(results);
  return {};
}

Status CancelMessageMoveTask(sqs::SqsService& s, const Input& in, json& out) {
  TRY(handle, in.String("TaskHandle"));
  TRY(moved, s.CancelMessageMoveTask(handle->value_or("")));
  out["ApproximateNumberOfMessagesMoved"] = *moved;
  return {};
}

#undef TRY

struct Action {
  std::string_view name;
  Handler handler;
};

// One row per action.
constexpr std::array kActions = {
    Action{"CreateQueue", CreateQueue},
    Action{"GetQueueUrl", GetQueueUrl},
    Action{"DeleteQueue", DeleteQueue},
    Action{"ListQueues", ListQueues},
    Action{"GetQueueAttributes", GetQueueAttributes},
    Action{"SetQueueAttributes", SetQueueAttributes},
    Action{"PurgeQueue", PurgeQueue},
    Action{"TagQueue", TagQueue},
    Action{"UntagQueue", UntagQueue},
    Action{"ListQueueTags", ListQueueTags},
    Action{"ListDeadLetterSourceQueues", ListDeadLetterSourceQueues},
    Action{"AddPermission", AddPermission},
    Action{"RemovePermission", RemovePermission},
    Action{"SendMessage", SendMessage},
    Action{"SendMessageBatch", SendMessageBatch},
    Action{"ReceiveMessage", ReceiveMessage},
    Action{"DeleteMessage", DeleteMessage},
    Action{"DeleteMessageBatch", DeleteMessageBatch},
    Action{"ChangeMessageVisibility", ChangeMessageVisibility},
    Action{"ChangeMessageVisibilityBatch", ChangeMessageVisibilityBatch},
    Action{"StartMessageMoveTask", StartMessageMoveTask},
    Action{"ListMessageMoveTasks", ListMessageMoveTasks},
    Action{"CancelMessageMoveTask", CancelMessageMoveTask},
};

const Action* FindAction(std::string_view name) {
  for (const Action& action : kActions) {
    if (action.name == name) return &action;
  }
  return nullptr;
}

}  // namespace

bool SqsCodec::IsAction(std::string_view action) { return FindAction(action) != nullptr; }

HttpResponse SqsCodec::Handle(const common::RequestContext& ctx, const SqsCall& call) const {
  const Action* action = FindAction(call.action);
  if (!action) {
    return RenderError(
        {ErrorCode::kSqsInvalidAction, "The action " + common::ShortenUtf8(call.action, 128) +
                                           " is not valid for this web service."},
        call.wire, ctx.request_id);
  }
  if (!call.input.is_object()) {
    return RenderError(
        {ErrorCode::kSqsInvalidParameterValue, "The request body is not a JSON object."}, call.wire,
        ctx.request_id);
  }
  json out = json::object();
  const Input input(call.input, ctx, call);
  if (Status status = action->handler(service_, input, out); !status) {
    return RenderError(status.error(), call.wire, ctx.request_id);
  }
  if (call.wire == SqsWire::kJson) {
    return HttpResponse{200, "application/x-amz-json-1.0",
                        out.dump(-1, ' ', false, common::kReplaceInvalidUtf8)};
  }
  std::string body = "<?xml version=\"1.0\"?>\n<";
  body += action->name;
  body += "Response xmlns=\"";
  body += kXmlns;
  body += "\">";
  const std::string result = SqsQueryResultXml(action->name, out);
  const std::string element = std::string(action->name) + "Result";
  if (!out.empty() || action->name == "ListQueues" || action->name == "ReceiveMessage" ||
      action->name == "GetQueueAttributes" || action->name == "ListQueueTags") {
    body += "<" + element + ">" + result + "</" + element + ">";
  }
  body += "<ResponseMetadata><RequestId>" + ctx.request_id + "</RequestId></ResponseMetadata></";
  body += action->name;
  body += "Response>\n";
  return HttpResponse{200, "text/xml", std::move(body)};
}

HttpResponse SqsCodec::RenderError(const common::ApiError& error, SqsWire wire,
                                   const std::string& request_id) {
  const auto& info = error.info();
  const std::string_view fault = info.fault == common::Fault::kSender ? "Sender" : "Receiver";
  if (wire == SqsWire::kJson) {
    const std::string_view type = info.json_type.empty() ? info.aws_code : info.json_type;
    json body = {{"__type", "com.amazonaws.sqs#" + std::string(type)}, {"message", error.message}};
    return HttpResponse{
        info.http_status,
        "application/x-amz-json-1.0",
        body.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
        {{"x-amzn-query-error", std::string(info.aws_code) + ";" + std::string(fault)}}};
  }
  std::string body = "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"";
  body += kXmlns;
  body += "\"><Error><Type>";
  body += fault;
  body += "</Type><Code>";
  body += info.aws_code;
  body += "</Code><Message>";
  AppendEscaped(body, error.message);
  body += "</Message><Detail/></Error><RequestId>";
  body += request_id;
  body += "</RequestId></ErrorResponse>\n";
  return HttpResponse{info.http_status, "text/xml", std::move(body)};
}

}  // namespace offstage::protocol
