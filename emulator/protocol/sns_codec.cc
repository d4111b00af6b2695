#include "emulator/protocol/sns_codec.h"

#include <array>
#include <set>
#include <string_view>

#include "emulator/common/strings.h"
#include "emulator/protocol/xml_writer.h"

namespace offstage::protocol {
namespace {

using common::ErrorCode;
using common::Fail;
using common::Result;
using common::Status;
using sns::RequestContext;
using sns::SnsService;

constexpr std::string_view kXmlns = "http://sns.amazonaws.com/doc/2010-03-31/";

// Missing ARN-valued parameters: "Invalid parameter: TopicArn Reason: no value for required
// parameter" (real AWS, quoted in SDK fixtures).
Result<std::string> RequireArn(const FormParams& params, std::string_view name) {
  if (auto value = params.Get(name); value && !value->empty()) return *value;
  return Fail(common::InvalidParameter("Invalid parameter: " + std::string(name) +
                                       " Reason: no value for required parameter"));
}

// Other missing parameters: the generic ValidationError of AWS's query front end.
Result<std::string> Require(const FormParams& params, std::string_view name,
                            std::string_view member) {
  if (auto value = params.Get(name)) return *value;
  return Fail(ErrorCode::kValidationError, "1 validation error detected: Value null at '" +
                                               std::string(member) +
                                               "' failed to satisfy constraint: Member must not "
                                               "be null");
}

std::optional<std::string> Optional(const FormParams& params, std::string_view name) {
  return params.Get(name);
}

bool IsTrue(const std::optional<std::string>& value) {
  return value && common::ToLower(*value) == "true";
}

void WriteAttributes(XmlWriter& xml, const sns::AttributeMap& attributes) {
  xml.Open("Attributes");
  for (const auto& [key, value] : attributes) {
    xml.Open("entry");
    xml.Element("key", key);
    xml.Element("value", value);
    xml.Close();
  }
  xml.Close();
}

void WriteSubscriptions(XmlWriter& xml, const sns::Page<sns::SubscriptionSummary>& page) {
  xml.Open("Subscriptions");
  for (const auto& sub : page.items) {
    xml.Open("member");
    xml.Element("SubscriptionArn", sub.subscription_arn);
    xml.Element("Owner", sub.owner);
    xml.Element("Protocol", sub.protocol);
    xml.Element("Endpoint", sub.endpoint);
    xml.Element("TopicArn", sub.topic_arn);
    xml.Close();
  }
  xml.Close();
  if (page.next_token) xml.Element("NextToken", *page.next_token);
}

Result<std::vector<sns::Tag>> DecodeTags(const FormParams& params, std::string_view name) {
  std::vector<sns::Tag> tags;
  const std::string prefix = std::string(name) + ".member.";
  for (int index : params.Indices(prefix)) {
    const std::string base = prefix + std::to_string(index) + ".";
    auto key = params.Get(base + "Key");
    auto value = params.Get(base + "Value");
    if (!key) {
      return Fail(ErrorCode::kValidationError,
                  "1 validation error detected: Value null at 'tags." + std::to_string(index) +
                      ".member.key' failed to satisfy constraint: Member must not be null");
    }
    if (!value) {
      return Fail(ErrorCode::kValidationError,
                  "1 validation error detected: Value null at 'tags." + std::to_string(index) +
                      ".member.value' failed to satisfy constraint: Member must not be null");
    }
    tags.push_back(sns::Tag{*key, *value});
  }
  return tags;
}

Result<sns::MessageAttributes> DecodeMessageAttributes(const FormParams& params,
                                                       const std::string& prefix) {
  sns::MessageAttributes out;
  const std::string entries = prefix + "MessageAttributes.entry.";
  for (int index : params.Indices(entries)) {
    const std::string base = entries + std::to_string(index) + ".";
    auto name = params.Get(base + "Name");
    if (!name) {
      return Fail(ErrorCode::kValidationError,
                  "1 validation error detected: Value null at 'messageAttributes." +
                      std::to_string(index) +
                      ".member.key' failed to satisfy constraint: Member must not be null");
    }
    auto type = params.Get(base + "Value.DataType");
    if (!type) {
      return Fail(ErrorCode::kValidationError,
                  "1 validation error detected: Value null at 'messageAttributes." + *name +
                      ".member.dataType' failed to satisfy constraint: Member must not be null");
    }
    // AWS's models make MessageAttributes a map, so an SDK cannot send a name twice; a raw
    // form can. Refused rather than letting the last entry silently win (docs/compatibility.md).
    if (out.contains(*name)) {
      return Fail(ErrorCode::kParameterValueInvalid,
                  "The message attribute '" + *name + "' was specified more than once.");
    }
    sns::MessageAttributeValue value;
    value.data_type = *type;
    value.string_value = params.Get(base + "Value.StringValue");
    if (auto binary = params.Get(base + "Value.BinaryValue")) {
      auto decoded = common::Base64Decode(*binary);
      if (!decoded) {
        return Fail(ErrorCode::kParameterValueInvalid,
                    "The message attribute '" + *name +
                        "' with type 'Binary' has a value that is not valid base64.");
      }
      value.binary_value = std::move(*decoded);
    }
    out[*name] = std::move(value);
  }
  return out;
}

sns::PublishInput DecodePublishFields(const FormParams& params, const std::string& prefix) {
  sns::PublishInput in;
  in.message = Optional(params, prefix + "Message");
  in.subject = Optional(params, prefix + "Subject");
  in.message_structure = Optional(params, prefix + "MessageStructure");
  in.message_deduplication_id = Optional(params, prefix + "MessageDeduplicationId");
  in.message_group_id = Optional(params, prefix + "MessageGroupId");
  return in;
}

// ---- one handler per action: decode, call, write the <XResult> contents ----

using Handler = Status (*)(SnsService&, const RequestContext&, const FormParams&, XmlWriter&);

Status CreateTopic(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter& xml) {
  auto name = Require(p, "Name", "name");
  if (!name) return Fail(name.error());
  auto tags = DecodeTags(p, "Tags");
  if (!tags) return Fail(tags.error());
  sns::CreateTopicInput in{*name, p.Entries("Attributes", "key", "value"), std::move(*tags),
                           Optional(p, "DataProtectionPolicy")};
  auto arn = s.CreateTopic(ctx, in);
  if (!arn) return Fail(arn.error());
  xml.Element("TopicArn", *arn);
  return {};
}

Status DeleteTopic(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter&) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  return s.DeleteTopic(ctx, *arn);
}

Status ListTopics(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter& xml) {
  auto page = s.ListTopics(ctx, Optional(p, "NextToken"));
  if (!page) return Fail(page.error());
  xml.Open("Topics");
  for (const auto& arn : page->items) {
    xml.Open("member");
    xml.Element("TopicArn", arn);
    xml.Close();
  }
  xml.Close();
  if (page->next_token) xml.Element("NextToken", *page->next_token);
  return {};
}

Status GetTopicAttributes(SnsService& s, const RequestContext& ctx, const FormParams& p,
                          XmlWriter& xml) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto attributes = s.GetTopicAttributes(ctx, *arn);
  if (!attributes) return Fail(attributes.error());
  WriteAttributes(xml, *attributes);
  return {};
}

Status SetTopicAttributes(SnsService& s, const RequestContext& ctx, const FormParams& p,
                          XmlWriter&) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto name = Require(p, "AttributeName", "attributeName");
  if (!name) return Fail(name.error());
  return s.SetTopicAttributes(ctx, *arn, *name, p.Get("AttributeValue").value_or(""));
}

Status Subscribe(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter& xml) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto protocol = Require(p, "Protocol", "protocol");
  if (!protocol) return Fail(protocol.error());
  sns::SubscribeInput in{*arn, *protocol, Optional(p, "Endpoint"),
                         p.Entries("Attributes", "key", "value"),
                         IsTrue(Optional(p, "ReturnSubscriptionArn"))};
  auto sub = s.Subscribe(ctx, in);
  if (!sub) return Fail(sub.error());
  xml.Element("SubscriptionArn", *sub);
  return {};
}

Status ConfirmSubscription(SnsService& s, const RequestContext& ctx, const FormParams& p,
                           XmlWriter& xml) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto token = Require(p, "Token", "token");
  if (!token) return Fail(token.error());
  auto sub = s.ConfirmSubscription(ctx, *arn, *token);
  if (!sub) return Fail(sub.error());
  xml.Element("SubscriptionArn", *sub);
  return {};
}

Status Unsubscribe(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter&) {
  auto arn = RequireArn(p, "SubscriptionArn");
  if (!arn) return Fail(arn.error());
  return s.Unsubscribe(ctx, *arn);
}

Status ListSubscriptions(SnsService& s, const RequestContext& ctx, const FormParams& p,
                         XmlWriter& xml) {
  auto page = s.ListSubscriptions(ctx, Optional(p, "NextToken"));
  if (!page) return Fail(page.error());
  WriteSubscriptions(xml, *page);
  return {};
}

Status ListSubscriptionsByTopic(SnsService& s, const RequestContext& ctx, const FormParams& p,
                                XmlWriter& xml) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto page = s.ListSubscriptionsByTopic(ctx, *arn, Optional(p, "NextToken"));
  if (!page) return Fail(page.error());
  WriteSubscriptions(xml, *page);
  return {};
}

Status GetSubscriptionAttributes(SnsService& s, const RequestContext& ctx, const FormParams& p,
                                 XmlWriter& xml) {
  auto arn = RequireArn(p, "SubscriptionArn");
  if (!arn) return Fail(arn.error());
  auto attributes = s.GetSubscriptionAttributes(ctx, *arn);
  if (!attributes) return Fail(attributes.error());
  WriteAttributes(xml, *attributes);
  return {};
}

Status SetSubscriptionAttributes(SnsService& s, const RequestContext& ctx, const FormParams& p,
                                 XmlWriter&) {
  auto arn = RequireArn(p, "SubscriptionArn");
  if (!arn) return Fail(arn.error());
  auto name = Require(p, "AttributeName", "attributeName");
  if (!name) return Fail(name.error());
  return s.SetSubscriptionAttributes(ctx, *arn, *name, p.Get("AttributeValue").value_or(""));
}

Status Publish(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter& xml) {
  sns::PublishInput in = DecodePublishFields(p, "");
  in.topic_arn = Optional(p, "TopicArn");
  in.target_arn = Optional(p, "TargetArn");
  in.phone_number = Optional(p, "PhoneNumber");
  if (in.topic_arn && in.topic_arn->empty()) in.topic_arn.reset();
  if (in.target_arn && in.target_arn->empty()) in.target_arn.reset();
  auto attributes = DecodeMessageAttributes(p, "");
  if (!attributes) return Fail(attributes.error());
  in.message_attributes = std::move(*attributes);
  auto out = s.Publish(ctx, in);
  if (!out) return Fail(out.error());
  xml.Element("MessageId", out->message_id);
  if (out->sequence_number) xml.Element("SequenceNumber", *out->sequence_number);
  return {};
}

Status PublishBatch(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter& xml) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  std::vector<sns::PublishBatchEntry> entries;
  const std::string list = "PublishBatchRequestEntries.member.";
  for (int index : p.Indices(list)) {
    const std::string prefix = list + std::to_string(index) + ".";
    sns::PublishBatchEntry entry;
    auto id = p.Get(prefix + "Id");
    if (!id) {
      return Fail(ErrorCode::kValidationError,
                  "1 validation error detected: Value null at 'publishBatchRequestEntries." +
                      std::to_string(index) +
                      ".member.id' failed to satisfy constraint: Member must not be null");
    }
    entry.id = *id;
    entry.input = DecodePublishFields(p, prefix);
    auto attributes = DecodeMessageAttributes(p, prefix);
    if (!attributes) return Fail(attributes.error());
    entry.input.message_attributes = std::move(*attributes);
    entries.push_back(std::move(entry));
  }
  auto out = s.PublishBatch(ctx, *arn, entries);
  if (!out) return Fail(out.error());
  xml.Open("Successful");
  for (const auto& ok : out->successful) {
    xml.Open("member");
    xml.Element("Id", ok.id);
    xml.Element("MessageId", ok.message_id);
    if (ok.sequence_number) xml.Element("SequenceNumber", *ok.sequence_number);
    xml.Close();
  }
  xml.Close();
  xml.Open("Failed");
  for (const auto& failed : out->failed) {
    xml.Open("member");
    xml.Element("Id", failed.id);
    xml.Element("Code", failed.code);
    xml.Element("Message", failed.message);
    xml.Element("SenderFault", failed.sender_fault ? "true" : "false");
    xml.Close();
  }
  xml.Close();
  return {};
}

Status TagResource(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter&) {
  auto arn = RequireArn(p, "ResourceArn");
  if (!arn) return Fail(arn.error());
  auto tags = DecodeTags(p, "Tags");
  if (!tags) return Fail(tags.error());
  if (!p.Has("Tags") && tags->empty()) {
    return Fail(ErrorCode::kValidationError,
                "1 validation error detected: Value null at 'tags' failed to satisfy "
                "constraint: Member must not be null");
  }
  return s.TagResource(ctx, *arn, *tags);
}

Status UntagResource(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter&) {
  auto arn = RequireArn(p, "ResourceArn");
  if (!arn) return Fail(arn.error());
  auto keys = p.Members("TagKeys");
  if (!p.Has("TagKeys") && keys.empty()) {
    return Fail(ErrorCode::kValidationError,
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy "
                "constraint: Member must not be null");
  }
  return s.UntagResource(ctx, *arn, keys);
}

Status ListTagsForResource(SnsService& s, const RequestContext& ctx, const FormParams& p,
                           XmlWriter& xml) {
  auto arn = RequireArn(p, "ResourceArn");
  if (!arn) return Fail(arn.error());
  auto tags = s.ListTagsForResource(ctx, *arn);
  if (!tags) return Fail(tags.error());
  xml.Open("Tags");
  for (const auto& tag : *tags) {
    xml.Open("member");
    xml.Element("Key", tag.key);
    xml.Element("Value", tag.value);
    xml.Close();
  }
  xml.Close();
  return {};
}

Status AddPermission(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter&) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto label = Require(p, "Label", "label");
  if (!label) return Fail(label.error());
  return s.AddPermission(ctx, sns::AddPermissionInput{*arn, *label, p.Members("AWSAccountId"),
                                                      p.Members("ActionName")});
}

Status RemovePermission(SnsService& s, const RequestContext& ctx, const FormParams& p, XmlWriter&) {
  auto arn = RequireArn(p, "TopicArn");
  if (!arn) return Fail(arn.error());
  auto label = Require(p, "Label", "label");
  if (!label) return Fail(label.error());
  return s.RemovePermission(ctx, *arn, *label);
}

Status GetDataProtectionPolicy(SnsService& s, const RequestContext& ctx, const FormParams& p,
                               XmlWriter& xml) {
  auto arn = RequireArn(p, "ResourceArn");
  if (!arn) return Fail(arn.error());
  auto policy = s.GetDataProtectionPolicy(ctx, *arn);
  if (!policy) return Fail(policy.error());
  xml.Element("DataProtectionPolicy", *policy);
  return {};
}

Status PutDataProtectionPolicy(SnsService& s, const RequestContext& ctx, const FormParams& p,
                               XmlWriter&) {
  auto arn = RequireArn(p, "ResourceArn");
  if (!arn) return Fail(arn.error());
  auto policy = Require(p, "DataProtectionPolicy", "dataProtectionPolicy");
  if (!policy) return Fail(policy.error());
  return s.PutDataProtectionPolicy(ctx, *arn, *policy);
}

enum class ResultElement { kNone, kPresent };

struct Action {
  std::string_view name;
  Handler handler;
  ResultElement result;
};

constexpr std::array kActions = {
    Action{"CreateTopic", CreateTopic, ResultElement::kPresent},
    Action{"DeleteTopic", DeleteTopic, ResultElement::kNone},
    Action{"ListTopics", ListTopics, ResultElement::kPresent},
    Action{"GetTopicAttributes", GetTopicAttributes, ResultElement::kPresent},
    Action{"SetTopicAttributes", SetTopicAttributes, ResultElement::kNone},
    Action{"Subscribe", Subscribe, ResultElement::kPresent},
    Action{"ConfirmSubscription", ConfirmSubscription, ResultElement::kPresent},
    Action{"Unsubscribe", Unsubscribe, ResultElement::kNone},
    Action{"ListSubscriptions", ListSubscriptions, ResultElement::kPresent},
    Action{"ListSubscriptionsByTopic", ListSubscriptionsByTopic, ResultElement::kPresent},
    Action{"GetSubscriptionAttributes", GetSubscriptionAttributes, ResultElement::kPresent},
    Action{"SetSubscriptionAttributes", SetSubscriptionAttributes, ResultElement::kNone},
    Action{"Publish", Publish, ResultElement::kPresent},
    Action{"PublishBatch", PublishBatch, ResultElement::kPresent},
    Action{"TagResource", TagResource, ResultElement::kPresent},
    Action{"UntagResource", UntagResource, ResultElement::kPresent},
    Action{"ListTagsForResource", ListTagsForResource, ResultElement::kPresent},
    Action{"AddPermission", AddPermission, ResultElement::kNone},
    Action{"RemovePermission", RemovePermission, ResultElement::kNone},
    Action{"GetDataProtectionPolicy", GetDataProtectionPolicy, ResultElement::kPresent},
    Action{"PutDataProtectionPolicy", PutDataProtectionPolicy, ResultElement::kNone},
};

// SNS actions of the 2010-03-31 API (botocore's model) that offstage does not emulate.
constexpr std::array<std::string_view, 21> kNotImplemented = {
    "CheckIfPhoneNumberIsOptedOut",
    "CreatePlatformApplication",
    "CreatePlatformEndpoint",
    "CreateSMSSandboxPhoneNumber",
    "DeleteEndpoint",
    "DeletePlatformApplication",
    "DeleteSMSSandboxPhoneNumber",
    "GetEndpointAttributes",
    "GetPlatformApplicationAttributes",
    "GetSMSAttributes",
    "GetSMSSandboxAccountStatus",
    "ListEndpointsByPlatformApplication",
    "ListOriginationNumbers",
    "ListPhoneNumbersOptedOut",
    "ListPlatformApplications",
    "ListSMSSandboxPhoneNumbers",
    "OptInPhoneNumber",
    "SetEndpointAttributes",
    "SetPlatformApplicationAttributes",
    "SetSMSAttributes",
    "VerifySMSSandboxPhoneNumber",
};

HttpResponse Xml(int status, std::string body) {
  return HttpResponse{status, "text/xml", std::move(body), {}};
}

}  // namespace

HttpResponse SnsCodec::RenderError(const common::ApiError& error, const std::string& request_id) {
  const auto& info = error.info();
  std::string body = "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"";
  body += kXmlns;
  body += "\"><Error><Type>";
  body += info.fault == common::Fault::kSender ? "Sender" : "Receiver";
  body += "</Type><Code>";
  body += info.aws_code;
  body += "</Code><Message>";
  AppendEscaped(body, error.message);
  body += "</Message></Error><RequestId>";
  body += request_id;
  body += "</RequestId></ErrorResponse>\n";
  return Xml(info.http_status, std::move(body));
}

HttpResponse SnsCodec::Handle(const RequestContext& ctx, const FormParams& params) const {
  const std::string* action = params.Find("Action");
  if (!action || action->empty()) {
    return RenderError({ErrorCode::kMissingAction, "The request must contain the parameter Action"},
                       ctx.request_id);
  }
  const Action* found = nullptr;
  for (const Action& candidate : kActions) {
    if (candidate.name == *action) found = &candidate;
  }
  if (!found) {
    for (std::string_view name : kNotImplemented) {
      if (name == *action) {
        return RenderError({ErrorCode::kNotImplemented,
                            "The SNS action " + *action +
                                " is not implemented by offstage (see docs/compatibility.md)."},
                           ctx.request_id);
      }
    }
    return RenderError({ErrorCode::kInvalidAction,
                        "The action " + *action + " is not valid for this web service."},
                       ctx.request_id);
  }
  XmlWriter xml;
  if (Status status = found->handler(service_, ctx, params, xml); !status) {
    return RenderError(status.error(), ctx.request_id);
  }
  std::string body = "<?xml version=\"1.0\"?>\n<";
  body += *action;
  body += "Response xmlns=\"";
  body += kXmlns;
  body += "\">";
  if (found->result == ResultElement::kPresent) {
    body += "<" + *action + "Result>" + xml.str() + "</" + *action + "Result>";
  }
  body += "<ResponseMetadata><RequestId>" + ctx.request_id + "</RequestId></ResponseMetadata></";
  body += *action;
  body += "Response>\n";
  return Xml(200, std::move(body));
}

}  // namespace offstage::protocol
