// awsQuery <-> JSON for SQS (sqs_query.h). The flattened names are the SQS query model's
// locationNames (botocore's sqs 2012-11-05 model before the JSON protocol).
#include "emulator/protocol/sqs_query.h"

#include <map>

#include "emulator/protocol/xml_writer.h"

namespace offstage::protocol {
namespace {

using Params = std::map<std::string, std::string, std::less<>>;

// The parameters under "Prefix.N." grouped by N (ascending), with the prefix removed.
std::map<int, Params> Groups(const Params& params, std::string_view prefix) {
  std::map<int, Params> out;
  const std::string head = std::string(prefix) + ".";
  for (auto it = params.lower_bound(head); it != params.end(); ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(head)) break;
    const size_t start = head.size();
    size_t end = start;
    while (end < key.size() && key[end] >= '0' && key[end] <= '9') ++end;
    if (end == start || end - start > 6) continue;
    const int index = std::stoi(key.substr(start, end - start));
    if (end == key.size()) {
      out[index][""] = it->second;  // a plain list member: "Prefix.N"
    } else if (key[end] == '.') {
      out[index][key.substr(end + 1)] = it->second;
    }
  }
  return out;
}

const std::string* Field(const Params& p, std::string_view name) {
  auto it = p.find(name);
  return it == p.end() ? nullptr : &it->second;
}

nlohmann::json List(const Params& params, std::string_view prefix) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [index, fields] : Groups(params, prefix)) {
    if (const std::string* v = Field(fields, "")) out.push_back(*v);
  }
  return out;
}

nlohmann::json Map(const Params& params, std::string_view prefix, std::string_view key,
                   std::string_view value) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [index, fields] : Groups(params, prefix)) {
    const std::string* k = Field(fields, key);
    const std::string* v = Field(fields, value);
    if (k) out[*k] = v ? *v : "";
  }
  return out;
}

nlohmann::json MessageAttributes(const Params& params, std::string_view prefix) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [index, fields] : Groups(params, prefix)) {
    const std::string* name = Field(fields, "Name");
    if (!name) continue;
    nlohmann::json value = nlohmann::json::object();
    for (std::string_view member : {"DataType", "StringValue", "BinaryValue"}) {
      if (const std::string* v = Field(fields, "Value." + std::string(member))) {
        value[std::string(member)] = *v;
      }
    }
    out[*name] = std::move(value);
  }
  return out;
}

// One level: scalars, and the compound members SQS's requests have.
nlohmann::json Convert(const Params& params) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : params) {
    if (key.find('.') == std::string::npos && !key.empty()) out[key] = value;
  }
  auto set = [&](const char* name, nlohmann::json value) {
    if (!value.empty()) out[name] = std::move(value);
  };
  set("Attributes", Map(params, "Attribute", "Name", "Value"));
  set("tags", Map(params, "Tag", "Key", "Value"));
  set("TagKeys", List(params, "TagKey"));
  set("AttributeNames", List(params, "AttributeName"));
  set("MessageAttributeNames", List(params, "MessageAttributeName"));
  set("MessageSystemAttributeNames", List(params, "MessageSystemAttributeName"));
  set("MessageAttributes", MessageAttributes(params, "MessageAttribute"));
  set("MessageSystemAttributes", MessageAttributes(params, "MessageSystemAttribute"));
  set("AWSAccountIds", List(params, "AWSAccountId"));
  set("Actions", List(params, "ActionName"));
  for (std::string_view entry : {"SendMessageBatchRequestEntry", "DeleteMessageBatchRequestEntry",
                                 "ChangeMessageVisibilityBatchRequestEntry"}) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& [index, fields] : Groups(params, entry)) {
      entries.push_back(Convert(fields));
    }
    set("Entries", std::move(entries));
  }
  return out;
}

std::string Text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

void Render(XmlWriter& xml, std::string_view action, const nlohmann::json& object);

void RenderMember(XmlWriter& xml, std::string_view action, const std::string& name,
                  const nlohmann::json& value) {
  if (name == "Attributes" || name == "Tags") {
    const bool tag = name == "Tags";
    for (const auto& [key, text] : value.items()) {
      xml.Open(tag ? "Tag" : "Attribute");
      xml.Element(tag ? "Key" : "Name", key);
      xml.Element("Value", Text(text));
      xml.Close();
    }
    return;
  }
  if (name == "MessageAttributes") {
    for (const auto& [key, attribute] : value.items()) {
      xml.Open("MessageAttribute");
      xml.Element("Name", key);
      xml.Open("Value");
      for (const auto& [field, text] : attribute.items()) xml.Element(field, Text(text));
      xml.Close();
      xml.Close();
    }
    return;
  }
  if (value.is_array()) {
    std::string element = name;
    if (name == "QueueUrls" || name == "queueUrls") element = "QueueUrl";
    if (name == "Messages") element = "Message";
    if (name == "Successful") element = std::string(action) + "ResultEntry";
    if (name == "Failed") element = "BatchResultErrorEntry";
    if (name == "Results") element = "ListMessageMoveTasksResultEntry";
    for (const auto& item : value) {
      if (item.is_object()) {
        xml.Open(element);
        Render(xml, action, item);
        xml.Close();
      } else {
        xml.Element(element, Text(item));
      }
    }
    return;
  }
  if (value.is_object()) {
    xml.Open(name);
    Render(xml, action, value);
    xml.Close();
    return;
  }
  xml.Element(name, Text(value));
}

void Render(XmlWriter& xml, std::string_view action, const nlohmann::json& object) {
  for (const auto& [name, value] : object.items()) RenderMember(xml, action, name, value);
}

}  // namespace

nlohmann::json SqsQueryInput(const FormParams& params) { return Convert(params.all()); }

std::string SqsQueryResultXml(std::string_view action, const nlohmann::json& output) {
  XmlWriter xml;
  Render(xml, action, output);
  return xml.str();
}

}  // namespace offstage::protocol
