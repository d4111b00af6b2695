// SNS input validation (see validation.h): pure functions, safe on any thread.
#include "emulator/sns/validation.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::sns {
namespace {

using common::ErrorCode;
using common::Fail;
using common::InvalidParameter;

auto ValueInvalid(std::string message) {
  return Fail(ErrorCode::kParameterValueInvalid, std::move(message));
}

bool IsTopicNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool IsAttributeNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

Status ValidateNumber(const std::string& name, const std::string& value) {
  // AWS accepts up to 38 significant digits, magnitude 10^-128 .. 10^126.
  const char* begin = value.c_str();
  char* end = nullptr;
  errno = 0;
  const double parsed = std::strtod(begin, &end);
  const bool whole = end != begin && *end == '\0';
  const bool plain = value.find_first_not_of("+-0123456789.eE") == std::string::npos;
  if (!whole || !plain || !std::isfinite(parsed) || std::fabs(parsed) >= 1e126) {
    return ValueInvalid("Could not cast message attribute '" + name + "' value to number.");
  }
  return {};
}

Status ValidateStringArray(const std::string& name, const std::string& value) {
  auto parsed = common::ParseJson(value);
  bool ok = parsed.is_array();
  if (ok) {
    for (const auto& element : parsed) {
      if (!(element.is_string() || element.is_number() || element.is_boolean() ||
            element.is_null())) {
        ok = false;
        break;
      }
    }
  }
  if (!ok) {
    return ValueInvalid("The message attribute '" + name +
                        "' with type 'String.Array' must be a JSON array of strings, numbers, "
                        "true, false or null.");
  }
  return {};
}

}  // namespace

Status CheckArnShape(std::string_view param, std::string_view value) {
  const int elements = common::ArnElementCount(value);
  if (elements < 6) {
    return Fail(InvalidParameter("Invalid parameter: " + std::string(param) +
                                 " Reason: An ARN must have at least 6 elements, not " +
                                 std::to_string(elements)));
  }
  if (!common::StartsWith(value, "arn:")) {
    return Fail(InvalidParameter("Invalid parameter: " + std::string(param) +
                                 " Reason: " + std::string(value) + " does not start with arn"));
  }
  return {};
}

Status ValidateTopicName(std::string_view name, bool fifo) {
  std::string_view base = name;
  if (fifo) {
    if (!common::EndsWith(name, ".fifo")) {
      return Fail(InvalidParameter(
          "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only "
          "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be "
          "between 1 and 256 characters long."));
    }
    base = name.substr(0, name.size() - 5);
  }
  bool ok = !base.empty() && name.size() <= 256;
  for (char c : base) ok = ok && IsTopicNameChar(c);
  if (!ok) return Fail(InvalidParameter("Invalid parameter: Topic Name"));
  return {};
}

Status ValidateSubject(std::string_view subject) {
  // "must be ASCII text that begins with a letter, number, or punctuation mark; must not include
  // line breaks or control characters; and must be less than 100 characters long" (SNS API
  // reference, Publish).
  bool ok = !subject.empty() && subject.size() < 100;
  for (char c : subject) {
    const unsigned char u = static_cast<unsigned char>(c);
    ok = ok && u >= 0x20 && u < 0x7f;
  }
  if (ok) ok = !std::isspace(static_cast<unsigned char>(subject.front()));
  if (!ok) return Fail(InvalidParameter("Invalid parameter: Subject"));
  return {};
}

Status ValidateMessageAttributes(const MessageAttributes& attributes) {
  for (const auto& [name, value] : attributes) {
    if (name.size() > 255) {
      return ValueInvalid("Length of message attribute name must be less than 256 bytes.");
    }
    if (name.empty()) {
      return ValueInvalid("The message attribute name must not be empty.");
    }
    for (char c : name) {
      if (!IsAttributeNameChar(c)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02X", static_cast<unsigned char>(c));
        return ValueInvalid(std::string("Invalid non-alphanumeric character '#x") + hex +
                            "' was found in the message attribute name. Can only include "
                            "alphanumeric characters, hyphens, underscores, or dots.");
      }
    }
    if (name.front() == '.') {
      return ValueInvalid("Invalid message attribute name starting with character '.' was found.");
    }
    if (name.back() == '.') {
      return ValueInvalid("Invalid message attribute name ending with character '.' was found.");
    }
    if (name.find("..") != std::string::npos) {
      return ValueInvalid("Message attribute name can not have successive '.' character.");
    }
    const std::string lower = common::ToLower(name);
    if (common::StartsWith(lower, "aws.") || common::StartsWith(lower, "amazon.")) {
      return ValueInvalid("The message attribute name '" + name +
                          "' is reserved: names starting with 'AWS.' or 'Amazon.' are for "
                          "internal use.");
    }
    const std::string& type = value.data_type;
    std::string prefix = type.substr(0, type.find('.'));
    if (prefix != "String" && prefix != "Number" && prefix != "Binary") {
      return ValueInvalid("The message attribute '" + name +
                          "' has an invalid message attribute type, the set of supported type "
                          "prefixes is Binary, Number, and String.");
    }
    if (type.size() > 256) {
      return ValueInvalid("Length of message attribute type must be less than 256 bytes.");
    }
    const bool binary = prefix == "Binary";
    if (binary ? value.string_value.has_value() : value.binary_value.has_value()) {
      return ValueInvalid("The message attribute '" + name + "' with type '" + prefix +
                          "' must use field '" + (binary ? "Binary" : "String") + "'.");
    }
    const std::optional<std::string>& field = binary ? value.binary_value : value.string_value;
    if (!field || field->empty()) {
      return ValueInvalid("The message attribute '" + name +
                          "' must contain non-empty message attribute value for message "
                          "attribute type '" +
                          prefix + "'.");
    }
    if (!binary && !common::IsValidUtf8(*field)) {
      return ValueInvalid("The message attribute '" + name + "' must be valid UTF-8.");
    }
    if (prefix == "Number") {
      if (auto status = ValidateNumber(name, *field); !status) return status;
    }
    if (type == "String.Array") {
      if (auto status = ValidateStringArray(name, *field); !status) return status;
    }
  }
  return {};
}

size_t MessageSize(std::string_view body, const MessageAttributes& attributes) {
  size_t size = body.size();
  for (const auto& [name, value] : attributes) {
    size += name.size() + value.data_type.size();
    if (value.string_value) size += value.string_value->size();
    if (value.binary_value) size += value.binary_value->size();
  }
  return size;
}

Status ValidateJsonStructure(std::string_view body) {
  auto parsed = common::ParseJson(body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Fail(InvalidParameter(
        "Invalid parameter: Message Structure - JSON message body failed to parse"));
  }
  auto it = parsed.find("default");
  if (it == parsed.end() || !it->is_string()) {
    return Fail(InvalidParameter(
        "Invalid parameter: Message Structure - No default entry in JSON message body"));
  }
  return {};
}

Status ValidateFifoId(std::string_view param, std::string_view value) {
  bool ok = !value.empty() && value.size() <= 128;
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    ok = ok && (std::isalnum(u) || std::ispunct(u));
  }
  if (!ok) {
    return Fail(InvalidParameter("Invalid parameter: " + std::string(param) +
                                 " Reason: " + std::string(param) +
                                 " can only include alphanumeric and punctuation characters. 1 "
                                 "to 128 in length."));
  }
  return {};
}

Status ValidateTags(const std::vector<Tag>& tags) {
  std::set<std::string_view> keys;
  for (const Tag& tag : tags) {
    if (!keys.insert(tag.key).second) {
      return Fail(InvalidParameter("Invalid parameter: Duplicated keys are not allowed."));
    }
    if (tag.key.empty() || tag.key.size() > 128) {
      return Fail(InvalidParameter("Invalid parameter: Tag key must be 1 to 128 characters long."));
    }
    if (tag.value.size() > 256) {
      return Fail(
          InvalidParameter("Invalid parameter: Tag value must be at most 256 characters long."));
    }
    if (common::StartsWith(common::ToLower(tag.key), "aws:")) {
      return Fail(InvalidParameter("Invalid parameter: Tag keys must not start with 'aws:'."));
    }
  }
  return {};
}

bool IsKnownProtocol(std::string_view protocol) {
  static const std::set<std::string_view> kProtocols = {
      "http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"};
  return kProtocols.contains(protocol);
}

Status ValidateEndpoint(std::string_view protocol, std::string_view endpoint) {
  auto arn = common::ParseArn(endpoint);
  if (protocol == "http" || protocol == "https") {
    const std::string scheme = std::string(protocol) + "://";
    if (!common::StartsWith(common::ToLower(endpoint), scheme) ||
        endpoint.size() <= scheme.size()) {
      return Fail(
          InvalidParameter("Invalid parameter: Endpoint must match the specified protocol"));
    }
  } else if (protocol == "email" || protocol == "email-json") {
    const size_t at = endpoint.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == endpoint.size()) {
      return Fail(InvalidParameter("Invalid parameter: Email address"));
    }
  } else if (protocol == "sms") {
    std::string_view digits = endpoint;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    bool ok = !digits.empty() && digits.size() <= 15;
    for (char c : digits) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (!ok) return Fail(InvalidParameter("Invalid SMS endpoint: " + std::string(endpoint)));
  } else if (protocol == "sqs") {
    if (!arn || arn->service != "sqs") {
      return Fail(InvalidParameter("Invalid parameter: SQS endpoint ARN"));
    }
  } else if (protocol == "lambda") {
    if (!arn || arn->service != "lambda" || !common::StartsWith(arn->resource, "function:")) {
      return Fail(InvalidParameter("Invalid parameter: Lambda endpoint ARN"));
    }
  } else if (protocol == "firehose") {
    if (!arn || arn->service != "firehose") {
      return Fail(InvalidParameter("Invalid parameter: Firehose endpoint ARN"));
    }
  } else if (protocol == "application") {
    if (!arn || arn->service != "sns" || !common::StartsWith(arn->resource, "endpoint/")) {
      return Fail(InvalidParameter("Invalid parameter: Application endpoint arn invalid"));
    }
  }
  return {};
}

Result<std::string> ParseBoolAttribute(std::string_view name, std::string_view value,
                                       std::string_view reason_prefix) {
  const std::string lower = common::ToLower(value);
  if (lower == "true" || lower == "false") return lower;
  return Fail(InvalidParameter("Invalid parameter: " + std::string(reason_prefix) +
                               std::string(name) + ": Invalid value [" + std::string(value) +
                               "]. Must be true or false."));
}

Status ValidateJsonAttribute(std::string_view name, std::string_view value,
                             std::string_view reason_prefix) {
  if (!common::JsonDepthWithin(value)) {
    return Fail(InvalidParameter("Invalid parameter: " + std::string(reason_prefix) +
                                 std::string(name) + ": failed to parse JSON. " +
                                 common::JsonTooDeepDetail()));
  }
  try {
    auto parsed = nlohmann::json::parse(value);
    if (!parsed.is_object()) {
      return Fail(InvalidParameter("Invalid parameter: " + std::string(reason_prefix) +
                                   std::string(name) + ": must be a JSON object"));
    }
  } catch (const nlohmann::json::exception& error) {  // parse_error; out_of_range (1e400)
    return Fail(InvalidParameter("Invalid parameter: " + std::string(reason_prefix) +
                                 std::string(name) + ": failed to parse JSON. " + error.what()));
  }
  return {};
}

std::string EncodePageToken(std::string_view first_arn) { return common::Base64Encode(first_arn); }

Result<std::optional<std::string>> DecodePageToken(const std::optional<std::string>& token) {
  if (!token || token->empty()) return std::optional<std::string>();
  auto decoded = common::Base64Decode(*token);
  if (!decoded || !common::StartsWith(*decoded, "arn:")) {
    return Fail(InvalidParameter("Invalid parameter: NextToken"));
  }
  return std::optional<std::string>(*decoded);
}

}  // namespace offstage::sns
