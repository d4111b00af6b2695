// Queue attributes: AWS's rules (developer guide, "SetQueueAttributes") and the document kept
// in SQLite.
#include "emulator/sqs/queue.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "emulator/common/json.h"

namespace offstage::sqs {
namespace {

using common::ErrorCode;
using common::Fail;

struct IntRule {
  std::string_view name;
  int64_t min;
  int64_t max;
  int64_t fallback;
};

// The integer attributes: range and default.
constexpr std::array kIntRules = {
    IntRule{"DelaySeconds", 0, 900, 0},
    IntRule{"MaximumMessageSize", 1024, 1048576, 262144},
    IntRule{"MessageRetentionPeriod", 60, 1209600, 345600},
    IntRule{"ReceiveMessageWaitTimeSeconds", 0, 20, 0},
    IntRule{"VisibilityTimeout", 0, 43200, 30},
    IntRule{"KmsDataKeyReusePeriodSeconds", 60, 86400, 300},
};

constexpr std::array<std::string_view, 10> kReadOnly = {
    "All",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "SqsManagedSseEnabled",  // also settable: listed in IsSettable
    "FifoQueue",             // settable at creation only
    "Policy",                // also settable
};

constexpr std::array<std::string_view, 7> kOtherSettable = {
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "SqsManagedSseEnabled",
    "ContentBasedDeduplication",
    "DeduplicationScope",
};

bool IsFifoOnly(std::string_view name) {
  return name == "ContentBasedDeduplication" || name == "DeduplicationScope" ||
         name == "FifoThroughputLimit";
}

const IntRule* FindIntRule(std::string_view name) {
  for (const IntRule& rule : kIntRules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

bool IsSettable(std::string_view name) {
  if (FindIntRule(name) != nullptr || name == "FifoThroughputLimit") return true;
  return std::find(kOtherSettable.begin(), kOtherSettable.end(), name) != kOtherSettable.end();
}

common::ApiError InvalidValue(const std::string& name) {
  return {ErrorCode::kSqsInvalidAttributeValue, "Invalid value for the parameter " + name + "."};
}

std::optional<int64_t> ParseInt(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative) i = 1;
  if (i == text.size()) return std::nullopt;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return negative ? -value : value;
}

int64_t IntAttribute(const std::map<std::string, std::string>& attributes, std::string_view name) {
  const IntRule* rule = FindIntRule(name);
  auto it = attributes.find(std::string(name));
  if (it != attributes.end()) {
    if (auto value = ParseInt(it->second)) return *value;
  }
  return rule ? rule->fallback : 0;
}

Result<RedrivePolicy> ParseRedrive(const std::string& text) {
  const auto invalid = [&text](const std::string& why) {
    return Fail(
        ErrorCode::kSqsInvalidAttributeValue,
        "Value " + text.substr(0, 256) + " for parameter RedrivePolicy is invalid. Reason: " + why);
  };
  if (text.empty()) return RedrivePolicy{};
  auto json = common::ParseJson(text);
  if (json.is_discarded() || !json.is_object()) {
    return invalid("Invalid value for the parameter RedrivePolicy.");
  }
  RedrivePolicy policy;
  auto arn = json.find("deadLetterTargetArn");
  auto count = json.find("maxReceiveCount");
  if (arn == json.end() || count == json.end()) {
    return invalid(
        "Redrive policy is not a valid JSON map containing deadLetterTargetArn and "
        "maxReceiveCount.");
  }
  if (!arn->is_string()) return invalid("Invalid value for deadLetterTargetArn.");
  policy.dead_letter_target_arn = arn->get<std::string>();
  std::optional<int64_t> max;
  if (count->is_number_integer()) max = count->get<int64_t>();
  if (count->is_string()) max = ParseInt(count->get<std::string>());
  if (!max || *max < 1 || *max > 1000) {
    return invalid("Invalid value for maxReceiveCount: " +
                   count->dump(-1, ' ', false, common::kReplaceInvalidUtf8) +
                   ", valid values are from 1 to 1000 both inclusive.");
  }
  policy.max_receive_count = static_cast<int>(*max);
  if (!policy.dead_letter_target_arn.starts_with("arn:") ||
      std::count(policy.dead_letter_target_arn.begin(), policy.dead_letter_target_arn.end(), ':') !=
          5) {
    return invalid("Invalid value for deadLetterTargetArn.");
  }
  return policy;
}

bool IsBool(const std::string& v) { return v == "true" || v == "false"; }

}  // namespace

bool Queue::fifo() const {
  auto it = attributes.find("FifoQueue");
  return it != attributes.end() && it->second == "true";
}
bool Queue::content_based_deduplication() const {
  auto it = attributes.find("ContentBasedDeduplication");
  return it != attributes.end() && it->second == "true";
}
int64_t Queue::visibility_timeout_s() const {
  return IntAttribute(attributes, "VisibilityTimeout");
}
int64_t Queue::delay_s() const { return IntAttribute(attributes, "DelaySeconds"); }
int64_t Queue::retention_s() const { return IntAttribute(attributes, "MessageRetentionPeriod"); }
int64_t Queue::max_message_bytes() const { return IntAttribute(attributes, "MaximumMessageSize"); }
int64_t Queue::receive_wait_s() const {
  return IntAttribute(attributes, "ReceiveMessageWaitTimeSeconds");
}

std::optional<RedrivePolicy> Queue::redrive() const {
  auto it = attributes.find("RedrivePolicy");
  if (it == attributes.end() || it->second.empty()) return std::nullopt;
  auto policy = ParseRedrive(it->second);
  if (!policy) return std::nullopt;
  return *policy;
}

std::string Queue::ToDocument() const {
  nlohmann::json doc = {{"name", name},
                        {"region", region},
                        {"account", account},
                        {"attributes", attributes},
                        {"tags", tags},
                        {"created_ns", created_ns},
                        {"modified_ns", modified_ns}};
  return doc.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

Result<Queue> Queue::FromDocument(const std::string& document) {
  auto doc = common::ParseJson(document);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(common::Internal("a stored queue is not a JSON object"));
  }
  try {
    Queue queue;
    queue.name = doc.at("name").get<std::string>();
    queue.region = doc.at("region").get<std::string>();
    queue.account = doc.at("account").get<std::string>();
    queue.arn = QueueArn(queue.region, queue.account, queue.name);
    queue.attributes = doc.at("attributes").get<std::map<std::string, std::string>>();
    queue.tags = doc.at("tags").get<std::map<std::string, std::string>>();
    queue.created_ns = doc.at("created_ns").get<int64_t>();
    queue.modified_ns = doc.at("modified_ns").get<int64_t>();
    return queue;
  } catch (const nlohmann::json::exception& e) {
    return Fail(common::Internal(std::string("a stored queue cannot be read: ") + e.what()));
  }
}

std::string QueueArn(const std::string& region, const std::string& account,
                     const std::string& name) {
  return "arn:aws:sqs:" + region + ":" + account + ":" + name;
}

std::optional<std::string> QueueArnOfUrl(std::string_view url, const std::string& region) {
  std::string_view rest = url;
  std::string_view host;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (rest.starts_with(scheme)) {
      rest.remove_prefix(scheme.size());
      const size_t slash = rest.find('/');
      host = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  const size_t last = rest.rfind('/');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const std::string_view name = rest.substr(last + 1);
  const std::string_view front = rest.substr(0, last);
  const std::string_view account = front.substr(front.rfind('/') + 1);
  if (name.empty() || account.empty()) return std::nullopt;
  std::string named_region = region;
  if (host.starts_with("sqs.") && host.find(".amazonaws.com") != std::string_view::npos) {
    named_region = std::string(host.substr(4, host.find('.', 4) - 4));
  } else if (host.find(".queue.amazonaws.com") != std::string_view::npos) {
    named_region = std::string(host.substr(0, host.find('.')));
  }
  return QueueArn(named_region, std::string(account), std::string(name));
}

Status CheckQueueName(const std::string& name, bool fifo) {
  std::string_view base = name;
  if (fifo) {
    if (!base.ends_with(".fifo")) {
      return Fail(ErrorCode::kSqsInvalidParameterValue,
                  "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                  "underscores, must end with .fifo suffix and be 1 to 80 in length.");
    }
    base.remove_suffix(5);
  }
  const bool chars_ok = std::all_of(base.begin(), base.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
  if (base.empty() || name.size() > 80 || !chars_ok) {
    return Fail(ErrorCode::kSqsInvalidParameterValue,
                fifo ? "The name of a FIFO queue can only include alphanumeric characters, "
                       "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                       "length."
                     : "Can only include alphanumeric characters, hyphens, or underscores. 1 to "
                       "80 in length");
  }
  return {};
}

std::map<std::string, std::string> DefaultAttributes(bool fifo) {
  std::map<std::string, std::string> out;
  for (const IntRule& rule : kIntRules) {
    if (rule.name == "KmsDataKeyReusePeriodSeconds") continue;  // only with a KMS key
    out.emplace(std::string(rule.name), std::to_string(rule.fallback));
  }
  out["SqsManagedSseEnabled"] = "true";
  if (fifo) {
    out["FifoQueue"] = "true";
    out["ContentBasedDeduplication"] = "false";
    out["DeduplicationScope"] = "queue";
    out["FifoThroughputLimit"] = "perQueue";
  }
  return out;
}

Status CheckSettableAttributes(const std::map<std::string, std::string>& attributes, bool fifo,
                               bool creating) {
  for (const auto& [name, value] : attributes) {
    if (name == "FifoQueue" && creating) {
      if (!IsBool(value)) return Fail(InvalidValue(name));
      continue;
    }
    if (!IsSettable(name)) {
      return Fail(ErrorCode::kSqsInvalidAttributeName, "Unknown Attribute " + name + ".");
    }
    if (IsFifoOnly(name) && !fifo) {
      return Fail(ErrorCode::kSqsInvalidAttributeName, "Unknown Attribute " + name + ".");
    }
    if (const IntRule* rule = FindIntRule(name)) {
      auto number = ParseInt(value);
      if (!number || *number < rule->min || *number > rule->max) {
        return Fail(InvalidValue(name));
      }
      continue;
    }
    if (name == "RedrivePolicy") {
      if (auto parsed = ParseRedrive(value); !parsed) return Fail(parsed.error());
    } else if (name == "Policy" || name == "RedriveAllowPolicy") {
      if (value.empty()) continue;
      auto json = common::ParseJson(value);
      if (json.is_discarded() || !json.is_object()) return Fail(InvalidValue(name));
    } else if (name == "SqsManagedSseEnabled" || name == "ContentBasedDeduplication") {
      if (!IsBool(value)) return Fail(InvalidValue(name));
    } else if (name == "DeduplicationScope") {
      if (value != "queue" && value != "messageGroup") return Fail(InvalidValue(name));
    } else if (name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId") return Fail(InvalidValue(name));
    }
  }
  return {};
}

bool IsKnownAttributeName(const std::string& name) {
  return IsSettable(name) || name == "FifoQueue" ||
         std::find(kReadOnly.begin(), kReadOnly.end(), name) != kReadOnly.end();
}

}  // namespace offstage::sqs
