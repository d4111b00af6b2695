// The resource type table (resource_types.h): lookup and the handlers' shared helpers.
#include "emulator/iac/resource_types.h"

#include <algorithm>
#include <cctype>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"

namespace offstage::iac {

const ResourceType* FindResourceType(std::string_view type) {
  static const std::vector<ResourceType> kTypes = [] {
    std::vector<ResourceType> all = SnsResourceTypes();
    for (auto& t : LambdaResourceTypes()) all.push_back(std::move(t));
    for (auto& t : SqsResourceTypes()) all.push_back(std::move(t));
    for (auto& t : AcceptedResourceTypes()) all.push_back(std::move(t));
    return all;
  }();
  for (const ResourceType& t : kTypes) {
    if (t.name == type) return &t;
  }
  return nullptr;
}

namespace resource {

std::string GeneratedName(const ResourceContext& ctx, size_t max, std::string_view suffix) {
  std::string random = ctx.ids.Hex(6);
  std::transform(random.begin(), random.end(), random.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string stack = ctx.stack_name;
  std::string logical = ctx.logical_id;
  const size_t fixed = random.size() + suffix.size() + 2;
  while (stack.size() + logical.size() + fixed > max && (stack.size() > 1 || logical.size() > 1)) {
    if (stack.size() >= logical.size() && stack.size() > 1) {
      stack.pop_back();
    } else {
      logical.pop_back();
    }
  }
  return stack + "-" + logical + "-" + random + std::string(suffix);
}

std::optional<std::string> Text(const nlohmann::json& props, const char* key) {
  auto it = props.find(key);
  if (it == props.end() || it->is_null()) return std::nullopt;
  if (auto text = ScalarText(*it)) return text;
  return it->dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

std::map<std::string, std::string> AttributeChanges(
    const std::map<std::string, std::string>& before,
    const std::map<std::string, std::string>& after,
    std::string (*default_of)(const std::string& name)) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : after) {
    auto b = before.find(name);
    if (b == before.end() || b->second != value) out[name] = value;
  }
  for (const auto& [name, value] : before) {
    if (!after.contains(name)) out[name] = default_of(name);
  }
  return out;
}

Current Generated(const ResourceContext& ctx, const nlohmann::json& props, size_t max) {
  Current c;
  c.physical_id = GeneratedName(ctx, max);
  c.values.ref = c.physical_id;
  c.values.attributes = {{"Id", c.physical_id}};
  c.properties = props;
  return c;
}

bool Gone(const common::ApiError& error) {
  return error.message.starts_with("NotFound:") ||
         error.message.starts_with("ResourceNotFoundException:") ||
         error.message.starts_with("AWS.SimpleQueueService.NonExistentQueue:");
}

common::ApiError Invalid(const ResourceContext& ctx, const std::string& message) {
  return common::ApiError{
      common::ErrorCode::kValidationError,
      "Properties validation failed for resource " + ctx.logical_id + " with message: " + message};
}

std::map<std::string, std::string> Tags(const nlohmann::json& props) {
  std::map<std::string, std::string> out;
  auto it = props.find("Tags");
  if (it == props.end()) return out;
  if (it->is_array()) {
    for (const auto& tag : *it) {
      if (!tag.is_object() || !tag.contains("Key")) continue;
      out[ScalarText(tag["Key"]).value_or("")] =
          tag.contains("Value") ? ScalarText(tag["Value"]).value_or("") : "";
    }
  } else if (it->is_object()) {  // SAM and serverless give a map
    for (const auto& [key, value] : it->items()) out[key] = ScalarText(value).value_or("");
  }
  return out;
}

nlohmann::json Pick(const nlohmann::json& props, const std::vector<std::string_view>& keys) {
  nlohmann::json out = nlohmann::json::object();
  for (std::string_view key : keys) {
    auto it = props.find(std::string(key));
    if (it != props.end()) out[std::string(key)] = *it;
  }
  return out;
}

}  // namespace resource
}  // namespace offstage::iac
