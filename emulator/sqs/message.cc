// Messages: rows, digests and checks (message.h).
#include "emulator/sqs/message.h"

#include <openssl/evp.h>

#include <algorithm>
#include <regex>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::sqs {
namespace {

using common::ErrorCode;
using common::Fail;

nlohmann::json AttributesJson(const MessageAttributes& attributes) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, attribute] : attributes) {
    nlohmann::json one = {{"DataType", attribute.data_type}};
    if (attribute.binary) {
      one["BinaryValue"] = common::Base64Encode(attribute.value);
    } else {
      one["StringValue"] = attribute.value;
    }
    out[name] = std::move(one);
  }
  return out;
}

Result<MessageAttributes> AttributesFromJson(const nlohmann::json& json) {
  MessageAttributes out;
  if (!json.is_object()) return Fail(common::Internal("stored message attributes: not an object"));
  for (const auto& [name, one] : json.items()) {
    MessageAttribute attribute;
    attribute.data_type = one.value("DataType", "");
    if (auto b = one.find("BinaryValue"); b != one.end() && b->is_string()) {
      auto bytes = common::Base64Decode(b->get<std::string>());
      if (!bytes) return Fail(common::Internal("stored message attribute: bad base64"));
      attribute.value = std::move(*bytes);
      attribute.binary = true;
    } else {
      attribute.value = one.value("StringValue", "");
    }
    out.emplace(name, std::move(attribute));
  }
  return out;
}

void AppendLengthPrefixed(std::string& out, std::string_view bytes) {
  const uint32_t n = static_cast<uint32_t>(bytes.size());
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(bytes);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

storage::SqsMessageRow Message::ToRow() const {
  storage::SqsMessageRow row;
  row.queue_arn = queue_arn;
  row.seq = seq;
  row.message_id = id;
  row.body = body;
  row.attributes = AttributesJson(attributes).dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  row.system = nlohmann::json{{"attributes", AttributesJson(system_attributes)},
                              {"sender_id", sender_id},
                              {"trace_id", trace_id},
                              {"span_id", span_id},
                              {"dead_letter_source_arn", dead_letter_source_arn}}
                   .dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  if (!group_id.empty()) row.group_id = group_id;
  if (!dedup_id.empty()) row.dedup_id = dedup_id;
  if (!sequence_number.empty()) row.sequence_number = sequence_number;
  row.sent_ns = sent_ns;
  row.visible_ns = visible_ns;
  row.receive_count = receive_count;
  row.first_receive_ns = first_receive_ns;
  if (!receipt.empty()) row.receipt = receipt;
  return row;
}

Result<Message> Message::FromRow(const storage::SqsMessageRow& row) {
  Message m;
  m.queue_arn = row.queue_arn;
  m.seq = row.seq;
  m.id = row.message_id;
  m.body = row.body;
  auto attributes = common::ParseJson(row.attributes);
  auto system = common::ParseJson(row.system);
  if (attributes.is_discarded() || system.is_discarded() || !system.is_object()) {
    return Fail(common::Internal("stored message " + row.message_id + " is not readable"));
  }
  auto parsed = AttributesFromJson(attributes);
  if (!parsed) return Fail(parsed.error());
  m.attributes = std::move(*parsed);
  auto system_parsed = AttributesFromJson(system.value("attributes", nlohmann::json::object()));
  if (!system_parsed) return Fail(system_parsed.error());
  m.system_attributes = std::move(*system_parsed);
  m.sender_id = system.value("sender_id", "");
  m.trace_id = system.value("trace_id", "");
  m.span_id = system.value("span_id", "");
  m.dead_letter_source_arn = system.value("dead_letter_source_arn", "");
  m.group_id = row.group_id.value_or("");
  m.dedup_id = row.dedup_id.value_or("");
  m.sequence_number = row.sequence_number.value_or("");
  m.sent_ns = row.sent_ns;
  m.visible_ns = row.visible_ns;
  m.receive_count = static_cast<int>(row.receive_count);
  m.first_receive_ns = row.first_receive_ns;
  m.receipt = row.receipt.value_or("");
  return m;
}

std::string Md5Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string AttributesMd5(const MessageAttributes& attributes) {
  if (attributes.empty()) return "";
  std::string buffer;
  for (const auto& [name, attribute] : attributes) {  // std::map: sorted by name
    AppendLengthPrefixed(buffer, name);
    AppendLengthPrefixed(buffer, attribute.data_type);
    buffer.push_back(attribute.binary ? 2 : 1);
    AppendLengthPrefixed(buffer, attribute.value);
  }
  return Md5Hex(buffer);
}

size_t MessageSize(const std::string& body, const MessageAttributes& attributes) {
  size_t size = body.size();
  for (const auto& [name, attribute] : attributes) {
    size += name.size() + attribute.data_type.size() + attribute.value.size();
  }
  return size;
}

bool IsAllowedText(std::string_view text) {
  if (!common::IsValidUtf8(text)) return false;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    int n = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1f;
      n = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0f;
      n = 3;
    } else {
      cp = c & 0x07;
      n = 4;
    }
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    i += static_cast<size_t>(n);
    const bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                    (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (!ok) return false;
  }
  return true;
}

Status CheckMessageAttributes(const MessageAttributes& attributes) {
  if (attributes.size() > 10) {
    return Fail(ErrorCode::kSqsInvalidParameterValue, "Number of message attributes [" +
                                                          std::to_string(attributes.size()) +
                                                          "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, attribute] : attributes) {
    const bool name_ok = !name.empty() && name.size() <= 256 &&
                         std::all_of(name.begin(), name.end(), IsNameChar) && name[0] != '.' &&
                         name.back() != '.' && name.find("..") == std::string::npos &&
                         !common::StartsWith(common::ToLower(name), "aws.") &&
                         !common::StartsWith(common::ToLower(name), "amazon.");
    if (!name_ok) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Message (user) attribute '" + name + "' is invalid.");
    }
    const std::string& type = attribute.data_type;
    if (type.empty()) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The message attribute '" + name +
                      "' must contain non-empty message attribute "
                      "type.");
    }
    const std::string base = type.substr(0, type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The type of message (user) attribute '" + name +
                      "' is invalid. You must use "
                      "only the following supported type prefixes: Binary, Number, String.");
    }
    if (type.size() > 256) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Message (user) attribute '" + name + "' type must be at most 256 characters.");
    }
    if ((base == "Binary") != attribute.binary || attribute.value.empty()) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The message attribute '" + name + "' with type '" + base + "' must use field '" +
                      (base == "Binary" ? "Binary" : "String") + "'.");
    }
    if (!attribute.binary && !IsAllowedText(attribute.value)) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "Message (user) attribute '" + name + "' value contains invalid characters.");
    }
    if (base == "Number") {
      // A decimal number as AWS reads one: sign, digits, fraction, exponent; no spaces, hex,
      // nan or inf (which strtod would take).
      static const std::regex kNumber(R"(^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$)");
      const std::string& v = attribute.value;
      if (v.size() > 40 || !std::regex_match(v, kNumber)) {
        return Fail(ErrorCode::kSqsInvalidParameterValue,
                    "Can't cast the value of message (user) attribute '" + name + "' to a number.");
      }
    }
  }
  return {};
}

}  // namespace offstage::sqs
