#include "emulator/lambda/function.h"

#include <nlohmann/json.hpp>

#include "emulator/common/json.h"

namespace offstage::lambda {

using nlohmann::json;

std::string Function::ToJson() const {
  json out = {
      {"runtime", runtime},
      {"role", role},
      {"handler", handler},
      {"description", description},
      {"timeout", timeout},
      {"memory", memory},
      {"ephemeral_storage", ephemeral_storage},
      {"variables", variables},
      {"tracing_mode", tracing_mode},
      {"architectures", architectures},
      {"package_type", package_type},
      {"log_format", log_format},
      {"log_group", log_group},
      {"layers", layers},
      {"code",
       {{"dir", code.dir},
        {"sha256", code.sha256},
        {"size", code.size},
        {"local_dir", code.local_dir}}},
      {"tags", tags},
      {"policy", policy_json},
      {"policy_revision", policy_revision},
      {"last_modified_ns", last_modified_ns},
      {"revision_id", revision_id},
      {"generation", generation},
  };
  if (dead_letter_target) out["dead_letter_target"] = *dead_letter_target;
  if (kms_key_arn) out["kms_key_arn"] = *kms_key_arn;
  if (reserved_concurrency) out["reserved_concurrency"] = *reserved_concurrency;
  if (event_invoke_config) {
    json config = {{"last_modified_ns", event_invoke_config->last_modified_ns}};
    const auto& c = *event_invoke_config;
    if (c.max_retry_attempts) config["max_retry_attempts"] = *c.max_retry_attempts;
    if (c.max_event_age_seconds) config["max_event_age_seconds"] = *c.max_event_age_seconds;
    if (c.on_success) config["on_success"] = *c.on_success;
    if (c.on_failure) config["on_failure"] = *c.on_failure;
    out["event_invoke_config"] = config;
  }
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

Result<Function> Function::FromJson(const std::string& text) {
  try {
    const json in = json::parse(text);
    Function f;
    f.runtime = in.at("runtime");
    f.role = in.at("role");
    f.handler = in.at("handler");
    f.description = in.value("description", "");
    f.timeout = in.at("timeout");
    f.memory = in.at("memory");
    f.ephemeral_storage = in.value("ephemeral_storage", 512);
    f.variables = in.value("variables", std::map<std::string, std::string>{});
    f.tracing_mode = in.value("tracing_mode", "PassThrough");
    f.architectures = in.value("architectures", std::vector<std::string>{"x86_64"});
    f.package_type = in.value("package_type", "Zip");
    f.log_format = in.value("log_format", "Text");
    f.log_group = in.value("log_group", "");
    f.layers = in.value("layers", std::vector<std::string>{});
    const json& code = in.at("code");
    f.code.dir = code.at("dir");
    f.code.sha256 = code.at("sha256");
    f.code.size = code.at("size");
    f.code.local_dir = code.at("local_dir");
    f.tags = in.value("tags", std::map<std::string, std::string>{});
    f.policy_json = in.value("policy", "");
    f.policy_revision = in.value("policy_revision", "");
    f.last_modified_ns = in.at("last_modified_ns");
    f.revision_id = in.at("revision_id");
    f.generation = in.value("generation", uint64_t{1});
    if (in.contains("dead_letter_target")) f.dead_letter_target = in["dead_letter_target"];
    if (in.contains("kms_key_arn")) f.kms_key_arn = in["kms_key_arn"];
    if (in.contains("reserved_concurrency")) f.reserved_concurrency = in["reserved_concurrency"];
    if (in.contains("event_invoke_config")) {
      const json& config = in["event_invoke_config"];
      EventInvokeConfig c;
      c.last_modified_ns = config.value("last_modified_ns", int64_t{0});
      if (config.contains("max_retry_attempts"))
        c.max_retry_attempts = config["max_retry_attempts"];
      if (config.contains("max_event_age_seconds")) {
        c.max_event_age_seconds = config["max_event_age_seconds"];
      }
      if (config.contains("on_success")) c.on_success = config["on_success"];
      if (config.contains("on_failure")) c.on_failure = config["on_failure"];
      f.event_invoke_config = c;
    }
    return f;
  } catch (const json::exception& e) {
    return common::Fail(
        common::Internal(std::string("stored function is unreadable: ") + e.what()));
  }
}

}  // namespace offstage::lambda
