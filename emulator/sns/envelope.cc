#include "emulator/sns/envelope.h"

#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::sns {
namespace {

using ojson = nlohmann::ordered_json;

ojson Attributes(const MessageAttributes& attributes) {
  ojson out = ojson::object();
  for (const auto& [name, value] : attributes) {
    const std::string type = value.data_type;
    const std::string text = value.binary_value ? common::Base64Encode(*value.binary_value)
                                                : value.string_value.value_or("");
    out[name] = {{"Type", type}, {"Value", text}};
  }
  return out;
}

// Fills an empty "Signature" of one message object; true when it did.
bool SignObject(ojson& message, Signer& signer, std::string& error) {
  if (!message.is_object()) return false;
  auto text = [&](const char* key) -> const std::string* {
    auto it = message.find(key);
    return it != message.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* signature = text("Signature");
  if (!signature || !signature->empty()) return false;
  const std::string* type = text("Type");
  const std::string* body = text("Message");
  const std::string* id = text("MessageId");
  const std::string* timestamp = text("Timestamp");
  const std::string* topic = text("TopicArn");
  const std::string* version = text("SignatureVersion");
  if (!type || !body || !id || !timestamp || !topic || !version) return false;
  auto signed_text =
      signer.Sign(StringToSign(*type, *body, *id, text("Subject"), *timestamp, *topic), *version);
  if (!signed_text) {
    error = "could not sign SNS message " + *id + ": " + signed_text.error().message;
    return false;
  }
  message["Signature"] = *signed_text;
  return true;
}

bool MayNeedSignature(const std::string& text) {
  return text.find(R"("Signature":"")") != std::string::npos;
}

}  // namespace

std::string SignLambdaEvent(std::string payload, Signer& signer, std::string& error) {
  if (!MayNeedSignature(payload)) return payload;
  auto event = common::ParseJson<ojson>(payload);
  if (!event.is_object() || !event.contains("Records") || !event["Records"].is_array()) {
    return payload;
  }
  bool changed = false;
  for (auto& record : event["Records"]) {
    if (record.is_object() && record.contains("Sns")) {
      changed = SignObject(record["Sns"], signer, error) || changed;
    }
  }
  return changed ? event.dump(-1, ' ', false, common::kReplaceInvalidUtf8) : payload;
}

std::string SignHttpNotification(std::string body, Signer& signer, std::string& error) {
  if (!MayNeedSignature(body)) return body;
  auto message = common::ParseJson<ojson>(body);
  return SignObject(message, signer, error)
             ? message.dump(-1, ' ', false, common::kReplaceInvalidUtf8)
             : body;
}

std::string MessageFor(const MessageView& message, std::string_view protocol) {
  if (!message.structure || *message.structure != "json") return message.body;
  auto parsed = common::ParseJson<ojson>(message.body);
  if (!parsed.is_object()) return message.body;
  auto it = parsed.find(std::string(protocol));
  if (it != parsed.end() && it->is_string()) return it->get<std::string>();
  it = parsed.find("default");
  return it != parsed.end() && it->is_string() ? it->get<std::string>() : message.body;
}

std::string LambdaEvent(const MessageView& message, const std::string& subscription_arn,
                        const std::string& text, const Signed& sig) {
  // Lambda events spell SigningCertUrl/UnsubscribeUrl and always carry Subject (null if none).
  ojson sns = {{"Type", "Notification"},
               {"MessageId", message.message_id},
               {"TopicArn", message.topic_arn},
               {"Subject", message.subject ? ojson(*message.subject) : ojson(nullptr)},
               {"Message", text},
               {"Timestamp", message.timestamp}};
  if (message.sequence_number) sns["SequenceNumber"] = *message.sequence_number;
  sns["SignatureVersion"] = message.signature_version;
  sns["Signature"] = sig.signature;
  sns["SigningCertUrl"] = sig.cert_url;
  sns["UnsubscribeUrl"] = sig.unsubscribe_url;
  sns["MessageAttributes"] = Attributes(message.attributes);
  ojson record = {{"EventSource", "aws:sns"},
                  {"EventVersion", "1.0"},
                  {"EventSubscriptionArn", subscription_arn},
                  {"Sns", sns}};
  return ojson{{"Records", ojson::array({record})}}.dump(-1, ' ', false,
                                                         common::kReplaceInvalidUtf8);
}

std::string HttpNotification(const MessageView& message, const std::string& text,
                             const Signed& sig) {
  ojson out = {
      {"Type", "Notification"}, {"MessageId", message.message_id}, {"TopicArn", message.topic_arn}};
  if (message.subject) out["Subject"] = *message.subject;
  out["Message"] = text;
  out["Timestamp"] = message.timestamp;
  if (message.sequence_number) out["SequenceNumber"] = *message.sequence_number;
  out["SignatureVersion"] = message.signature_version;
  out["Signature"] = sig.signature;
  out["SigningCertURL"] = sig.cert_url;
  out["UnsubscribeURL"] = sig.unsubscribe_url;
  if (!message.attributes.empty()) out["MessageAttributes"] = Attributes(message.attributes);
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

std::string ConfirmationBody(std::string_view type, const std::string& message_id,
                             const std::string& token, const std::string& topic_arn,
                             const std::string& text, const std::string& subscribe_url,
                             const std::string& timestamp, const std::string& signature_version,
                             const std::string& signature, const std::string& cert_url) {
  ojson out = {{"Type", type},           {"MessageId", message_id},
               {"Token", token},         {"TopicArn", topic_arn},
               {"Message", text},        {"SubscribeURL", subscribe_url},
               {"Timestamp", timestamp}, {"SignatureVersion", signature_version},
               {"Signature", signature}, {"SigningCertURL", cert_url}};
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

}  // namespace offstage::sns
