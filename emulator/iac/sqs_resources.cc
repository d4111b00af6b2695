// SQS's resource types (resource_types.h): AWS::SQS::Queue and AWS::SQS::QueuePolicy, made
// through SQS's JSON API. A queue's Ref is its URL (the daemon's address), its attributes Arn,
// QueueName and QueueUrl.
#include <algorithm>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/iac/resource_types.h"

namespace offstage::iac {
namespace {

using nlohmann::json;
using resource::Text;

bool IsFifo(const json& props) { return Text(props, "FifoQueue").value_or("false") == "true"; }

// The queue's settable attributes as SQS names them, from its properties (RedrivePolicy and
// RedriveAllowPolicy are objects in a template, JSON text in the API).
std::map<std::string, std::string> QueueAttributes(const json& props) {
  std::map<std::string, std::string> out;
  for (const char* key :
       {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit", "DelaySeconds",
        "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"}) {
    if (auto v = Text(props, key)) out[key] = *v;
  }
  return out;
}

// What an attribute left out of the properties is set back to (empty: removed).
std::string QueueDefault(const std::string& name) {
  if (name == "DelaySeconds" || name == "ReceiveMessageWaitTimeSeconds") return "0";
  if (name == "MaximumMessageSize") return "262144";
  if (name == "MessageRetentionPeriod") return "345600";
  if (name == "VisibilityTimeout") return "30";
  if (name == "ContentBasedDeduplication") return "false";
  if (name == "DeduplicationScope") return "queue";
  if (name == "FifoThroughputLimit") return "perQueue";
  if (name == "KmsDataKeyReusePeriodSeconds") return "300";
  if (name == "SqsManagedSseEnabled") return "true";
  return "";
}

std::string ArnOf(const std::string& url, const ResourceContext& ctx) {
  return "arn:aws:sqs:" + ctx.region + ":" + ctx.account + ":" + url.substr(url.rfind('/') + 1);
}

Current QueueValues(const ResourceContext& ctx, const std::string& url, const json& props) {
  Current c;
  c.physical_id = url;
  c.values.ref = url;
  c.values.attributes = {
      {"Arn", ArnOf(url, ctx)}, {"QueueName", url.substr(url.rfind('/') + 1)}, {"QueueUrl", url}};
  c.properties = props;
  return c;
}

common::Result<Current> CreateQueue(const ResourceContext& ctx, const json& props) {
  std::string name = Text(props, "QueueName").value_or("");
  if (name.empty()) {
    name = resource::GeneratedName(ctx, 80, IsFifo(props) ? ".fifo" : "");
  } else if (ctx.api.Sqs("GetQueueUrl", {{"QueueName", name}})) {
    // CreateQueue answers an existing queue of that name (with the same attributes) as if it
    // made it; a stack must not take over a queue it did not make, so, as CloudFormation,
    // refuse.
    return common::Fail(common::ApiError{
        common::ErrorCode::kValidationError,
        "Resource of type 'AWS::SQS::Queue' with identifier '" + name + "' already exists."});
  }
  json input = {{"QueueName", name}};
  json attributes = json::object();
  for (const auto& [key, value] : QueueAttributes(props)) attributes[key] = value;
  if (IsFifo(props)) attributes["FifoQueue"] = "true";
  if (!attributes.empty()) input["Attributes"] = attributes;
  const auto tags = resource::Tags(props);
  if (!tags.empty()) input["tags"] = tags;
  auto out = ctx.api.Sqs("CreateQueue", input);
  if (!out) return common::Fail(out.error());
  return QueueValues(ctx, out->value("QueueUrl", ""), props);
}

common::Result<std::optional<Current>> UpdateQueue(const ResourceContext& ctx, const Current& old,
                                                   const json& props) {
  if (Text(old.properties, "QueueName") != Text(props, "QueueName") ||
      IsFifo(old.properties) != IsFifo(props)) {
    return std::nullopt;
  }
  const std::string& url = old.physical_id;
  const auto changed = resource::AttributeChanges(QueueAttributes(old.properties),
                                                  QueueAttributes(props), QueueDefault);
  if (!changed.empty()) {
    auto r = ctx.api.Sqs("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", changed}});
    if (!r) return common::Fail(r.error());
  }
  const auto tags_before = resource::Tags(old.properties);
  const auto tags_after = resource::Tags(props);
  json removed = json::array();
  for (const auto& [key, value] : tags_before) {
    if (!tags_after.contains(key)) removed.push_back(key);
  }
  if (!removed.empty()) {
    auto r = ctx.api.Sqs("UntagQueue", {{"QueueUrl", url}, {"TagKeys", removed}});
    if (!r) return common::Fail(r.error());
  }
  if (!tags_after.empty() && tags_after != tags_before) {
    auto r = ctx.api.Sqs("TagQueue", {{"QueueUrl", url}, {"Tags", tags_after}});
    if (!r) return common::Fail(r.error());
  }
  return QueueValues(ctx, url, props);
}

common::Status DeleteQueue(const ResourceContext& ctx, const Current& current) {
  auto r = ctx.api.Sqs("DeleteQueue", {{"QueueUrl", current.physical_id}});
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

// A QueuePolicy sets the Policy of each of its Queues (URLs); removing it removes theirs.
common::Status SetPolicies(const ResourceContext& ctx, const json& queues,
                           const std::string& policy) {
  if (!queues.is_array()) return {};
  for (const auto& url : queues) {
    if (!url.is_string()) continue;
    auto r = ctx.api.Sqs("SetQueueAttributes",
                         {{"QueueUrl", url}, {"Attributes", {{"Policy", policy}}}});
    if (!r && !(policy.empty() && resource::Gone(r.error()))) return common::Fail(r.error());
  }
  return {};
}

common::Result<Current> CreateQueuePolicy(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"Queues", "PolicyDocument"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  if (auto s = SetPolicies(ctx, props["Queues"], Text(props, "PolicyDocument").value_or("")); !s) {
    return common::Fail(s.error());
  }
  return resource::Generated(ctx, props);
}

common::Result<std::optional<Current>> UpdateQueuePolicy(const ResourceContext& ctx,
                                                         const Current& old, const json& props) {
  json left = json::array();
  const json wanted = props.value("Queues", json::array());
  for (const auto& url : old.properties.value("Queues", json::array())) {
    if (std::find(wanted.begin(), wanted.end(), url) == wanted.end()) left.push_back(url);
  }
  if (auto s = SetPolicies(ctx, left, ""); !s) return common::Fail(s.error());
  if (auto s = SetPolicies(ctx, wanted, Text(props, "PolicyDocument").value_or("")); !s) {
    return common::Fail(s.error());
  }
  Current c = old;
  c.properties = props;
  return c;
}

common::Status DeleteQueuePolicy(const ResourceContext& ctx, const Current& current) {
  return SetPolicies(ctx, current.properties.value("Queues", json::array()), "");
}

}  // namespace

std::vector<ResourceType> SqsResourceTypes() {
  return {
      {"AWS::SQS::Queue",
       Support::kEmulated,
       "",
       {"QueueName", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
        "FifoThroughputLimit", "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy",
        "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "Tags"},
       {"Arn", "QueueName", "QueueUrl"},
       CreateQueue,
       UpdateQueue,
       DeleteQueue},
      {"AWS::SQS::QueuePolicy",
       Support::kEmulated,
       "",
       {"Queues", "PolicyDocument"},
       {"Id"},
       CreateQueuePolicy,
       UpdateQueuePolicy,
       DeleteQueuePolicy},
  };
}

}  // namespace offstage::iac
