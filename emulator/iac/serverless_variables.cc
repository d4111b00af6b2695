// Serverless variables (serverless_variables.h).
#include "emulator/iac/serverless_variables.h"

#include <set>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/iac/intrinsics.h"

namespace offstage::iac {
namespace {

std::string Trimmed(std::string_view text) { return std::string(common::TrimSpace(text)); }

using nlohmann::json;

struct VariableError {
  std::string message;
};

// "a, 'b, c', d" -> ["a", "'b, c'", "d"] (commas inside quotes do not split).
std::vector<std::string> SplitTopLevel(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      current += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      current += c;
    } else if (c == ',') {
      out.push_back(Trimmed(current));
      current.clear();
    } else {
      current += c;
    }
  }
  out.push_back(Trimmed(current));
  return out;
}

class Resolver {
 public:
  Resolver(const json& root, const VariableSources& sources) : root_(root), sources_(sources) {}

  json Resolve(const json& value, const std::string& at, int depth) {
    if (depth > 64) throw VariableError{"Cannot resolve variable at \"" + at + "\": too deep"};
    if (++steps_ > kMaxSteps) {
      throw VariableError{"Cannot resolve variable at \"" + at +
                          "\": the variables expand to "
                          "more than " +
                          std::to_string(kMaxSteps) + " values"};
    }
    if (value.is_string()) return String(value.get<std::string>(), at, depth);
    if (value.is_object()) {
      json out = json::object();
      for (const auto& [key, item] : value.items()) {
        out[key] = Resolve(item, at.empty() ? key : at + "." + key, depth + 1);
      }
      return out;
    }
    if (value.is_array()) {
      json out = json::array();
      size_t i = 0;
      for (const auto& item : value) {
        out.push_back(Resolve(item, at + "." + std::to_string(i++), depth + 1));
      }
      return out;
    }
    return value;
  }

 private:
  // A string's variables, innermost first; a string that is one variable takes its value's
  // type (an object from ${self:...} stays an object).
  json String(std::string text, const std::string& at, int depth) {
    size_t search = text.size();
    for (int rounds = 0; rounds < 1000; ++rounds) {
      const size_t open = search == 0 ? std::string::npos : text.rfind("${", search - 1);
      if (open == std::string::npos) return text;
      const size_t close = text.find('}', open);
      if (close == std::string::npos) {
        search = open;
        continue;
      }
      const std::string inner = text.substr(open + 2, close - open - 2);
      if (!IsVariable(inner)) {  // ${AWS::Region}, ${Resource.Arn}: Fn::Sub's, left as they are
        search = open;
        continue;
      }
      json value = Variable(inner, at, depth);
      if (open == 0 && close == text.size() - 1) {
        if (!value.is_string()) return value;
        text = value.get<std::string>();
        search = text.size();
        continue;
      }
      auto scalar = ScalarText(value);
      if (!scalar) {
        throw VariableError{"Cannot resolve variable at \"" + at + "\": ${" + inner +
                            "} is an object or a list inside a string"};
      }
      text = text.substr(0, open) + *scalar + text.substr(close + 1);
      if (text.size() > kMaxText) {
        throw VariableError{"Cannot resolve variable at \"" + at + "\": the value grows past " +
                            std::to_string(kMaxText) + " bytes"};
      }
      search = text.size();
    }
    throw VariableError{"Cannot resolve variable at \"" + at + "\": too many variables"};
  }

  // "source:address" (a source name, one colon) or a quoted literal; not CloudFormation's
  // ${AWS::Region} or ${Logical.Attribute}.
  static bool IsVariable(const std::string& inner) {
    const std::string first = Trimmed(inner);
    if (first.empty()) return false;
    if (first.front() == '\'' || first.front() == '"') return true;
    size_t i = 0;
    while (i < first.size() && std::isalnum(static_cast<unsigned char>(first[i]))) ++i;
    return i > 0 && i < first.size() && first[i] == ':' &&
           (i + 1 == first.size() || first[i + 1] != ':');
  }

  json Variable(const std::string& inner, const std::string& at, int depth) {
    const std::vector<std::string> choices = SplitTopLevel(inner);
    for (size_t i = 0; i < choices.size(); ++i) {
      const std::string& choice = choices[i];
      if (choice.empty()) continue;
      if ((choice.front() == '\'' || choice.front() == '"') && choice.size() >= 2 &&
          choice.back() == choice.front()) {
        return choice.substr(1, choice.size() - 2);  // a literal fallback
      }
      const size_t colon = choice.find(':');
      if (colon == std::string::npos) {
        // A number or a bare word as the last fallback.
        if (i + 1 == choices.size() && i > 0) return choice;
        throw VariableError{"Cannot resolve variable at \"" + at + "\": invalid variable " + "${" +
                            inner + "}"};
      }
      const std::string source = choice.substr(0, colon);
      const std::string address = Trimmed(choice.substr(colon + 1));
      if (auto value = Lookup(source, address, at, depth)) return *value;
      if (i + 1 == choices.size()) {
        throw VariableError{"Cannot resolve variable at \"" + at + "\": Value not found at \"" +
                            source + "\" source"};
      }
    }
    throw VariableError{"Cannot resolve variable at \"" + at + "\": ${" + inner + "} is empty"};
  }

  std::optional<json> Lookup(const std::string& source, const std::string& address,
                             const std::string& at, int depth) {
    if (source == "env") {
      auto it = sources_.env.find(address);
      if (it == sources_.env.end()) return std::nullopt;
      return json(it->second);
    }
    if (source == "opt") {
      auto it = sources_.options.find(address);
      if (it == sources_.options.end()) return std::nullopt;
      return json(it->second);
    }
    if (source == "sls") {
      if (address == "stage") return Stage(at, depth);
      if (address == "instanceId") return json("offstage");
      return std::nullopt;
    }
    if (source == "aws") {
      if (address == "region") return json(sources_.region);
      if (address == "accountId") return json(sources_.account);
      return std::nullopt;
    }
    if (source == "self") {
      const json* node = &root_;
      std::string path;
      size_t start = 0;
      while (start <= address.size() && !address.empty()) {
        size_t dot = address.find('.', start);
        const std::string key =
            address.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        path += (path.empty() ? "" : ".") + key;
        if (!node->is_object() || !node->contains(key)) return std::nullopt;
        node = &(*node)[key];
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      if (auto cached = resolved_.find(address); cached != resolved_.end()) {
        return cached->second;  // each address once: ${self:a}${self:a} chains stay linear
      }
      if (!visiting_.insert(address).second) {
        throw VariableError{"Cannot resolve variable at \"" + at + "\": ${self:" + address +
                            "} refers to itself"};
      }
      json value = Resolve(*node, address, depth + 1);
      visiting_.erase(address);
      resolved_[address] = value;
      return value;
    }
    throw VariableError{"Cannot resolve variable at \"" + at +
                        "\": offstage does not resolve the "
                        "\"" +
                        source +
                        "\" variable source (it reads AWS or files offstage "
                        "does not emulate); give the value in serverless.yml, or through ${env:} "
                        "or ${opt:} (--parameter NAME=VALUE)"};
  }

  json Stage(const std::string& at, int depth) {
    if (auto it = sources_.options.find("stage"); it != sources_.options.end()) return it->second;
    if (root_.contains("provider") && root_["provider"].is_object() &&
        root_["provider"].contains("stage")) {
      return Resolve(root_["provider"]["stage"], "provider.stage", depth + 1);
    }
    (void)at;
    return "dev";
  }

  // Bounds on what a serverless.yml may expand to.
  static constexpr size_t kMaxSteps = 1'000'000;
  static constexpr size_t kMaxText = 1 << 20;

  const json& root_;
  const VariableSources& sources_;
  std::set<std::string> visiting_;
  std::map<std::string, json> resolved_;  // ${self:} addresses already resolved
  size_t steps_ = 0;
};

}  // namespace

common::Result<json> ResolveServerlessVariables(const json& config,
                                                const VariableSources& sources) {
  try {
    return Resolver(config, sources).Resolve(config, "", 0);
  } catch (const VariableError& error) {
    return common::Fail(common::ErrorCode::kValidationError, error.message);
  }
}

}  // namespace offstage::iac
