#include "emulator/app/config_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <vector>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"

namespace offstage::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ConfigError {
  std::string message;
};

std::string Where(const std::string& path, const std::string& field) { return path + ": " + field; }

std::string GetString(const json& j, const char* key, const std::string& where,
                      bool required = true, const std::string& fallback = "") {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) throw ConfigError{where + "." + key + " is required"};
    return fallback;
  }
  if (!it->is_string()) throw ConfigError{where + "." + key + " must be a string"};
  return it->get<std::string>();
}

std::optional<int> GetInt(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (!it->is_number_integer()) throw ConfigError{where + "." + key + " must be an integer"};
  return it->get<int>();
}

std::map<std::string, std::string> GetStringMap(const json& j, const char* key,
                                                const std::string& where) {
  std::map<std::string, std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_object()) throw ConfigError{where + "." + key + " must be an object"};
  for (auto& [k, v] : it->items()) {
    // Attribute values such as FilterPolicy may be written as JSON objects for readability.
    out[k] =
        v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  }
  return out;
}

// Edit distance, ignoring case: how far an unknown key is from each known one.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Refuses a key the file format does not have, naming it and the closest known key.
void CheckKeys(const json& object, std::initializer_list<std::string_view> known,
               const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (key == "$schema" || std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string_view closest;
    size_t best = std::string::npos;
    std::string listed;
    for (std::string_view candidate : known) {
      const size_t d = Distance(key, candidate);
      if (d < best) {
        best = d;
        closest = candidate;
      }
      listed += (listed.empty() ? "" : ", ") + std::string(candidate);
    }
    throw ConfigError{where + ": unknown key '" + key + "' (did you mean '" + std::string(closest) +
                      "'? known keys: " + listed + ")"};
  }
}

// 1-based line and column of the byte at 1-based `position` of `text`.
std::pair<size_t, size_t> LineColumn(const std::string& text, size_t position) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < position && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

const json& GetArray(const json& j, const char* key, const std::string& path) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  if (it == j.end()) return kEmpty;
  if (!it->is_array()) throw ConfigError{Where(path, key) + " must be a list"};
  return *it;
}

std::optional<std::vector<std::string>> GetStringList(const json& j, const char* key,
                                                      const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (!it->is_array()) throw ConfigError{where + "." + key + " must be a list of strings"};
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) throw ConfigError{where + "." + key + " must be a list of strings"};
    out.push_back(item.get<std::string>());
  }
  return out;
}

// A directory named by the file, relative to it.
fs::path Directory(const json& spec, const char* key, const std::string& where,
                   const fs::path& base) {
  fs::path dir = GetString(spec, key, where);
  if (dir.is_relative()) dir = base / dir;
  std::error_code ec;
  return fs::weakly_canonical(dir, ec);
}

// layers[]: a layer whose content is a local directory. Publishing is idempotent: the layer's
// newest version is reused while it has the same content and compatibility.
common::Status ApplyLayer(const json& spec, const std::string& where, const fs::path& base,
                          const common::RequestContext& ctx, lambda::LambdaService& lambda) {
  if (!spec.is_object()) throw ConfigError{where + " must be an object"};
  CheckKeys(spec,
            {"name", "code", "description", "compatibleRuntimes", "compatibleArchitectures",
             "licenseInfo"},
            where);
  lambda::LayerInput in;
  const std::string name = GetString(spec, "name", where);
  in.s3_bucket = "hot-reload";
  in.s3_key = Directory(spec, "code", where, base).string();
  in.description = GetString(spec, "description", where, false, "");
  in.compatible_runtimes = GetStringList(spec, "compatibleRuntimes", where);
  in.compatible_architectures = GetStringList(spec, "compatibleArchitectures", where);
  in.license_info = GetString(spec, "licenseInfo", where, false, "");
  lambda::LayerFilter newest;
  newest.max_items = 1;
  if (auto page = lambda.ListLayerVersions(ctx, name, newest); page && !page->versions.empty()) {
    const lambda::LayerVersion& v = page->versions.front().version;
    if (v.code.local_dir && v.code.dir == *in.s3_key && v.description == in.description &&
        v.license_info == in.license_info &&
        v.compatible_runtimes == in.compatible_runtimes.value_or(std::vector<std::string>{}) &&
        v.compatible_architectures ==
            in.compatible_architectures.value_or(std::vector<std::string>{})) {
      return {};
    }
  }
  auto published = lambda.PublishLayerVersion(ctx, name, in);
  if (!published) return common::Fail(published.error());
  return {};
}

// functions[].layers: a layer of the file by name (its newest version), "name:N", or an ARN.
std::vector<std::string> LayerArns(const std::vector<std::string>& names, const std::string& where,
                                   const common::RequestContext& ctx,
                                   lambda::LambdaService& lambda) {
  std::vector<std::string> arns;
  for (const std::string& name : names) {
    if (name.starts_with("arn:")) {
      arns.push_back(name);
      continue;
    }
    const size_t colon = name.find(':');
    if (colon != std::string::npos) {
      arns.push_back("arn:aws:lambda:" + ctx.region + ":" + ctx.account + ":layer:" + name);
      continue;
    }
    lambda::LayerFilter newest;
    newest.max_items = 1;
    auto page = lambda.ListLayerVersions(ctx, name, newest);
    if (!page || page->versions.empty()) {
      throw ConfigError{where + ".layers: the layer '" + name +
                        "' does not exist (define it under layers)"};
    }
    arns.push_back(page->versions.front().version_arn);
  }
  return arns;
}

// functions[].aliases and .url, after the function (and its version, with "publish") is in
// place: created, or updated to match the file.
// `urls` gets "name URL" for the URL, said once the file is applied.
common::Status ApplyAliasesAndUrl(const json& spec, const std::string& where,
                                  const std::string& name, const std::string& published,
                                  const common::RequestContext& ctx, lambda::LambdaService& lambda,
                                  std::vector<std::string>& urls) {
  int index = 0;
  for (const auto& alias : GetArray(spec, "aliases", where)) {
    const std::string at = where + ".aliases[" + std::to_string(index++) + "]";
    if (!alias.is_object()) throw ConfigError{at + " must be an object"};
    CheckKeys(alias, {"name", "version", "description", "weights"}, at);
    lambda::AliasInput in;
    const std::string alias_name = GetString(alias, "name", at);
    in.function_version = GetString(alias, "version", at, false,
                                    published.empty() ? std::string("$LATEST") : published);
    in.description = GetString(alias, "description", at, false, "");
    std::map<std::string, double> weights;
    if (auto it = alias.find("weights"); it != alias.end()) {
      if (!it->is_object()) throw ConfigError{at + ".weights must be an object"};
      for (const auto& [version, weight] : it->items()) {
        if (!weight.is_number()) throw ConfigError{at + ".weights values must be numbers"};
        weights[version] = weight.get<double>();
      }
    }
    in.weights = weights;
    auto existing = lambda.GetAlias(ctx, name, alias_name);
    auto done = existing ? lambda.UpdateAlias(ctx, name, alias_name, in)
                         : lambda.CreateAlias(ctx, name, alias_name, in);
    if (!done) throw ConfigError{at + ": " + done.error().message};
  }
  if (auto it = spec.find("url"); it != spec.end()) {
    const std::string at = where + ".url";
    if (!it->is_object()) throw ConfigError{at + " must be an object"};
    CheckKeys(*it, {"authType", "invokeMode", "qualifier", "cors"}, at);
    lambda::UrlConfigInput in;
    in.auth_type = GetString(*it, "authType", at, false, "NONE");
    in.invoke_mode = GetString(*it, "invokeMode", at, false, "BUFFERED");
    const std::string qualifier = GetString(*it, "qualifier", at, false, "");
    if (auto cors = it->find("cors"); cors != it->end()) {
      if (!cors->is_object()) throw ConfigError{at + ".cors must be an object"};
      CheckKeys(*cors,
                {"allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge",
                 "allowCredentials"},
                at + ".cors");
      lambda::UrlCors c;
      c.allow_origins =
          GetStringList(*cors, "allowOrigins", at + ".cors").value_or(std::vector<std::string>{});
      c.allow_methods =
          GetStringList(*cors, "allowMethods", at + ".cors").value_or(std::vector<std::string>{});
      c.allow_headers =
          GetStringList(*cors, "allowHeaders", at + ".cors").value_or(std::vector<std::string>{});
      c.expose_headers =
          GetStringList(*cors, "exposeHeaders", at + ".cors").value_or(std::vector<std::string>{});
      c.max_age = GetInt(*cors, "maxAge", at + ".cors");
      if (auto credentials = cors->find("allowCredentials"); credentials != cors->end()) {
        if (!credentials->is_boolean()) {
          throw ConfigError{at + ".cors.allowCredentials must be true or false"};
        }
        c.allow_credentials = credentials->get<bool>();
      }
      in.cors = c;
    }
    auto existing = lambda.GetFunctionUrlConfig(ctx, name, qualifier);
    auto done = existing ? lambda.UpdateFunctionUrlConfig(ctx, name, qualifier, in)
                         : lambda.CreateFunctionUrlConfig(ctx, name, qualifier, in);
    if (!done) throw ConfigError{at + ": " + done.error().message};
    urls.push_back(name + (qualifier.empty() ? "" : ":" + qualifier) + " " + done->function_url);
  }
  return {};
}

common::Status ApplyFunction(const json& spec, const std::string& where, const fs::path& base,
                             const common::RequestContext& ctx, lambda::LambdaService& lambda,
                             std::vector<std::string>& urls) {
  if (!spec.is_object()) throw ConfigError{where + " must be an object"};
  CheckKeys(spec,
            {"name", "runtime", "handler", "code", "environment", "timeout", "memory",
             "reservedConcurrency", "role", "description", "deadLetterTarget", "layers", "publish",
             "aliases", "url"},
            where);
  const std::string name = GetString(spec, "name", where);
  fs::path code = GetString(spec, "code", where);
  if (code.is_relative()) code = base / code;
  std::error_code ec;
  code = fs::weakly_canonical(code, ec);

  lambda::ConfigInput config;
  config.runtime = GetString(spec, "runtime", where);
  config.handler = GetString(spec, "handler", where);
  config.role =
      GetString(spec, "role", where, false, "arn:aws:iam::" + ctx.account + ":role/offstage");
  config.description = GetString(spec, "description", where, false, "");
  config.timeout = GetInt(spec, "timeout", where);
  config.memory = GetInt(spec, "memory", where);
  config.variables = GetStringMap(spec, "environment", where);
  if (spec.contains("deadLetterTarget")) {
    config.dead_letter_target = GetString(spec, "deadLetterTarget", where);
  }
  config.layers =
      LayerArns(GetStringList(spec, "layers", where).value_or(std::vector<std::string>{}), where,
                ctx, lambda);
  lambda::CodeInput code_input;
  code_input.s3_bucket = "hot-reload";
  code_input.s3_key = code.string();

  auto existing = lambda.GetFunction(ctx, name, "");
  if (existing) {
    if (auto updated = lambda.UpdateFunctionConfiguration(ctx, name, config); !updated) {
      return common::Fail(updated.error());
    }
    if (auto updated = lambda.UpdateFunctionCode(ctx, name, code_input, std::nullopt, false);
        !updated) {
      return common::Fail(updated.error());
    }
  } else {
    lambda::CreateFunctionInput in;
    in.name = name;
    in.config = config;
    in.code = code_input;
    if (auto created = lambda.CreateFunction(ctx, std::move(in)); !created) {
      return common::Fail(created.error());
    }
  }
  if (auto reserved = GetInt(spec, "reservedConcurrency", where)) {
    if (auto put = lambda.PutFunctionConcurrency(ctx, name, *reserved); !put) {
      return common::Fail(put.error());
    }
  } else if (existing && existing->reserved_concurrency) {
    if (auto status = lambda.DeleteFunctionConcurrency(ctx, name); !status) return status;
  }
  // publish: a version of what the file describes (publishing again with nothing changed
  // answers the same version, so a restart adds none).
  std::string published;
  if (auto it = spec.find("publish"); it != spec.end()) {
    if (!it->is_boolean()) throw ConfigError{where + ".publish must be true or false"};
    if (it->get<bool>()) {
      auto version = lambda.PublishVersion(ctx, name, std::nullopt, std::nullopt, std::nullopt);
      if (!version) return common::Fail(version.error());
      published = version->version;
    }
  }
  return ApplyAliasesAndUrl(spec, where, name, published, ctx, lambda, urls);
}

// queues[]: {"name", "attributes"?, "tags"?}: created, or brought in line with the file. A
// RedrivePolicy may be an object, and its deadLetterTargetArn a queue name.
common::Status ApplyQueue(const json& spec, const std::string& where,
                          const common::RequestContext& ctx, sqs::SqsService& sqs) {
  if (!spec.is_object()) throw ConfigError{where + " must be an object"};
  CheckKeys(spec, {"name", "attributes", "tags"}, where);
  const std::string name = GetString(spec, "name", where);
  std::map<std::string, std::string> attributes = GetStringMap(spec, "attributes", where);
  if (auto redrive = attributes.find("RedrivePolicy"); redrive != attributes.end()) {
    json policy = common::ParseJson<json>(redrive->second);
    if (policy.is_object() && policy.contains("deadLetterTargetArn") &&
        policy["deadLetterTargetArn"].is_string() &&
        !policy["deadLetterTargetArn"].get<std::string>().starts_with("arn:")) {
      policy["deadLetterTargetArn"] =
          sqs::QueueArn(ctx.region, ctx.account, policy["deadLetterTargetArn"].get<std::string>());
      redrive->second = policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    }
  }
  const std::map<std::string, std::string> tags = GetStringMap(spec, "tags", where);
  auto made = sqs.CreateQueue(ctx, name, attributes, tags);
  if (made) return {};
  if (made.error().code != common::ErrorCode::kSqsQueueNameExists)
    return common::Fail(made.error());
  // It exists with other attributes (kept in the data directory): bring it in line.
  const std::string arn = sqs::QueueArn(ctx.region, ctx.account, name);
  attributes.erase("FifoQueue");
  if (auto status = sqs.SetQueueAttributes(arn, attributes); !status) return status;
  if (!tags.empty()) return sqs.TagQueue(arn, tags);
  return {};
}

// eventSourceMappings[]: {"queue", "function", "batchSize"?, "maximumBatchingWindow"?,
// "reportBatchItemFailures"?, "maximumConcurrency"?, "enabled"?, "filters"?}: created, or the
// mapping of that queue and function updated to match.
common::Status ApplyMapping(const json& spec, const std::string& where,
                            const common::RequestContext& ctx, sqs::SqsService& sqs,
                            lambda::EventSourceMappings& mappings) {
  if (!spec.is_object()) throw ConfigError{where + " must be an object"};
  CheckKeys(spec,
            {"queue", "function", "batchSize", "maximumBatchingWindow", "reportBatchItemFailures",
             "maximumConcurrency", "enabled", "filters"},
            where);
  std::string queue = GetString(spec, "queue", where);
  if (!queue.starts_with("arn:")) queue = sqs::QueueArn(ctx.region, ctx.account, queue);
  if (!sqs.Find(queue)) {
    throw ConfigError{where + ": the queue " + queue + " does not exist (define it under queues)"};
  }
  std::string function = GetString(spec, "function", where);
  if (!function.starts_with("arn:")) {
    function = common::FunctionArn(ctx.region, ctx.account, function);
  }
  auto integer = [&](const char* key) -> std::optional<int64_t> {
    auto it = spec.find(key);
    if (it == spec.end()) return std::nullopt;
    if (!it->is_number_integer()) throw ConfigError{where + "." + key + " must be an integer"};
    return it->get<int64_t>();
  };
  lambda::MappingInput in;
  in.event_source_arn = queue;
  in.function_name = function;
  in.batch_size = integer("batchSize");
  in.max_batching_window_s = integer("maximumBatchingWindow");
  in.maximum_concurrency = integer("maximumConcurrency");
  in.scaling_config_given = in.maximum_concurrency.has_value();
  if (auto it = spec.find("reportBatchItemFailures"); it != spec.end()) {
    if (!it->is_boolean()) throw ConfigError{where + ".reportBatchItemFailures must be a boolean"};
    in.function_response_types = it->get<bool>()
                                     ? std::vector<std::string>{"ReportBatchItemFailures"}
                                     : std::vector<std::string>{};
  }
  if (auto it = spec.find("enabled"); it != spec.end()) {
    if (!it->is_boolean()) throw ConfigError{where + ".enabled must be a boolean"};
    in.enabled = it->get<bool>();
  }
  // filters: FilterCriteria's patterns, each a JSON object (or its text).
  if (auto it = spec.find("filters"); it != spec.end()) {
    if (!it->is_array()) throw ConfigError{where + ".filters must be an array of patterns"};
    std::vector<std::string> patterns;
    for (const auto& pattern : *it) {
      patterns.push_back(pattern.is_string()
                             ? pattern.get<std::string>()
                             : pattern.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
    }
    in.filter_patterns = std::move(patterns);
  } else {
    in.filter_patterns = std::vector<std::string>{};  // the file is the whole truth
  }
  auto existing = mappings.List(ctx, queue, function, std::nullopt, std::nullopt);
  if (!existing) return common::Fail(existing.error());
  if (!existing->mappings.empty()) {
    lambda::MappingInput update = in;
    update.event_source_arn.reset();  // not changeable, and the same
    auto done = mappings.Update(ctx, existing->mappings.front().mapping.uuid, update);
    if (!done) return common::Fail(done.error());
    return {};
  }
  auto made = mappings.Create(ctx, in);
  if (!made) return common::Fail(made.error());
  return {};
}

}  // namespace

common::Status ApplyConfigFile(const std::string& path, const std::string& region,
                               const std::string& account, sns::SnsService& sns,
                               lambda::LambdaService& lambda, sqs::SqsService& sqs,
                               lambda::EventSourceMappings& mappings, common::FaultInjector& faults,
                               common::Logger& log) {
  std::ifstream file(path);
  if (!file) return common::Fail(common::Internal("cannot read the config file " + path));
  std::stringstream text;
  text << file.rdbuf();
  // Depth first: a FilterPolicy object nested 20,000 deep crashed the daemon here (issue #15).
  if (!common::JsonDepthWithin(text.str())) {
    return common::Fail(common::Internal(path + ": " + common::JsonTooDeepDetail()));
  }
  json root;
  try {
    root = json::parse(text.str());
  } catch (const json::parse_error& error) {
    // nlohmann's text reads "[json.exception.parse_error.101] parse error at line L, column C:
    // REASON"; the position is given as the file's line and column, then the reason alone.
    const auto [line, column] = LineColumn(text.str(), error.byte);
    std::string reason = error.what();
    if (size_t colon = reason.find(": "); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    return common::Fail(common::Internal(path + ":" + std::to_string(line) + ":" +
                                         std::to_string(column) + ": not valid JSON: " + reason));
  } catch (const json::exception& error) {
    // out_of_range.406, a number beyond a double (1e400): escaped the parse_error handler
    // above and aborted the daemon at start.
    std::string reason = error.what();
    if (size_t space = reason.find("] "); space != std::string::npos) {
      reason = reason.substr(space + 2);
    }
    return common::Fail(common::Internal(path + ": not valid JSON: " + reason));
  }
  if (!root.is_object()) {
    return common::Fail(common::Internal(path + " is not a JSON object (see docs/config.md)"));
  }
  const fs::path base = fs::absolute(path).parent_path();
  common::RequestContext ctx;
  ctx.request_id = "config";
  std::vector<std::string> urls;
  try {
    ctx.region = GetString(root, "region", path, false, region);
    ctx.account = GetString(root, "account", path, false, account);
    CheckKeys(root,
              {"region", "account", "layers", "functions", "topics", "queues", "subscriptions",
               "eventSourceMappings", "faults"},
              path);
    int index = 0;
    for (const auto& spec : GetArray(root, "layers", path)) {
      const std::string where = path + ": layers[" + std::to_string(index++) + "]";
      if (auto status = ApplyLayer(spec, where, base, ctx, lambda); !status) {
        throw ConfigError{where + ": " + status.error().message};
      }
    }
    index = 0;
    for (const auto& spec : GetArray(root, "functions", path)) {
      const std::string where = path + ": functions[" + std::to_string(index++) + "]";
      if (auto status = ApplyFunction(spec, where, base, ctx, lambda, urls); !status) {
        throw ConfigError{where + ": " + status.error().message};
      }
    }
    index = 0;
    for (const auto& spec : GetArray(root, "topics", path)) {
      const std::string where = path + ": topics[" + std::to_string(index++) + "]";
      if (!spec.is_object()) throw ConfigError{where + " must be an object"};
      CheckKeys(spec, {"name", "attributes"}, where);
      sns::CreateTopicInput in;
      in.name = GetString(spec, "name", where);
      for (const auto& [k, v] : GetStringMap(spec, "attributes", where)) {
        in.attributes.emplace_back(k, v);
      }
      auto arn = sns.CreateTopic(ctx, in);
      if (!arn) {
        // An existing topic whose attributes differ: bring it in line with the file.
        const std::string topic_arn = common::TopicArn(ctx.region, ctx.account, in.name);
        for (const auto& [k, v] : in.attributes) {
          if (k == "FifoTopic") continue;
          if (auto status = sns.SetTopicAttributes(ctx, topic_arn, k, v); !status) {
            throw ConfigError{where + ": " + status.error().message};
          }
        }
        if (!sns.GetTopicAttributes(ctx, topic_arn))
          throw ConfigError{where + ": " + arn.error().message};
      }
    }
    index = 0;
    for (const auto& spec : GetArray(root, "queues", path)) {
      const std::string where = path + ": queues[" + std::to_string(index++) + "]";
      if (auto status = ApplyQueue(spec, where, ctx, sqs); !status) {
        throw ConfigError{where + ": " + status.error().message};
      }
    }
    index = 0;
    for (const auto& spec : GetArray(root, "subscriptions", path)) {
      const std::string where = path + ": subscriptions[" + std::to_string(index++) + "]";
      if (!spec.is_object()) throw ConfigError{where + " must be an object"};
      CheckKeys(spec, {"topic", "protocol", "endpoint", "attributes"}, where);
      std::string topic = GetString(spec, "topic", where);
      if (!topic.starts_with("arn:")) topic = common::TopicArn(ctx.region, ctx.account, topic);
      const std::string protocol = GetString(spec, "protocol", where, false, "lambda");
      std::string endpoint = GetString(spec, "endpoint", where);
      if (protocol == "lambda" && !endpoint.starts_with("arn:")) {
        endpoint = common::FunctionArn(ctx.region, ctx.account, endpoint);
      }
      if (protocol == "sqs" && !endpoint.starts_with("arn:")) {
        endpoint = sqs::QueueArn(ctx.region, ctx.account, endpoint);
      }
      if (protocol == "sqs" && !sqs.Find(endpoint)) {
        throw ConfigError{where + ": the queue " + endpoint +
                          " does not exist (define it under queues)"};
      }
      // SNS accepts a subscription to any function ARN; a file that names a function it does
      // not define (nor the data directory holds) is a mistake, said at start.
      if (protocol == "lambda" && !lambda.GetFunction(ctx, endpoint, "")) {
        throw ConfigError{where + ": the function " + endpoint +
                          " does not exist (define it under functions)"};
      }
      sns::SubscribeInput in{topic, protocol, endpoint, {}, true};
      for (const auto& [k, v] : GetStringMap(spec, "attributes", where)) {
        in.attributes.emplace_back(k, v);
      }
      if (auto sub = sns.Subscribe(ctx, in); !sub) {
        throw ConfigError{where + ": " + sub.error().message};
      }
    }
    index = 0;
    for (const auto& spec : GetArray(root, "eventSourceMappings", path)) {
      const std::string where = path + ": eventSourceMappings[" + std::to_string(index++) + "]";
      if (auto status = ApplyMapping(spec, where, ctx, sqs, mappings); !status) {
        throw ConfigError{where + ": " + status.error().message};
      }
    }
    // faults[]: rules as `offstage faults add` takes them (docs/faults.md), in place after the
    // resources they target exist.
    index = 0;
    for (const auto& spec : GetArray(root, "faults", path)) {
      const std::string where = path + ": faults[" + std::to_string(index++) + "]";
      auto rule =
          common::FaultRule::FromJson(spec.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
      if (!rule) throw ConfigError{where + ": " + rule.error().message};
      const common::FaultRule added = faults.Add(*rule);
      log.Warn("offstage: fault rule " + added.id + " in place: " + added.ToJson());
    }
  } catch (const ConfigError& error) {
    return common::Fail(common::Internal(error.message));
  }
  log.Info("offstage: applied " + path);
  for (const std::string& url : urls) log.Info("offstage: function URL of " + url);
  return {};
}

}  // namespace offstage::app
