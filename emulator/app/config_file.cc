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

common::Status ApplyFunction(const json& spec, const std::string& where, const fs::path& base,
                             const common::RequestContext& ctx, lambda::LambdaService& lambda) {
  if (!spec.is_object()) throw ConfigError{where + " must be an object"};
  CheckKeys(spec,
            {"name", "runtime", "handler", "code", "environment", "timeout", "memory",
             "reservedConcurrency", "role", "description", "deadLetterTarget"},
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
  return {};
}

}  // namespace

common::Status ApplyConfigFile(const std::string& path, const std::string& region,
                               const std::string& account, sns::SnsService& sns,
                               lambda::LambdaService& lambda, common::Logger& log) {
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
  try {
    ctx.region = GetString(root, "region", path, false, region);
    ctx.account = GetString(root, "account", path, false, account);
    CheckKeys(root, {"region", "account", "functions", "topics", "subscriptions"}, path);
    int index = 0;
    for (const auto& spec : GetArray(root, "functions", path)) {
      const std::string where = path + ": functions[" + std::to_string(index++) + "]";
      if (auto status = ApplyFunction(spec, where, base, ctx, lambda); !status) {
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
  } catch (const ConfigError& error) {
    return common::Fail(common::Internal(error.message));
  }
  log.Info("offstage: applied " + path);
  return {};
}

}  // namespace offstage::app
