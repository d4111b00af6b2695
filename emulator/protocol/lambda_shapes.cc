// The Lambda REST-JSON shapes: typed body readers, configuration and code decoders, and the
// FunctionConfiguration / FunctionEventInvokeConfig renderers. Pure functions; any thread.
#include "emulator/protocol/lambda_shapes.h"

#include <cstdint>

#include "emulator/common/clock.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::protocol::lambda_shapes {

using common::ErrorCode;
using common::Fail;
using common::Result;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

json ParseBody(const std::string& body) {
  if (body.empty()) return json::object();
  json parsed = common::ParseJson<json>(body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw BadBody{"Could not parse request body into json: the body is not a JSON object"};
  }
  return parsed;
}

std::optional<std::string> String(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw BadBody{std::string("Expected a string for ") + key};
  return it->get<std::string>();
}

std::optional<int> Int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw BadBody{std::string("Expected an integer for ") + key};
  const auto value = it->get<int64_t>();
  if (value < INT32_MIN || value > INT32_MAX) throw BadBody{std::string(key) + " is out of range"};
  return static_cast<int>(value);
}

std::optional<bool> Bool(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw BadBody{std::string("Expected a boolean for ") + key};
  return it->get<bool>();
}

std::optional<std::map<std::string, std::string>> StringMap(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) throw BadBody{std::string("Expected an object for ") + key};
  std::map<std::string, std::string> out;
  for (auto& [k, v] : it->items()) {
    if (!v.is_string()) throw BadBody{std::string("Expected string values in ") + key};
    out[k] = v.get<std::string>();
  }
  return out;
}

std::optional<std::vector<std::string>> StringList(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) throw BadBody{std::string("Expected a list for ") + key};
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) throw BadBody{std::string("Expected strings in ") + key};
    out.push_back(v.get<std::string>());
  }
  return out;
}

const json& Object(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) throw BadBody{std::string("Expected an object for ") + key};
  return *it;
}

lambda::ConfigInput DecodeConfig(const json& body) {
  lambda::ConfigInput c;
  c.role = String(body, "Role");
  c.handler = String(body, "Handler");
  c.description = String(body, "Description");
  c.runtime = String(body, "Runtime");
  c.timeout = Int(body, "Timeout");
  c.memory = Int(body, "MemorySize");
  if (body.contains("EphemeralStorage"))
    c.ephemeral_storage = Int(Object(body, "EphemeralStorage"), "Size");
  if (body.contains("Environment")) {
    c.variables = StringMap(Object(body, "Environment"), "Variables")
                      .value_or(std::map<std::string, std::string>{});
  }
  if (body.contains("TracingConfig"))
    c.tracing_mode = String(Object(body, "TracingConfig"), "Mode");
  if (body.contains("DeadLetterConfig")) {
    c.dead_letter_target = String(Object(body, "DeadLetterConfig"), "TargetArn").value_or("");
  }
  c.layers = StringList(body, "Layers");
  c.architectures = StringList(body, "Architectures");
  c.kms_key_arn = String(body, "KMSKeyArn");
  if (body.contains("LoggingConfig")) {
    const json& logging = Object(body, "LoggingConfig");
    c.log_format = String(logging, "LogFormat");
    c.log_group = String(logging, "LogGroup");
  }
  c.revision_id = String(body, "RevisionId");
  return c;
}

Result<lambda::CodeInput> DecodeCode(const json& code) {
  lambda::CodeInput in;
  if (auto zip = String(code, "ZipFile")) {
    auto bytes = common::Base64Decode(*zip);
    if (!bytes) {
      return Fail(ErrorCode::kLambdaInvalidParameterValue,
                  "Could not unzip uploaded file. Please check your file, then try to upload "
                  "again.");
    }
    in.zip_file = std::move(*bytes);
  }
  in.s3_bucket = String(code, "S3Bucket");
  in.s3_key = String(code, "S3Key");
  in.s3_object_version = String(code, "S3ObjectVersion");
  in.image_uri = String(code, "ImageUri");
  return in;
}

ojson Configuration(const lambda::Function& f, bool full, const std::string& arn) {
  ojson out = {
      {"FunctionName", f.name},       {"FunctionArn", arn.empty() ? f.VersionArn() : arn},
      {"Runtime", f.runtime},         {"Role", f.role},
      {"Handler", f.handler},         {"CodeSize", f.code.size},
      {"Description", f.description}, {"Timeout", f.timeout},
      {"MemorySize", f.memory},       {"LastModified", common::IsoMillisOffset(f.last_modified_ns)},
      {"CodeSha256", f.code.sha256},  {"Version", f.version},
  };
  if (!f.variables.empty()) out["Environment"] = {{"Variables", f.variables}};
  out["TracingConfig"] = {{"Mode", f.tracing_mode}};
  out["RevisionId"] = f.revision_id;
  if (f.dead_letter_target) out["DeadLetterConfig"] = {{"TargetArn", *f.dead_letter_target}};
  if (f.kms_key_arn) out["KMSKeyArn"] = *f.kms_key_arn;
  if (!f.layers.empty()) {
    ojson layers = ojson::array();
    for (const auto& layer : f.layers) {
      layers.push_back({{"Arn", layer.arn}, {"CodeSize", layer.code_size}});
    }
    out["Layers"] = layers;
  }
  if (full) {
    out["State"] = "Active";
    out["LastUpdateStatus"] = "Successful";
  }
  out["PackageType"] = f.package_type;
  out["Architectures"] = f.architectures;
  out["EphemeralStorage"] = {{"Size", f.ephemeral_storage}};
  out["SnapStart"] = {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
  out["LoggingConfig"] = {{"LogFormat", f.log_format}, {"LogGroup", f.log_group}};
  return out;
}

ojson AliasJson(const lambda::Alias& alias, const std::string& alias_arn) {
  ojson out = {{"AliasArn", alias_arn},
               {"Name", alias.name},
               {"FunctionVersion", alias.function_version},
               {"Description", alias.description}};
  if (!alias.additional_version_weights.empty()) {
    ojson weights = ojson::object();
    for (const auto& [version, weight] : alias.additional_version_weights) {
      weights[version] = weight;
    }
    out["RoutingConfig"] = {{"AdditionalVersionWeights", weights}};
  }
  out["RevisionId"] = alias.revision_id;
  return out;
}

std::optional<std::map<std::string, double>> Weights(const json& body) {
  auto routing = body.find("RoutingConfig");
  if (routing == body.end() || routing->is_null()) return std::nullopt;
  if (!routing->is_object()) throw BadBody{"Expected an object for RoutingConfig"};
  auto weights = routing->find("AdditionalVersionWeights");
  if (weights == routing->end() || weights->is_null()) return std::map<std::string, double>{};
  if (!weights->is_object()) throw BadBody{"Expected an object for AdditionalVersionWeights"};
  std::map<std::string, double> out;
  for (auto& [version, weight] : weights->items()) {
    if (!weight.is_number()) throw BadBody{"Expected numbers in AdditionalVersionWeights"};
    out[version] = weight.get<double>();
  }
  return out;
}

ojson EventInvokeConfigJson(const std::string& function_arn, const lambda::EventInvokeConfig& c) {
  ojson out = {{"LastModified", static_cast<double>(c.last_modified_ns / 1'000'000) / 1000.0},
               {"FunctionArn", function_arn}};
  if (c.max_retry_attempts) out["MaximumRetryAttempts"] = *c.max_retry_attempts;
  if (c.max_event_age_seconds) out["MaximumEventAgeInSeconds"] = *c.max_event_age_seconds;
  ojson on_success = ojson::object();
  ojson on_failure = ojson::object();
  if (c.on_success) on_success["Destination"] = *c.on_success;
  if (c.on_failure) on_failure["Destination"] = *c.on_failure;
  out["DestinationConfig"] = {{"OnSuccess", on_success}, {"OnFailure", on_failure}};
  return out;
}

}  // namespace offstage::protocol::lambda_shapes
