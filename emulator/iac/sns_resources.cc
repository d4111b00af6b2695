// SNS's resource types (resource_types.h): AWS::SNS::Topic (with its inline Subscription
// list), AWS::SNS::Subscription, AWS::SNS::TopicPolicy and AWS::SNS::TopicInlinePolicy, made
// through SNS's awsQuery API.
#include <set>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/iac/resource_types.h"

namespace offstage::iac {
namespace {

using nlohmann::json;
using resource::Text;

common::Result<std::string> Call(const ResourceContext& ctx, FormParams params) {
  return ctx.api.Sns(params);
}

void AddAttributes(FormParams& params, const std::map<std::string, std::string>& attributes) {
  int n = 0;
  for (const auto& [key, value] : attributes) {
    ++n;
    params.emplace_back("Attributes.entry." + std::to_string(n) + ".key", key);
    params.emplace_back("Attributes.entry." + std::to_string(n) + ".value", value);
  }
}

// A topic's settable attributes as SNS names them, from its properties.
std::map<std::string, std::string> TopicAttributes(const json& props) {
  std::map<std::string, std::string> out;
  for (const char* key : {"DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig",
                          "ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy"}) {
    if (auto v = Text(props, key)) out[key] = *v;
  }
  // DeliveryStatusLogging: [{Protocol, SuccessFeedbackRoleArn, ...}] as <Protocol>... names.
  if (auto it = props.find("DeliveryStatusLogging"); it != props.end() && it->is_array()) {
    static const std::map<std::string, std::string> kPrefix = {{"lambda", "Lambda"},
                                                               {"http/s", "HTTP"},
                                                               {"sqs", "SQS"},
                                                               {"application", "Application"},
                                                               {"firehose", "Firehose"}};
    for (const auto& entry : *it) {
      auto protocol = Text(entry, "Protocol");
      if (!protocol || !kPrefix.contains(*protocol)) continue;
      const std::string& prefix = kPrefix.at(*protocol);
      for (const char* key :
           {"SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate"}) {
        if (auto v = Text(entry, key)) out[prefix + key] = *v;
      }
    }
  }
  return out;
}

// What an attribute left out of the properties is set back to.
std::string TopicDefault(const std::string& name) {
  if (name == "ContentBasedDeduplication") return "false";
  if (name == "FifoThroughputScope") return "Topic";
  if (name == "SignatureVersion") return "1";
  if (name == "TracingConfig") return "PassThrough";
  return "";
}

bool IsFifo(const json& props) { return Text(props, "FifoTopic").value_or("false") == "true"; }

common::Status TagChanges(const ResourceContext& ctx, const std::string& arn,
                          const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after) {
  FormParams untag = {{"Action", "UntagResource"}, {"ResourceArn", arn}};
  int n = 0;
  for (const auto& [key, value] : before) {
    if (!after.contains(key)) untag.emplace_back("TagKeys.member." + std::to_string(++n), key);
  }
  if (n > 0) {
    if (auto r = Call(ctx, untag); !r) return common::Fail(r.error());
  }
  FormParams tag = {{"Action", "TagResource"}, {"ResourceArn", arn}};
  n = 0;
  for (const auto& [key, value] : after) {
    auto it = before.find(key);
    if (it != before.end() && it->second == value) continue;
    ++n;
    tag.emplace_back("Tags.member." + std::to_string(n) + ".Key", key);
    tag.emplace_back("Tags.member." + std::to_string(n) + ".Value", value);
  }
  if (n > 0) {
    if (auto r = Call(ctx, tag); !r) return common::Fail(r.error());
  }
  return {};
}

// The inline Subscription list: subscribe what is new, unsubscribe what left.
common::Result<json> SyncInline(const ResourceContext& ctx, const std::string& topic_arn,
                                const json& before, const json& wanted) {
  json now = json::array();
  std::set<std::string> kept;
  if (wanted.is_array()) {
    for (const auto& sub : wanted) {
      const std::string protocol = Text(sub, "Protocol").value_or("");
      const std::string endpoint = Text(sub, "Endpoint").value_or("");
      const std::string key = protocol + " " + endpoint;
      if (kept.contains(key)) continue;
      std::string arn;
      for (const auto& old : before) {
        if (old.value("key", "") == key) arn = old.value("arn", "");
      }
      if (arn.empty()) {
        auto xml = Call(ctx, {{"Action", "Subscribe"},
                              {"TopicArn", topic_arn},
                              {"Protocol", protocol},
                              {"Endpoint", endpoint},
                              {"ReturnSubscriptionArn", "true"}});
        if (!xml) return common::Fail(xml.error());
        arn = XmlText(*xml, "SubscriptionArn");
      }
      kept.insert(key);
      now.push_back({{"key", key}, {"arn", arn}});
    }
  }
  for (const auto& old : before) {
    if (kept.contains(old.value("key", ""))) continue;
    auto r = Call(ctx, {{"Action", "Unsubscribe"}, {"SubscriptionArn", old.value("arn", "")}});
    if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  }
  return now;
}

Current TopicValues(const std::string& arn, const json& props, json state) {
  Current c;
  c.physical_id = arn;
  c.values.ref = arn;
  c.values.attributes = {{"TopicArn", arn}, {"TopicName", arn.substr(arn.rfind(':') + 1)}};
  c.properties = props;
  c.state = std::move(state);
  return c;
}

common::Result<Current> CreateTopic(const ResourceContext& ctx, const json& props) {
  std::string name = Text(props, "TopicName").value_or("");
  if (name.empty()) {
    name = resource::GeneratedName(ctx, 256, IsFifo(props) ? ".fifo" : "");
  } else {
    // SNS's CreateTopic answers an existing topic of that name as if it made it; a stack must
    // not take over (and later delete) a topic it did not make, so, as CloudFormation, refuse.
    const std::string arn = "arn:aws:sns:" + ctx.region + ":" + ctx.account + ":" + name;
    if (Call(ctx, {{"Action", "GetTopicAttributes"}, {"TopicArn", arn}})) {
      return common::Fail(common::ApiError{
          common::ErrorCode::kValidationError,
          "Resource of type 'AWS::SNS::Topic' with identifier '" + name + "' already exists."});
    }
  }
  FormParams params = {{"Action", "CreateTopic"}, {"Name", name}};
  auto attributes = TopicAttributes(props);
  if (IsFifo(props)) attributes["FifoTopic"] = "true";
  AddAttributes(params, attributes);
  int n = 0;
  for (const auto& [key, value] : resource::Tags(props)) {
    ++n;
    params.emplace_back("Tags.member." + std::to_string(n) + ".Key", key);
    params.emplace_back("Tags.member." + std::to_string(n) + ".Value", value);
  }
  if (auto policy = Text(props, "DataProtectionPolicy")) {
    params.emplace_back("DataProtectionPolicy", *policy);
  }
  auto xml = Call(ctx, params);
  if (!xml) return common::Fail(xml.error());
  const std::string arn = XmlText(*xml, "TopicArn");
  auto subs = SyncInline(ctx, arn, json::array(), props.value("Subscription", json::array()));
  if (!subs) {
    (void)Call(ctx, {{"Action", "DeleteTopic"}, {"TopicArn", arn}});
    return common::Fail(subs.error());
  }
  return TopicValues(arn, props, {{"subscriptions", *subs}});
}

common::Result<std::optional<Current>> UpdateTopic(const ResourceContext& ctx, const Current& old,
                                                   const json& props) {
  if (Text(old.properties, "TopicName") != Text(props, "TopicName") ||
      IsFifo(old.properties) != IsFifo(props)) {
    return std::nullopt;
  }
  const std::string& arn = old.physical_id;
  for (const auto& [name, value] : resource::AttributeChanges(
           TopicAttributes(old.properties), TopicAttributes(props), TopicDefault)) {
    auto r = Call(ctx, {{"Action", "SetTopicAttributes"},
                        {"TopicArn", arn},
                        {"AttributeName", name},
                        {"AttributeValue", value}});
    if (!r) return common::Fail(r.error());
  }
  if (auto s = TagChanges(ctx, arn, resource::Tags(old.properties), resource::Tags(props)); !s) {
    return common::Fail(s.error());
  }
  auto subs = SyncInline(ctx, arn, old.state.value("subscriptions", json::array()),
                         props.value("Subscription", json::array()));
  if (!subs) return common::Fail(subs.error());
  return TopicValues(arn, props, {{"subscriptions", *subs}});
}

common::Status DeleteTopic(const ResourceContext& ctx, const Current& current) {
  auto r = Call(ctx, {{"Action", "DeleteTopic"}, {"TopicArn", current.physical_id}});
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

std::map<std::string, std::string> SubscriptionAttributes(const json& props) {
  std::map<std::string, std::string> out;
  for (const char* key :
       {"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
        "DeliveryPolicy", "SubscriptionRoleArn", "ReplayPolicy"}) {
    if (auto v = Text(props, key)) out[key] = *v;
  }
  return out;
}

common::Result<Current> CreateSubscription(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"TopicArn", "Protocol"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  FormParams params = {{"Action", "Subscribe"},
                       {"TopicArn", Text(props, "TopicArn").value_or("")},
                       {"Protocol", Text(props, "Protocol").value_or("")},
                       {"ReturnSubscriptionArn", "true"}};
  if (auto endpoint = Text(props, "Endpoint")) params.emplace_back("Endpoint", *endpoint);
  AddAttributes(params, SubscriptionAttributes(props));
  auto xml = Call(ctx, params);
  if (!xml) return common::Fail(xml.error());
  Current c;
  c.physical_id = XmlText(*xml, "SubscriptionArn");
  c.values.ref = c.physical_id;
  c.values.attributes = {{"Arn", c.physical_id}};
  c.properties = props;
  return c;
}

common::Result<std::optional<Current>> UpdateSubscription(const ResourceContext& ctx,
                                                          const Current& old, const json& props) {
  // These make another subscription (SubscriptionRoleArn too: SNS refuses to set it empty).
  for (const char* key : {"TopicArn", "Protocol", "Endpoint", "Region", "SubscriptionRoleArn"}) {
    if (Text(old.properties, key) != Text(props, key)) return std::nullopt;
  }
  const auto before = SubscriptionAttributes(old.properties);
  const auto after = SubscriptionAttributes(props);
  std::set<std::string> names;
  for (const auto& [k, v] : before) names.insert(k);
  for (const auto& [k, v] : after) names.insert(k);
  // The scope before the policy it applies to, as SNS checks the policy against it.
  std::vector<std::string> ordered(names.begin(), names.end());
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const std::string& n) { return n == "FilterPolicyScope"; });
  for (const std::string& name : ordered) {
    auto b = before.find(name);
    auto a = after.find(name);
    if (b != before.end() && a != after.end() && b->second == a->second) continue;
    std::string value = a != after.end() ? a->second : "";
    if (a == after.end() && name == "RawMessageDelivery") value = "false";
    if (a == after.end() && name == "FilterPolicyScope") value = "MessageAttributes";
    auto r = Call(ctx, {{"Action", "SetSubscriptionAttributes"},
                        {"SubscriptionArn", old.physical_id},
                        {"AttributeName", name},
                        {"AttributeValue", value}});
    if (!r) return common::Fail(r.error());
  }
  Current c = old;
  c.properties = props;
  return c;
}

common::Status DeleteSubscription(const ResourceContext& ctx, const Current& current) {
  auto r = Call(ctx, {{"Action", "Unsubscribe"}, {"SubscriptionArn", current.physical_id}});
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

// A topic policy is SNS's Policy attribute of each topic it names (stored, not enforced).
json PolicyTopics(const json& props) {
  if (auto it = props.find("Topics"); it != props.end() && it->is_array()) return *it;
  if (auto arn = Text(props, "TopicArn")) return json::array({*arn});
  return json::array();
}

common::Status SetPolicies(const ResourceContext& ctx, const json& props) {
  const std::string document = Text(props, "PolicyDocument").value_or("");
  for (const auto& topic : PolicyTopics(props)) {
    auto arn = ScalarText(topic);
    if (!arn) continue;
    auto r = Call(ctx, {{"Action", "SetTopicAttributes"},
                        {"TopicArn", *arn},
                        {"AttributeName", "Policy"},
                        {"AttributeValue", document}});
    if (!r) return common::Fail(r.error());
  }
  return {};
}

common::Result<Current> CreateTopicPolicy(const ResourceContext& ctx, const json& props) {
  if (!props.contains("PolicyDocument")) {
    return common::Fail(resource::Invalid(ctx, "#: required key [PolicyDocument] not found"));
  }
  if (auto s = SetPolicies(ctx, props); !s) return common::Fail(s.error());
  return resource::Generated(ctx, props, 256);
}

common::Result<std::optional<Current>> UpdateTopicPolicy(const ResourceContext& ctx,
                                                         const Current& old, const json& props) {
  if (auto s = SetPolicies(ctx, props); !s) return common::Fail(s.error());
  Current c = old;
  c.properties = props;
  return c;
}

// Deleting the policy resource leaves the topics' Policy attribute as it was (offstage does not
// keep SNS's default policy to restore; it is not enforced either way).
common::Status DeleteTopicPolicy(const ResourceContext&, const Current&) { return {}; }

}  // namespace

std::vector<ResourceType> SnsResourceTypes() {
  return {
      {"AWS::SNS::Topic",
       Support::kEmulated,
       "",
       {"ArchivePolicy", "ContentBasedDeduplication", "DataProtectionPolicy",
        "DeliveryStatusLogging", "DisplayName", "FifoThroughputScope", "FifoTopic",
        "KmsMasterKeyId", "SignatureVersion", "Subscription", "Tags", "TopicName", "TracingConfig"},
       {"TopicArn", "TopicName"},
       CreateTopic,
       UpdateTopic,
       DeleteTopic},
      {"AWS::SNS::Subscription",
       Support::kEmulated,
       "",
       {"DeliveryPolicy", "Endpoint", "FilterPolicy", "FilterPolicyScope", "Protocol",
        "RawMessageDelivery", "RedrivePolicy", "Region", "ReplayPolicy", "SubscriptionRoleArn",
        "TopicArn"},
       {"Arn"},
       CreateSubscription,
       UpdateSubscription,
       DeleteSubscription},
      {"AWS::SNS::TopicPolicy",
       Support::kEmulated,
       "stored as each topic's Policy attribute, not enforced",
       {"PolicyDocument", "Topics"},
       {"Id"},
       CreateTopicPolicy,
       UpdateTopicPolicy,
       DeleteTopicPolicy},
      {"AWS::SNS::TopicInlinePolicy",
       Support::kEmulated,
       "stored as the topic's Policy attribute, not enforced",
       {"PolicyDocument", "TopicArn"},
       {},
       CreateTopicPolicy,
       UpdateTopicPolicy,
       DeleteTopicPolicy},
  };
}

}  // namespace offstage::iac
