#include "emulator/sns/envelope.h"

#include <nlohmann/json.hpp>

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

}  // namespace

std::string MessageFor(const MessageView& message, std::string_view protocol) {
  if (!message.structure || *message.structure != "json") return message.body;
  auto parsed = ojson::parse(message.body, nullptr, false);
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
  return ojson{{"Records", ojson::array({record})}}.dump();
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
  return out.dump();
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
  return out.dump();
}

}  // namespace offstage::sns
