// Lambda's resource types (resource_types.h): AWS::Lambda::Function, ::Permission, ::Version,
// ::Alias, ::Url, ::EventInvokeConfig and ::LayerVersion, made through Lambda's REST API; code
// and layer content as lambda_code.h reads them.
#include <fstream>
#include <set>
#include <sstream>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/iac/lambda_code.h"
#include "emulator/iac/resource_types.h"

namespace offstage::iac {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using resource::Text;

struct FunctionRef {
  std::string name;  // percent-encoded for a path
  std::string qualifier;
};

// A FunctionName property: a name, a name:qualifier, or a (qualified) ARN.
FunctionRef ParseFunction(const std::string& value) {
  FunctionRef out;
  std::string name = value;
  if (value.starts_with("arn:")) {
    auto parts = common::Split(value, ':');
    if (parts.size() >= 7) name = std::string(parts[6]);
    if (parts.size() >= 8) out.qualifier = std::string(parts[7]);
  } else if (size_t colon = value.find(':'); colon != std::string::npos) {
    name = value.substr(0, colon);
    out.qualifier = value.substr(colon + 1);
  }
  out.name = common::PercentEncode(name);
  return out;
}

std::string QualifierQuery(const std::string& qualifier) {
  return qualifier.empty() ? "" : "?Qualifier=" + common::PercentEncode(qualifier);
}

const std::vector<std::string_view> kConfigKeys = {
    "Runtime",       "Handler",       "Role",          "Timeout",
    "MemorySize",    "Environment",   "Layers",        "DeadLetterConfig",
    "Description",   "Architectures", "TracingConfig", "EphemeralStorage",
    "LoggingConfig", "VpcConfig",     "KmsKeyArn",     "FileSystemConfigs",
    "ImageConfig",   "SnapStart",     "PackageType"};

// What a configuration member left out of the properties is set back to.
json ConfigDefault(std::string_view key) {
  if (key == "Timeout") return 3;
  if (key == "MemorySize") return 128;
  if (key == "Description") return "";
  if (key == "Environment") return json{{"Variables", json::object()}};
  if (key == "Layers") return json::array();
  if (key == "DeadLetterConfig") return json{{"TargetArn", ""}};
  if (key == "TracingConfig") return json{{"Mode", "PassThrough"}};
  return nullptr;
}

Current FunctionValues(const ResourceContext& ctx, const std::string& name, const json& props,
                       const json& code) {
  Current c;
  c.physical_id = name;
  c.values.ref = name;
  c.values.attributes = {
      {"Arn", "arn:aws:lambda:" + ctx.region + ":" + ctx.account + ":function:" + name}};
  c.properties = props;
  c.state = {{"code", CodeKey(code)}};
  return c;
}

common::Status Concurrency(const ResourceContext& ctx, const std::string& name, const json& props) {
  const std::string path = "/2017-10-31/functions/" + common::PercentEncode(name) + "/concurrency";
  if (auto it = props.find("ReservedConcurrentExecutions"); it != props.end()) {
    auto text = ScalarText(*it);
    char* end = nullptr;
    const long n = text ? std::strtol(text->c_str(), &end, 10) : -1;
    if (!text || *end != '\0') {
      return common::Fail(
          resource::Invalid(ctx, "#/ReservedConcurrentExecutions: expected type: Integer"));
    }
    auto r = ctx.api.Lambda("PUT", path, {{"ReservedConcurrentExecutions", n}});
    if (!r) return common::Fail(r.error());
    return {};
  }
  auto r = ctx.api.Lambda("DELETE", path, nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

common::Result<Current> CreateFunction(const ResourceContext& ctx, const json& props) {
  if (!props.contains("Code")) {
    return common::Fail(resource::Invalid(ctx, "#: required key [Code] not found"));
  }
  if (!props.contains("Role")) {
    return common::Fail(resource::Invalid(ctx, "#: required key [Role] not found"));
  }
  auto code = CodeFor(ctx, props["Code"], props, "Code");
  if (!code) return common::Fail(code.error());
  std::string name = Text(props, "FunctionName").value_or("");
  if (name.empty()) name = resource::GeneratedName(ctx, 64);
  json body = resource::Pick(props, kConfigKeys);
  body["FunctionName"] = name;
  body["Code"] = *code;
  if (auto tags = resource::Tags(props); !tags.empty()) body["Tags"] = tags;
  auto r = ctx.api.Lambda("POST", "/2015-03-31/functions", body);
  if (!r) return common::Fail(r.error());
  if (props.contains("ReservedConcurrentExecutions")) {
    if (auto s = Concurrency(ctx, name, props); !s) {
      (void)ctx.api.Lambda("DELETE", "/2015-03-31/functions/" + common::PercentEncode(name),
                           nullptr);
      return common::Fail(s.error());
    }
  }
  return FunctionValues(ctx, name, props, *code);
}

common::Result<std::optional<Current>> UpdateFunction(const ResourceContext& ctx,
                                                      const Current& old, const json& props) {
  if (Text(old.properties, "FunctionName") != Text(props, "FunctionName")) return std::nullopt;
  const std::string& name = old.physical_id;
  const std::string base = "/2015-03-31/functions/" + common::PercentEncode(name);
  // The code as it is now (a rebuilt .zip at the same path is new code), against what was
  // last sent.
  json code = old.state.value("code", json());
  auto next = CodeFor(ctx, props.value("Code", json()), props, "Code");
  if (!next) return common::Fail(next.error());
  if (CodeKey(*next) != code) {
    auto r = ctx.api.Lambda("PUT", base + "/code", *next);
    if (!r) return common::Fail(r.error());
    code = CodeKey(*next);
  }
  json config = json::object();
  for (std::string_view key : kConfigKeys) {
    const std::string k(key);
    const json before = old.properties.value(k, json());
    const json after = props.value(k, json());
    if (before == after) continue;
    config[k] = after.is_null() ? ConfigDefault(key) : after;
    if (config[k].is_null()) config.erase(k);
  }
  if (!config.empty()) {
    auto r = ctx.api.Lambda("PUT", base + "/configuration", config);
    if (!r) return common::Fail(r.error());
  }
  if (old.properties.value("ReservedConcurrentExecutions", json()) !=
      props.value("ReservedConcurrentExecutions", json())) {
    if (auto s = Concurrency(ctx, name, props); !s) return common::Fail(s.error());
  }
  const auto before = resource::Tags(old.properties);
  const auto after = resource::Tags(props);
  if (before != after) {
    const std::string arn =
        "arn:aws:lambda:" + ctx.region + ":" + ctx.account + ":function:" + name;
    const std::string tags_path = "/2017-03-31/tags/" + common::PercentEncode(arn);
    std::string removed;
    for (const auto& [k, v] : before) {
      if (!after.contains(k))
        removed +=
            (removed.empty() ? "?" : "&") + std::string("tagKeys=") + common::PercentEncode(k);
    }
    if (!removed.empty()) {
      if (auto r = ctx.api.Lambda("DELETE", tags_path + removed, nullptr); !r)
        return common::Fail(r.error());
    }
    if (!after.empty()) {
      if (auto r = ctx.api.Lambda("POST", tags_path, {{"Tags", after}}); !r)
        return common::Fail(r.error());
    }
  }
  return FunctionValues(ctx, name, props, code);
}

common::Status DeleteFunction(const ResourceContext& ctx, const Current& current) {
  auto r = ctx.api.Lambda(
      "DELETE", "/2015-03-31/functions/" + common::PercentEncode(current.physical_id), nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

// Resources whose every property change is a replacement.
common::Result<std::optional<Current>> Replace(const ResourceContext& ctx, const Current& old,
                                               const json& props) {
  if (old.properties == props && old.state.value("fingerprint", json()) == ctx.fingerprint) {
    return old;
  }
  return std::nullopt;
}

common::Result<Current> CreatePermission(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"Action", "FunctionName", "Principal"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  const FunctionRef fn = ParseFunction(Text(props, "FunctionName").value_or(""));
  const std::string sid = resource::GeneratedName(ctx, 100);
  json body = resource::Pick(props, {"Action", "Principal", "SourceArn", "SourceAccount",
                                     "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"});
  body["StatementId"] = sid;
  auto r = ctx.api.Lambda(
      "POST", "/2015-03-31/functions/" + fn.name + "/policy" + QualifierQuery(fn.qualifier), body);
  if (!r) return common::Fail(r.error());
  Current c;
  c.physical_id = sid;
  c.values.ref = sid;
  c.properties = props;
  return c;
}

common::Status DeletePermission(const ResourceContext& ctx, const Current& current) {
  const FunctionRef fn = ParseFunction(Text(current.properties, "FunctionName").value_or(""));
  auto r =
      ctx.api.Lambda("DELETE",
                     "/2015-03-31/functions/" + fn.name + "/policy/" +
                         common::PercentEncode(current.physical_id) + QualifierQuery(fn.qualifier),
                     nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

common::Result<Current> CreateVersion(const ResourceContext& ctx, const json& props) {
  if (!props.contains("FunctionName")) {
    return common::Fail(resource::Invalid(ctx, "#: required key [FunctionName] not found"));
  }
  const FunctionRef fn = ParseFunction(Text(props, "FunctionName").value_or(""));
  auto r = ctx.api.Lambda("POST", "/2015-03-31/functions/" + fn.name + "/versions",
                          resource::Pick(props, {"Description", "CodeSha256"}));
  if (!r) return common::Fail(r.error());
  Current c;
  c.physical_id = r->value("FunctionArn", "");
  c.values.ref = c.physical_id;
  c.values.attributes = {{"Version", r->value("Version", "")}, {"FunctionArn", c.physical_id}};
  c.properties = props;
  return c;
}

common::Status DeleteQualified(const ResourceContext& ctx, const Current& current) {
  const FunctionRef fn = ParseFunction(current.physical_id);
  auto r = ctx.api.Lambda(
      "DELETE", "/2015-03-31/functions/" + fn.name + QualifierQuery(fn.qualifier), nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

json AliasBody(const json& props) {
  json body = resource::Pick(props, {"FunctionVersion", "Description"});
  if (auto routing = props.find("RoutingConfig"); routing != props.end() && routing->is_object()) {
    json weights = json::object();
    const json list = routing->value("AdditionalVersionWeights", json::array());
    for (const auto& w : list.is_array() ? list : json::array()) {
      if (!w.is_object()) continue;  // the Lambda API refuses the weights that are left
      weights[Text(w, "FunctionVersion").value_or("")] = w.value("FunctionWeight", json(0.0));
    }
    body["RoutingConfig"] = {{"AdditionalVersionWeights", weights}};
  } else {
    body["RoutingConfig"] = {{"AdditionalVersionWeights", json::object()}};
  }
  return body;
}

Current AliasValues(const std::string& arn, const json& props) {
  Current c;
  c.physical_id = arn;
  c.values.ref = arn;
  c.values.attributes = {{"AliasArn", arn}};
  c.properties = props;
  return c;
}

common::Result<Current> CreateAlias(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"FunctionName", "FunctionVersion", "Name"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  const FunctionRef fn = ParseFunction(Text(props, "FunctionName").value_or(""));
  json body = AliasBody(props);
  body["Name"] = Text(props, "Name").value_or("");
  auto r = ctx.api.Lambda("POST", "/2015-03-31/functions/" + fn.name + "/aliases", body);
  if (!r) return common::Fail(r.error());
  return AliasValues(r->value("AliasArn", ""), props);
}

common::Result<std::optional<Current>> UpdateAlias(const ResourceContext& ctx, const Current& old,
                                                   const json& props) {
  if (Text(old.properties, "Name") != Text(props, "Name") ||
      Text(old.properties, "FunctionName") != Text(props, "FunctionName")) {
    return std::nullopt;
  }
  const FunctionRef fn = ParseFunction(Text(props, "FunctionName").value_or(""));
  auto r = ctx.api.Lambda("PUT",
                          "/2015-03-31/functions/" + fn.name + "/aliases/" +
                              common::PercentEncode(Text(props, "Name").value_or("")),
                          AliasBody(props));
  if (!r) return common::Fail(r.error());
  return AliasValues(old.physical_id, props);
}

common::Status DeleteAlias(const ResourceContext& ctx, const Current& current) {
  const FunctionRef fn = ParseFunction(current.physical_id);
  auto r = ctx.api.Lambda(
      "DELETE",
      "/2015-03-31/functions/" + fn.name + "/aliases/" + common::PercentEncode(fn.qualifier),
      nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

std::string UrlPath(const json& props) {
  FunctionRef fn = ParseFunction(Text(props, "TargetFunctionArn").value_or(""));
  if (auto q = Text(props, "Qualifier")) fn.qualifier = *q;
  return "/2021-10-31/functions/" + fn.name + "/url" + QualifierQuery(fn.qualifier);
}

common::Result<Current> CreateUrl(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"AuthType", "TargetFunctionArn"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  auto r = ctx.api.Lambda("POST", UrlPath(props),
                          resource::Pick(props, {"AuthType", "Cors", "InvokeMode"}));
  if (!r) return common::Fail(r.error());
  Current c;
  c.physical_id = r->value("FunctionArn", "");
  c.values.ref = c.physical_id;
  c.values.attributes = {{"FunctionArn", c.physical_id},
                         {"FunctionUrl", r->value("FunctionUrl", "")}};
  c.properties = props;
  return c;
}

common::Result<std::optional<Current>> UpdateUrl(const ResourceContext& ctx, const Current& old,
                                                 const json& props) {
  if (Text(old.properties, "TargetFunctionArn") != Text(props, "TargetFunctionArn") ||
      Text(old.properties, "Qualifier") != Text(props, "Qualifier")) {
    return std::nullopt;
  }
  json body = resource::Pick(props, {"AuthType", "Cors", "InvokeMode"});
  if (!body.contains("Cors")) body["Cors"] = json::object();
  auto r = ctx.api.Lambda("PUT", UrlPath(props), body);
  if (!r) return common::Fail(r.error());
  Current c = old;
  c.properties = props;
  return c;
}

common::Status DeleteUrl(const ResourceContext& ctx, const Current& current) {
  auto r = ctx.api.Lambda("DELETE", UrlPath(current.properties), nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

std::string InvokeConfigPath(const json& props) {
  const FunctionRef fn = ParseFunction(Text(props, "FunctionName").value_or(""));
  return "/2019-09-25/functions/" + fn.name + "/event-invoke-config" +
         QualifierQuery(Text(props, "Qualifier").value_or(fn.qualifier));
}

common::Result<Current> PutInvokeConfig(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"FunctionName", "Qualifier"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  auto r = ctx.api.Lambda("PUT", InvokeConfigPath(props),
                          resource::Pick(props, {"MaximumEventAgeInSeconds", "MaximumRetryAttempts",
                                                 "DestinationConfig"}));
  if (!r) return common::Fail(r.error());
  return resource::Generated(ctx, props);
}

common::Result<std::optional<Current>> UpdateInvokeConfig(const ResourceContext& ctx,
                                                          const Current& old, const json& props) {
  if (Text(old.properties, "FunctionName") != Text(props, "FunctionName") ||
      Text(old.properties, "Qualifier") != Text(props, "Qualifier")) {
    return std::nullopt;
  }
  auto put = PutInvokeConfig(ctx, props);
  if (!put) return common::Fail(put.error());
  Current c = old;
  c.properties = props;
  return c;
}

common::Status DeleteInvokeConfig(const ResourceContext& ctx, const Current& current) {
  auto r = ctx.api.Lambda("DELETE", InvokeConfigPath(current.properties), nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

// An event source mapping (SQS -> Lambda): its properties go to the API as they are (it refuses
// the ones offstage does not apply, by name). Ref and Id: its UUID.
const std::vector<std::string_view> kMappingKeys = {"AmazonManagedKafkaEventSourceConfig",
                                                    "BatchSize",
                                                    "BisectBatchOnFunctionError",
                                                    "DestinationConfig",
                                                    "DocumentDBEventSourceConfig",
                                                    "Enabled",
                                                    "EventSourceArn",
                                                    "FilterCriteria",
                                                    "FunctionName",
                                                    "FunctionResponseTypes",
                                                    "KmsKeyArn",
                                                    "MaximumBatchingWindowInSeconds",
                                                    "MaximumRecordAgeInSeconds",
                                                    "MaximumRetryAttempts",
                                                    "MetricsConfig",
                                                    "ParallelizationFactor",
                                                    "ProvisionedPollerConfig",
                                                    "Queues",
                                                    "ScalingConfig",
                                                    "SelfManagedEventSource",
                                                    "SelfManagedKafkaEventSourceConfig",
                                                    "SourceAccessConfigurations",
                                                    "StartingPosition",
                                                    "StartingPositionTimestamp",
                                                    "Tags",
                                                    "Topics",
                                                    "TumblingWindowInSeconds"};

json MappingBody(const json& props) {
  json body = resource::Pick(props, kMappingKeys);
  // A template's booleans and numbers may be strings (parameters): the API wants JSON's types.
  for (const char* key : {"BatchSize", "MaximumBatchingWindowInSeconds"}) {
    if (auto v = Text(props, key)) {
      try {
        body[key] = std::stoll(*v);
      } catch (const std::exception&) {
        // left as written: the API answers its own error
      }
    }
  }
  if (auto v = Text(props, "Enabled")) body["Enabled"] = *v == "true";
  return body;
}

Current MappingValues(const json& answer, const json& props) {
  Current c;
  c.physical_id = answer.value("UUID", "");
  c.values.ref = c.physical_id;
  c.values.attributes = {{"Id", c.physical_id},
                         {"EventSourceMappingArn", answer.value("EventSourceMappingArn", "")}};
  c.properties = props;
  return c;
}

common::Result<Current> CreateMapping(const ResourceContext& ctx, const json& props) {
  for (const char* key : {"FunctionName"}) {
    if (!props.contains(key)) {
      return common::Fail(
          resource::Invalid(ctx, std::string("#: required key [") + key + "] not found"));
    }
  }
  auto r = ctx.api.Lambda("POST", "/2015-03-31/event-source-mappings/", MappingBody(props));
  if (!r) return common::Fail(r.error());
  return MappingValues(*r, props);
}

common::Result<std::optional<Current>> UpdateMapping(const ResourceContext& ctx, const Current& old,
                                                     const json& props) {
  if (Text(old.properties, "EventSourceArn") != Text(props, "EventSourceArn")) {
    return std::nullopt;
  }
  json body = MappingBody(props);
  body.erase("EventSourceArn");
  auto r = ctx.api.Lambda("PUT", "/2015-03-31/event-source-mappings/" + old.physical_id, body);
  if (!r) return common::Fail(r.error());
  Current c = old;
  c.properties = props;
  return c;
}

common::Status DeleteMapping(const ResourceContext& ctx, const Current& current) {
  auto r =
      ctx.api.Lambda("DELETE", "/2015-03-31/event-source-mappings/" + current.physical_id, nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

common::Result<Current> CreateLayerVersion(const ResourceContext& ctx, const json& props) {
  if (!props.contains("Content")) {
    return common::Fail(resource::Invalid(ctx, "#: required key [Content] not found"));
  }
  auto content = CodeFor(ctx, props["Content"], props, "Content");
  if (!content) return common::Fail(content.error());
  std::string name = Text(props, "LayerName").value_or("");
  if (name.empty()) name = ctx.logical_id;
  json body = resource::Pick(
      props, {"CompatibleRuntimes", "CompatibleArchitectures", "Description", "LicenseInfo"});
  body["Content"] = *content;
  auto r = ctx.api.Lambda("POST", "/2018-10-31/layers/" + common::PercentEncode(name) + "/versions",
                          body);
  if (!r) return common::Fail(r.error());
  Current c;
  c.physical_id = r->value("LayerVersionArn", "");
  c.values.ref = c.physical_id;
  c.values.attributes = {{"LayerVersionArn", c.physical_id}};
  c.properties = props;
  return c;
}

common::Status DeleteLayerVersion(const ResourceContext& ctx, const Current& current) {
  auto parts = common::Split(current.physical_id, ':');
  if (parts.size() < 8) return {};
  auto r = ctx.api.Lambda("DELETE",
                          "/2018-10-31/layers/" + common::PercentEncode(std::string(parts[6])) +
                              "/versions/" + std::string(parts[7]),
                          nullptr);
  if (!r && !resource::Gone(r.error())) return common::Fail(r.error());
  return {};
}

}  // namespace

std::vector<ResourceType> LambdaResourceTypes() {
  return {
      {"AWS::Lambda::Function",
       Support::kEmulated,
       "",
       {"Architectures",
        "Code",
        "CodeSigningConfigArn",
        "DeadLetterConfig",
        "Description",
        "Environment",
        "EphemeralStorage",
        "FileSystemConfigs",
        "FunctionName",
        "Handler",
        "ImageConfig",
        "KmsKeyArn",
        "Layers",
        "LoggingConfig",
        "MemorySize",
        "PackageType",
        "RecursiveLoop",
        "ReservedConcurrentExecutions",
        "Role",
        "Runtime",
        "RuntimeManagementConfig",
        "SnapStart",
        "Tags",
        "Timeout",
        "TracingConfig",
        "VpcConfig"},
       {"Arn"},
       CreateFunction,
       UpdateFunction,
       DeleteFunction},
      {"AWS::Lambda::Permission",
       Support::kEmulated,
       "",
       {"Action", "EventSourceToken", "FunctionName", "FunctionUrlAuthType", "Principal",
        "PrincipalOrgID", "SourceAccount", "SourceArn"},
       {},
       CreatePermission,
       Replace,
       DeletePermission},
      {"AWS::Lambda::Version",
       Support::kEmulated,
       "",
       {"CodeSha256", "Description", "FunctionName", "ProvisionedConcurrencyConfig",
        "RuntimePolicy"},
       {"FunctionArn", "Version"},
       CreateVersion,
       Replace,
       DeleteQualified},
      {"AWS::Lambda::Alias",
       Support::kEmulated,
       "",
       {"Description", "FunctionName", "FunctionVersion", "Name", "ProvisionedConcurrencyConfig",
        "RoutingConfig"},
       {"AliasArn"},
       CreateAlias,
       UpdateAlias,
       DeleteAlias},
      {"AWS::Lambda::Url",
       Support::kEmulated,
       "",
       {"AuthType", "Cors", "InvokeMode", "Qualifier", "TargetFunctionArn"},
       {"FunctionArn", "FunctionUrl"},
       CreateUrl,
       UpdateUrl,
       DeleteUrl},
      {"AWS::Lambda::EventInvokeConfig",
       Support::kEmulated,
       "",
       {"DestinationConfig", "FunctionName", "MaximumEventAgeInSeconds", "MaximumRetryAttempts",
        "Qualifier"},
       {},
       PutInvokeConfig,
       UpdateInvokeConfig,
       DeleteInvokeConfig},
      {"AWS::Lambda::EventSourceMapping",
       Support::kEmulated,
       "",
       {},
       {"Id", "EventSourceMappingArn"},
       CreateMapping,
       UpdateMapping,
       DeleteMapping},
      {"AWS::Lambda::LayerVersion",
       Support::kEmulated,
       "",
       {"CompatibleArchitectures", "CompatibleRuntimes", "Content", "Description", "LayerName",
        "LicenseInfo"},
       {"LayerVersionArn"},
       CreateLayerVersion,
       Replace,
       DeleteLayerVersion},
  };
}

}  // namespace offstage::iac
