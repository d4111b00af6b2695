// Event source mappings: documents, the SQS event, partial batch responses
// (event_source_mapping.h).
#include "emulator/lambda/event_source_mapping.h"

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::lambda {

std::string EventSourceMapping::arn() const {
  return "arn:aws:lambda:" + region + ":" + account + ":event-source-mapping:" + uuid;
}

std::string EventSourceMapping::ToDocument() const {
  nlohmann::json doc = {{"uuid", uuid},
                        {"region", region},
                        {"account", account},
                        {"event_source_arn", event_source_arn},
                        {"function_arn", function_arn},
                        {"batch_size", batch_size},
                        {"max_batching_window_s", max_batching_window_s},
                        {"enabled", enabled},
                        {"report_batch_item_failures", report_batch_item_failures},
                        {"last_modified_ns", last_modified_ns}};
  if (maximum_concurrency) doc["maximum_concurrency"] = *maximum_concurrency;
  if (!filter_patterns.empty()) doc["filter_patterns"] = filter_patterns;
  return doc.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

common::Result<EventSourceMapping> EventSourceMapping::FromDocument(const std::string& document) {
  auto doc = common::ParseJson(document);
  if (!doc.is_object()) return common::Fail(common::Internal("a stored mapping is not an object"));
  try {
    EventSourceMapping m;
    m.uuid = doc.at("uuid").get<std::string>();
    m.region = doc.at("region").get<std::string>();
    m.account = doc.at("account").get<std::string>();
    m.event_source_arn = doc.at("event_source_arn").get<std::string>();
    m.function_arn = doc.at("function_arn").get<std::string>();
    m.batch_size = doc.at("batch_size").get<int>();
    m.max_batching_window_s = doc.at("max_batching_window_s").get<int>();
    m.enabled = doc.at("enabled").get<bool>();
    m.report_batch_item_failures = doc.at("report_batch_item_failures").get<bool>();
    m.last_modified_ns = doc.at("last_modified_ns").get<int64_t>();
    if (doc.contains("maximum_concurrency")) {
      m.maximum_concurrency = doc["maximum_concurrency"].get<int>();
    }
    if (doc.contains("filter_patterns")) {
      m.filter_patterns = doc["filter_patterns"].get<std::vector<std::string>>();
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return common::Fail(
        common::Internal(std::string("a stored mapping cannot be read: ") + e.what()));
  }
}

std::string SqsEvent(const std::vector<sqs::ReceivedMessage>& batch,
                     const std::string& event_source_arn, const std::string& region) {
  nlohmann::ordered_json records = nlohmann::ordered_json::array();
  for (size_t i = 0; i < batch.size(); ++i) {
    const sqs::ReceivedMessage& m = batch[i];
    nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
    for (const auto& [name, value] : m.attributes) attributes[name] = value;
    nlohmann::ordered_json message_attributes = nlohmann::ordered_json::object();
    for (const auto& [name, attribute] : m.message_attributes) {
      nlohmann::ordered_json one = nlohmann::ordered_json::object();
      if (attribute.binary) {
        one["binaryValue"] = common::Base64Encode(attribute.value);
      } else {
        one["stringValue"] = attribute.value;
      }
      one["stringListValues"] = nlohmann::ordered_json::array();
      one["binaryListValues"] = nlohmann::ordered_json::array();
      one["dataType"] = attribute.data_type;
      message_attributes[name] = std::move(one);
    }
    nlohmann::ordered_json record = {{"messageId", m.id},
                                     {"receiptHandle", m.receipt_handle},
                                     {"body", m.body},
                                     {"attributes", std::move(attributes)},
                                     {"messageAttributes", std::move(message_attributes)},
                                     {"md5OfBody", m.md5_body}};
    if (!m.md5_attributes.empty()) record["md5OfMessageAttributes"] = m.md5_attributes;
    record["eventSource"] = "aws:sqs";
    record["eventSourceARN"] = event_source_arn;
    record["awsRegion"] = region;
    records.push_back(std::move(record));
  }
  return nlohmann::ordered_json{{"Records", std::move(records)}}.dump(-1, ' ', false,
                                                                      common::kReplaceInvalidUtf8);
}

std::optional<std::set<std::string>> BatchItemFailures(const std::string& payload,
                                                       const std::set<std::string>& batch_ids) {
  std::set<std::string> failed;
  auto doc = common::ParseJson(payload);
  if (doc.is_discarded()) return std::nullopt;
  if (doc.is_null()) return failed;  // a handler that returned nothing: all succeeded
  if (!doc.is_object()) return std::nullopt;
  auto it = doc.find("batchItemFailures");
  if (it == doc.end() || it->is_null()) return failed;
  if (!it->is_array()) return std::nullopt;
  for (const auto& item : *it) {
    if (!item.is_object()) return std::nullopt;
    auto id = item.find("itemIdentifier");
    // An empty, null or unknown identifier fails the whole batch, as AWS.
    if (id == item.end() || !id->is_string() || !batch_ids.contains(id->get<std::string>())) {
      return std::nullopt;
    }
    failed.insert(id->get<std::string>());
  }
  return failed;
}

}  // namespace offstage::lambda
