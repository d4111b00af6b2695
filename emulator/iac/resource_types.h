// The resource types a stack can hold: one row per CloudFormation type (as the codecs' action
// tables have one row per action), each with the properties it knows, the attributes Fn::GetAtt
// reads, and how it is created, updated in place (or asks for a replacement) and deleted through
// the services' own APIs (aws_api.h). Types that are accepted but have no effect here (IAM, log
// groups, SQS until it exists) produce the values AWS would (names, ARNs) and say so. A type not
// in the table is reported and skipped by the deployer. Thread model: the table is constant;
// handlers run on the deploying thread.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/ids.h"
#include "emulator/common/result.h"
#include "emulator/iac/aws_api.h"
#include "emulator/iac/intrinsics.h"

namespace offstage::iac {

struct ResourceContext {
  AwsApi& api;
  common::IdGenerator& ids;
  std::string region;
  std::string account;
  std::string stack_name;
  std::string logical_id;
  std::filesystem::path base_dir;  // the template's directory: relative code paths
  std::filesystem::path code_dir;  // this stack's directory for inline (ZipFile) code
  // A CDK or serverless asset: the local path an S3 location stands for (nullopt: unknown).
  std::function<std::optional<std::string>(const std::string& bucket, const std::string& key)>
      asset;
  // The resource's code fingerprint for this deploy (lambda_code.h ResourceFingerprint).
  nlohmann::json fingerprint = nullptr;
};

// A resource as it is: its physical id, what Ref and Fn::GetAtt answer, the properties last
// applied (evaluated) and whatever else its handler keeps (e.g. a topic's inline
// subscriptions).
struct Current {
  std::string physical_id;
  ResourceValues values;
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json state = nlohmann::json::object();
};

enum class Support {
  kEmulated,  // made for real through the services' APIs
  kAccepted,  // accepted with no effect (values computed as AWS would); `note` says why
};

struct ResourceType {
  std::string_view name;
  Support support;
  std::string_view note;
  std::vector<std::string_view> properties;  // empty: any
  std::vector<std::string_view> attributes;
  common::Result<Current> (*create)(const ResourceContext& ctx, const nlohmann::json& props);
  // The resource changed in place, or nullopt when the change needs a replacement (a new one
  // created, the old one deleted after the deploy succeeds).
  common::Result<std::optional<Current>> (*update)(const ResourceContext& ctx, const Current& old,
                                                   const nlohmann::json& props);
  // Deleting what is already gone succeeds.
  common::Status (*remove)(const ResourceContext& ctx, const Current& current);
};

// nullptr: a type offstage does not know.
const ResourceType* FindResourceType(std::string_view type);

// The tables of each family, in their own files.
std::vector<ResourceType> SnsResourceTypes();
std::vector<ResourceType> LambdaResourceTypes();
std::vector<ResourceType> SqsResourceTypes();
std::vector<ResourceType> AcceptedResourceTypes();

// Shared by the handlers.
namespace resource {

// CloudFormation's generated physical name: "{stack}-{logical}-{12 random}", cut to `max`
// characters (the stack and logical id shortened, the random part and `suffix` kept).
std::string GeneratedName(const ResourceContext& ctx, size_t max, std::string_view suffix = "");
// A resource that is only a name: its physical id (and Ref, and `Id`) a generated name of at
// most `max` characters, its properties `props`.
Current Generated(const ResourceContext& ctx, const nlohmann::json& props, size_t max = 128);
// The property as a string (numbers and booleans as written; objects as JSON), if present.
std::optional<std::string> Text(const nlohmann::json& props, const char* key);
// Whether an API error says the thing is already gone (NotFound, ResourceNotFoundException).
bool Gone(const common::ApiError& error);
// A property-validation error naming the resource, in CloudFormation's wording.
common::ApiError Invalid(const ResourceContext& ctx, const std::string& message);
// JSON object → "a=b" pairs: tags as CloudFormation lists them ([{Key, Value}]).
std::map<std::string, std::string> Tags(const nlohmann::json& props);
// The attributes an update sets, by name: each one whose value differs between `before` and
// `after`, at its new value, or at `default_of(name)` when `after` leaves it out.
std::map<std::string, std::string> AttributeChanges(
    const std::map<std::string, std::string>& before,
    const std::map<std::string, std::string>& after,
    std::string (*default_of)(const std::string& name));
// Only the members of `props` named in `keys`.
nlohmann::json Pick(const nlohmann::json& props, const std::vector<std::string_view>& keys);

}  // namespace resource

}  // namespace offstage::iac
