#include "emulator/lambda/function.h"

#include <nlohmann/json.hpp>

#include "emulator/common/json.h"

namespace offstage::lambda {

using nlohmann::json;

const Function* Function::Version(const std::string& number) const {
  // AWS's version numbers have no leading zero: "01" names no version.
  if (number.empty() || number.size() > 9 || (number.size() > 1 && number[0] == '0') ||
      number.find_first_not_of("0123456789") != std::string::npos) {
    return nullptr;
  }
  auto it = versions.find(std::stoi(number));
  return it == versions.end() ? nullptr : it->second.get();
}

namespace {

json ToJsonValue(const Function& f);
Function FromJsonValue(const json& in);

json InvokeConfigJson(const EventInvokeConfig& c) {
  json config = {{"last_modified_ns", c.last_modified_ns}};
  if (c.max_retry_attempts) config["max_retry_attempts"] = *c.max_retry_attempts;
  if (c.max_event_age_seconds) config["max_event_age_seconds"] = *c.max_event_age_seconds;
  if (c.on_success) config["on_success"] = *c.on_success;
  if (c.on_failure) config["on_failure"] = *c.on_failure;
  return config;
}

EventInvokeConfig InvokeConfigFromJson(const json& e) {
  EventInvokeConfig c;
  c.last_modified_ns = e.value("last_modified_ns", int64_t{0});
  if (e.contains("max_retry_attempts")) c.max_retry_attempts = e["max_retry_attempts"].get<int>();
  if (e.contains("max_event_age_seconds")) {
    c.max_event_age_seconds = e["max_event_age_seconds"].get<int>();
  }
  if (e.contains("on_success")) c.on_success = e["on_success"].get<std::string>();
  if (e.contains("on_failure")) c.on_failure = e["on_failure"].get<std::string>();
  return c;
}

}  // namespace

std::string Function::Snapshot() const {
  std::vector<std::string> layer_arns;
  for (const LayerRef& layer : layers) layer_arns.push_back(layer.arn);
  json out = {{"code", code.sha256},
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
              {"dead_letter_target", dead_letter_target.value_or("")},
              {"log_format", log_format},
              {"log_group", log_group},
              {"kms_key_arn", kms_key_arn.value_or("")},
              {"layers", layer_arns}};
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

std::string Function::ToJson() const {
  return ToJsonValue(*this).dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

Result<Function> Function::FromJson(const std::string& text) {
  try {
    return FromJsonValue(json::parse(text));
  } catch (const std::exception& e) {  // json's, or a version number that does not read
    return common::Fail(
        common::Internal(std::string("stored function is unreadable: ") + e.what()));
  }
}

namespace {

json ToJsonValue(const Function& f) {
  json out = {
      {"runtime", f.runtime},
      {"role", f.role},
      {"handler", f.handler},
      {"description", f.description},
      {"timeout", f.timeout},
      {"memory", f.memory},
      {"ephemeral_storage", f.ephemeral_storage},
      {"variables", f.variables},
      {"tracing_mode", f.tracing_mode},
      {"architectures", f.architectures},
      {"package_type", f.package_type},
      {"log_format", f.log_format},
      {"log_group", f.log_group},
      {"layers",
       [&] {
         json layers = json::array();
         for (const LayerRef& l : f.layers) {
           layers.push_back({{"arn", l.arn},
                             {"code_size", l.code_size},
                             {"unzipped", l.unzipped},
                             {"dir", l.dir}});
         }
         return layers;
       }()},
      {"opt_dir", f.opt_dir},
      {"code",
       {{"dir", f.code.dir},
        {"sha256", f.code.sha256},
        {"size", f.code.size},
        {"unzipped", f.code.unzipped},
        {"local_dir", f.code.local_dir}}},
      {"tags", f.tags},
      {"policy", f.policy_json},
      {"policy_revision", f.policy_revision},
      {"last_modified_ns", f.last_modified_ns},
      {"revision_id", f.revision_id},
      {"generation", f.generation},
  };
  if (f.dead_letter_target) out["dead_letter_target"] = *f.dead_letter_target;
  if (f.kms_key_arn) out["kms_key_arn"] = *f.kms_key_arn;
  if (f.reserved_concurrency) out["reserved_concurrency"] = *f.reserved_concurrency;
  if (f.event_invoke_config) out["event_invoke_config"] = InvokeConfigJson(*f.event_invoke_config);
  if (!f.qualified_invoke_configs.empty()) {
    json configs = json::object();
    for (const auto& [qualifier, c] : f.qualified_invoke_configs) {
      configs[qualifier] = InvokeConfigJson(c);
    }
    out["qualified_invoke_configs"] = configs;
  }
  if (!f.qualified_policies.empty()) {
    json policies = json::object();
    for (const auto& [qualifier, p] : f.qualified_policies) {
      policies[qualifier] = {{"statements", p.statements}, {"revision", p.revision}};
    }
    out["qualified_policies"] = policies;
  }
  if (f.version != "$LATEST") {
    // A version is stored inside its function's row: it carries its own identity.
    out["version"] = f.version;
    out["name"] = f.name;
    out["arn"] = f.arn;
    out["region"] = f.region;
    out["account"] = f.account;
    out["created_ns"] = f.created_ns;
    out["latest_revision"] = f.latest_revision;
    out["latest_snapshot"] = f.latest_snapshot;
  }
  if (!f.versions.empty()) {
    json versions = json::array();
    for (const auto& [number, snapshot] : f.versions) versions.push_back(ToJsonValue(*snapshot));
    out["versions"] = versions;
  }
  if (!f.aliases.empty()) {
    json aliases = json::array();
    for (const auto& [name, alias] : f.aliases) {
      aliases.push_back({{"name", alias.name},
                         {"function_version", alias.function_version},
                         {"description", alias.description},
                         {"weights", alias.additional_version_weights},
                         {"revision_id", alias.revision_id}});
    }
    out["aliases"] = aliases;
  }
  if (f.last_version > 0) out["last_version"] = f.last_version;
  if (!f.urls.empty()) {
    json urls = json::array();
    for (const auto& [qualifier, url] : f.urls) {
      json u = {{"url_id", url.url_id},         {"qualifier", url.qualifier},
                {"auth_type", url.auth_type},   {"invoke_mode", url.invoke_mode},
                {"created_ns", url.created_ns}, {"last_modified_ns", url.last_modified_ns}};
      if (url.cors) {
        const UrlCors& c = *url.cors;
        u["cors"] = {{"allow_credentials", c.allow_credentials},
                     {"allow_headers", c.allow_headers},
                     {"allow_methods", c.allow_methods},
                     {"allow_origins", c.allow_origins},
                     {"expose_headers", c.expose_headers}};
        if (c.max_age) u["cors"]["max_age"] = *c.max_age;
      }
      urls.push_back(u);
    }
    out["urls"] = urls;
  }
  return out;
}

Function FromJsonValue(const json& in) {
  {
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
    if (auto it = in.find("layers"); it != in.end()) {
      for (const json& l : *it) {
        // Before layers were emulated, only their ARNs were kept.
        if (l.is_string()) {
          f.layers.push_back({l.get<std::string>(), 0, 0, ""});
        } else {
          f.layers.push_back({l.at("arn"), l.value("code_size", int64_t{0}),
                              l.value("unzipped", int64_t{0}), l.value("dir", "")});
        }
      }
    }
    f.opt_dir = in.value("opt_dir", "");
    const json& code = in.at("code");
    f.code.dir = code.at("dir");
    f.code.sha256 = code.at("sha256");
    f.code.size = code.at("size");
    f.code.unzipped = code.value("unzipped", int64_t{0});
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
      f.event_invoke_config = InvokeConfigFromJson(in["event_invoke_config"]);
    }
    if (auto it = in.find("qualified_invoke_configs"); it != in.end()) {
      for (const auto& [qualifier, config] : it->items()) {
        f.qualified_invoke_configs[qualifier] = InvokeConfigFromJson(config);
      }
    }
    if (auto it = in.find("qualified_policies"); it != in.end()) {
      for (const auto& [qualifier, policy] : it->items()) {
        f.qualified_policies[qualifier] = {policy.at("statements"), policy.at("revision")};
      }
    }
    f.version = in.value("version", "$LATEST");
    if (f.version != "$LATEST") {
      f.name = in.at("name");
      f.arn = in.at("arn");
      f.region = in.at("region");
      f.account = in.at("account");
      f.created_ns = in.at("created_ns");
      f.latest_revision = in.value("latest_revision", "");
      f.latest_snapshot = in.value("latest_snapshot", "");
    }
    if (in.contains("versions")) {
      for (const json& v : in.at("versions")) {
        auto snapshot = std::make_shared<Function>(FromJsonValue(v));
        f.versions.emplace(std::stoi(snapshot->version), std::move(snapshot));
      }
    }
    if (in.contains("aliases")) {
      for (const json& a : in.at("aliases")) {
        Alias alias;
        alias.name = a.at("name");
        alias.function_version = a.at("function_version");
        alias.description = a.value("description", "");
        alias.additional_version_weights = a.value("weights", std::map<std::string, double>{});
        alias.revision_id = a.value("revision_id", "");
        f.aliases.emplace(alias.name, std::move(alias));
      }
    }
    f.last_version = in.value("last_version", 0);
    if (in.contains("urls")) {
      for (const json& u : in.at("urls")) {
        UrlConfig url;
        url.url_id = u.at("url_id");
        url.qualifier = u.value("qualifier", "");
        url.auth_type = u.value("auth_type", "NONE");
        url.invoke_mode = u.value("invoke_mode", "BUFFERED");
        url.created_ns = u.value("created_ns", int64_t{0});
        url.last_modified_ns = u.value("last_modified_ns", int64_t{0});
        if (u.contains("cors")) {
          const json& c = u.at("cors");
          UrlCors cors;
          cors.allow_credentials = c.value("allow_credentials", false);
          cors.allow_headers = c.value("allow_headers", std::vector<std::string>{});
          cors.allow_methods = c.value("allow_methods", std::vector<std::string>{});
          cors.allow_origins = c.value("allow_origins", std::vector<std::string>{});
          cors.expose_headers = c.value("expose_headers", std::vector<std::string>{});
          if (c.contains("max_age")) cors.max_age = c.at("max_age").get<int>();
          url.cors = std::move(cors);
        }
        f.urls.emplace(url.qualifier, std::move(url));
      }
    }
    return f;
  }
}

}  // namespace

}  // namespace offstage::lambda
