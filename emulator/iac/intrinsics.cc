// Intrinsic functions (intrinsics.h).
#include "emulator/iac/intrinsics.h"

#include <cmath>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::iac {
namespace {

std::string Trimmed(std::string_view text) { return std::string(common::TrimSpace(text)); }

using nlohmann::json;

struct EvalError {
  std::string message;
};

[[noreturn]] void Throw(std::string_view where, const std::string& message) {
  throw EvalError{std::string(where) + ": " + message};
}

// {"Fn::X": args} or {"Ref": x} or {"Condition": x}: the function's name, else empty.
std::string FunctionOf(const json& value) {
  if (!value.is_object() || value.size() != 1) return {};
  const std::string& key = value.begin().key();
  if (key == "Ref" || key == "Condition" || key.starts_with("Fn::")) return key;
  return {};
}

class Evaluator {
 public:
  Evaluator(const EvalContext& context, std::string_view where) : ctx_(context), where_(where) {}

  std::optional<json> Eval(const json& value, int depth = 0) {
    if (depth > 100) Throw(where_, "intrinsic functions nested more than 100 deep");
    const std::string fn = FunctionOf(value);
    if (!fn.empty() && fn != "Condition") return Call(fn, value.begin().value(), depth);
    if (value.is_object()) {
      json out = json::object();
      for (const auto& [key, item] : value.items()) {
        if (auto v = Eval(item, depth + 1)) out[key] = std::move(*v);
      }
      return out;
    }
    if (value.is_array()) {
      json out = json::array();
      for (const auto& item : value) {
        if (auto v = Eval(item, depth + 1)) out.push_back(std::move(*v));
      }
      return out;
    }
    return value;
  }

  json Required(const json& value, int depth, const char* fn) {
    auto v = Eval(value, depth + 1);
    if (!v) Throw(where_, std::string(fn) + " cannot take AWS::NoValue");
    return *v;
  }

  std::string Text(const json& value, int depth, const char* fn) {
    const json v = Required(value, depth, fn);
    auto text = ScalarText(v);
    if (!text)
      Throw(where_, std::string("Template error: every ") + fn + " object requires a string");
    return *text;
  }

  json List(const json& value, int depth, const char* fn) {
    json v = Required(value, depth, fn);
    if (!v.is_array()) Throw(where_, std::string("Template error: ") + fn + " requires a list");
    return v;
  }

  bool Condition(const json& value, int depth) {
    const std::string fn = FunctionOf(value);
    if (fn == "Condition") {
      if (!value.begin().value().is_string()) Throw(where_, "Condition takes a condition's name");
      return Named(value.begin().value().get<std::string>());
    }
    if (fn == "Fn::Equals") {
      const json& args = value.begin().value();
      if (!args.is_array() || args.size() != 2) {
        Throw(where_, "Template error: Fn::Equals requires a list of two values");
      }
      json a = Required(args[0], depth, "Fn::Equals");
      json b = Required(args[1], depth, "Fn::Equals");
      auto ta = ScalarText(a);
      auto tb = ScalarText(b);
      if (ta && tb) return *ta == *tb;
      return a == b;
    }
    if (fn == "Fn::And" || fn == "Fn::Or") {
      const json& args = value.begin().value();
      if (!args.is_array() || args.size() < 2 || args.size() > 10) {
        Throw(where_, "Template error: " + fn + " requires a list of 2 to 10 conditions");
      }
      bool any = false;
      bool all = true;
      for (const auto& item : args) {
        const bool b = Condition(item, depth + 1);
        any = any || b;
        all = all && b;
      }
      return fn == "Fn::And" ? all : any;
    }
    if (fn == "Fn::Not") {
      const json& args = value.begin().value();
      if (!args.is_array() || args.size() != 1) {
        Throw(where_, "Template error: Fn::Not requires a list of one condition");
      }
      return !Condition(args[0], depth + 1);
    }
    if (value.is_string()) return Named(value.get<std::string>());
    if (value.is_boolean()) return value.get<bool>();
    Throw(where_,
          "Template error: a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
          "Condition");
  }

  bool Named(const std::string& name) {
    auto it = ctx_.conditions.find(name);
    if (it == ctx_.conditions.end()) {
      Throw(where_, "Template error: unresolved condition dependency " + name + " in Fn::If");
    }
    return it->second;
  }

  std::optional<json> Ref(const std::string& name) {
    if (name == "AWS::NoValue") return std::nullopt;
    if (auto it = ctx_.parameters.find(name); it != ctx_.parameters.end()) return it->second;
    if (const ResourceValues* r = ctx_.resource ? ctx_.resource(name) : nullptr) return r->ref;
    Throw(where_, "Template format error: Unresolved resource dependencies [" + name +
                      "] in the Resources block of the template");
  }

  json GetAtt(const std::string& id, const std::string& attribute) {
    const ResourceValues* r = ctx_.resource ? ctx_.resource(id) : nullptr;
    if (!r) {
      Throw(where_, "Template error: instance of Fn::GetAtt references undefined resource " + id);
    }
    auto it = r->attributes.find(attribute);
    if (it == r->attributes.end()) {
      Throw(where_, "Template error: resource " + id + " does not support attribute type " +
                        attribute + " in Fn::GetAtt");
    }
    return *it;
  }

  std::string Sub(const std::string& text, const json& variables, int depth) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
      const size_t open = text.find("${", i);
      if (open == std::string::npos) {
        out += text.substr(i);
        break;
      }
      out += text.substr(i, open - i);
      const size_t close = text.find('}', open + 2);
      if (close == std::string::npos) {
        out += text.substr(open);
        break;
      }
      std::string name = text.substr(open + 2, close - open - 2);
      i = close + 1;
      if (name.starts_with("!")) {  // ${!Literal} is the text ${Literal}
        out += "${" + name.substr(1) + "}";
        continue;
      }
      name = Trimmed(name);
      if (variables.is_object() && variables.contains(name)) {
        out += Text(variables[name], depth, "Fn::Sub");
        continue;
      }
      if (name == "AWS::NoValue") Throw(where_, "Fn::Sub cannot use AWS::NoValue");
      json v;
      if (ctx_.parameters.contains(name)) {
        v = ctx_.parameters.at(name);
      } else if (const size_t dot = name.find('.'); dot != std::string::npos) {
        v = GetAtt(name.substr(0, dot), name.substr(dot + 1));
      } else {
        v = *Ref(name);
      }
      if (v.is_array()) {
        Throw(where_, "Template error: variable " + name + " in Fn::Sub expression is a list");
      }
      out += *ScalarText(v);
    }
    return out;
  }

  std::optional<json> Call(const std::string& fn, const json& args, int depth) {
    if (fn == "Ref") {
      if (!args.is_string()) Throw(where_, "Template error: every Ref object requires a string");
      return Ref(args.get<std::string>());
    }
    if (fn == "Fn::GetAtt") {
      json list = args;
      if (list.is_string()) {  // "A.B", as the long form also accepts
        const std::string text = list.get<std::string>();
        const size_t dot = text.find('.');
        if (dot == std::string::npos) Throw(where_, "Template error: Fn::GetAtt requires A.B");
        list = json::array({text.substr(0, dot), text.substr(dot + 1)});
      }
      if (!list.is_array() || list.size() != 2 || !list[0].is_string()) {
        Throw(where_, "Template error: every Fn::GetAtt object requires two non-empty parameters");
      }
      return GetAtt(list[0].get<std::string>(), Text(list[1], depth, "Fn::GetAtt"));
    }
    if (fn == "Fn::Sub") {
      if (args.is_string()) return Sub(args.get<std::string>(), json(), depth);
      if (args.is_array() && args.size() == 2 && args[0].is_string() && args[1].is_object()) {
        return Sub(args[0].get<std::string>(), args[1], depth);
      }
      Throw(where_, "Template error: Fn::Sub takes a string, or a list of a string and a map");
    }
    if (fn == "Fn::Join") {
      if (!args.is_array() || args.size() != 2) {
        Throw(where_,
              "Template error: every Fn::Join object requires two parameters, (1) a "
              "string delimiter and (2) a list of strings to be joined or a function "
              "that returns a list of strings (such as Fn::GetAZs) to be joined.");
      }
      const std::string delimiter = Text(args[0], depth, "Fn::Join");
      const json items = List(args[1], depth, "Fn::Join");
      std::string out;
      for (size_t i = 0; i < items.size(); ++i) {
        auto text = ScalarText(items[i]);
        if (!text) Throw(where_, "Template error: Fn::Join joins only strings");
        if (i) out += delimiter;
        out += *text;
      }
      return out;
    }
    if (fn == "Fn::Select") {
      if (!args.is_array() || args.size() != 2) {
        Throw(where_, "Template error: Fn::Select requires a list of an index and a list");
      }
      const std::string index_text = Text(args[0], depth, "Fn::Select");
      const json items = List(args[1], depth, "Fn::Select");
      char* end = nullptr;
      const long index = std::strtol(index_text.c_str(), &end, 10);
      if (index_text.empty() || *end != '\0' || index < 0 ||
          static_cast<size_t>(index) >= items.size()) {
        Throw(where_,
              "Template error: Fn::Select cannot select nonexistent value at index " + index_text);
      }
      return items[static_cast<size_t>(index)];
    }
    if (fn == "Fn::Split") {
      if (!args.is_array() || args.size() != 2) {
        Throw(where_, "Template error: Fn::Split requires a list of a delimiter and a string");
      }
      const std::string delimiter = Text(args[0], depth, "Fn::Split");
      const std::string text = Text(args[1], depth, "Fn::Split");
      if (delimiter.empty()) Throw(where_, "Template error: Fn::Split's delimiter is empty");
      json out = json::array();
      size_t start = 0;
      for (size_t pos; (pos = text.find(delimiter, start)) != std::string::npos;
           start = pos + delimiter.size()) {
        out.push_back(text.substr(start, pos - start));
      }
      out.push_back(text.substr(start));
      return out;
    }
    if (fn == "Fn::If") {
      if (!args.is_array() || args.size() != 3 || !args[0].is_string()) {
        Throw(where_,
              "Template error: Fn::If requires a list of a condition's name and two "
              "values");
      }
      return Eval(Named(args[0].get<std::string>()) ? args[1] : args[2], depth + 1);
    }
    if (fn == "Fn::FindInMap") {
      if (!args.is_array() || args.size() < 3) {
        Throw(where_, "Template error: Fn::FindInMap requires a map's name and two keys");
      }
      const std::string map = Text(args[0], depth, "Fn::FindInMap");
      const std::string top = Text(args[1], depth, "Fn::FindInMap");
      const std::string second = Text(args[2], depth, "Fn::FindInMap");
      if (!ctx_.mappings.contains(map)) {
        Throw(where_,
              "Template error: Unable to get mapping for " + map + "::" + top + "::" + second);
      }
      const json& m = ctx_.mappings[map];
      if (!m.contains(top) || !m[top].is_object() || !m[top].contains(second)) {
        if (args.size() == 4 && args[3].is_object() && args[3].contains("DefaultValue")) {
          return Eval(args[3]["DefaultValue"], depth + 1);
        }
        Throw(where_,
              "Template error: Unable to get mapping for " + map + "::" + top + "::" + second);
      }
      return m[top][second];
    }
    if (fn == "Fn::Base64") return common::Base64Encode(Text(args, depth, "Fn::Base64"));
    if (fn == "Fn::GetAZs") {
      std::string region = Text(args, depth, "Fn::GetAZs");
      if (region.empty()) region = ctx_.region;
      return json::array({region + "a", region + "b", region + "c"});
    }
    if (fn == "Fn::ImportValue") {
      const std::string name = Text(args, depth, "Fn::ImportValue");
      std::optional<std::string> value;
      if (ctx_.import_value) value = ctx_.import_value(name);
      if (!value) Throw(where_, "No export named " + name + " found");
      return *value;
    }
    if (fn == "Fn::ToJsonString") {
      return Required(args, depth, "Fn::ToJsonString")
          .dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    }
    if (fn == "Fn::Length") return static_cast<int64_t>(List(args, depth, "Fn::Length").size());
    if (fn == "Fn::Equals" || fn == "Fn::And" || fn == "Fn::Or" || fn == "Fn::Not") {
      return Condition(json{{fn, args}}, depth);
    }
    Throw(where_, "Template format error: Unrecognized intrinsic function " + fn +
                      " (offstage: docs/iac.md lists the ones it runs)");
  }

 private:
  const EvalContext& ctx_;
  std::string_view where_;
};

void Collect(const json& value, const std::map<std::string, bool>& conditions,
             std::set<std::string>* refs, std::set<std::pair<std::string, std::string>>* attrs,
             int depth) {
  if (depth > 200) return;
  const std::string fn = FunctionOf(value);
  if (fn == "Ref" && value.begin()->is_string()) {
    const std::string name = value.begin()->get<std::string>();
    if (refs && !name.starts_with("AWS::")) refs->insert(name);
    return;
  }
  if (fn == "Fn::GetAtt") {
    const json& args = *value.begin();
    std::string id;
    std::string attribute;
    if (args.is_string()) {
      const std::string text = args.get<std::string>();
      const size_t dot = text.find('.');
      id = text.substr(0, dot);
      if (dot != std::string::npos) attribute = text.substr(dot + 1);
    } else if (args.is_array() && !args.empty() && args[0].is_string()) {
      id = args[0].get<std::string>();
      if (args.size() > 1 && args[1].is_string()) attribute = args[1].get<std::string>();
    }
    if (refs && !id.empty()) refs->insert(id);
    if (attrs && !id.empty() && !attribute.empty()) attrs->emplace(id, attribute);
    if (args.is_array()) Collect(args, conditions, refs, attrs, depth + 1);
    return;
  }
  if (fn == "Fn::Sub") {
    const json& args = *value.begin();
    std::string text;
    json variables;
    if (args.is_string()) text = args.get<std::string>();
    if (args.is_array() && !args.empty() && args[0].is_string()) {
      text = args[0].get<std::string>();
      if (args.size() > 1) {
        variables = args[1];
        Collect(args[1], conditions, refs, attrs, depth + 1);
      }
    }
    for (size_t i = 0; (i = text.find("${", i)) != std::string::npos;) {
      const size_t close = text.find('}', i + 2);
      if (close == std::string::npos) break;
      std::string name = Trimmed(text.substr(i + 2, close - i - 2));
      i = close + 1;
      if (name.empty() || name.starts_with("!") || name.starts_with("AWS::")) continue;
      if (variables.is_object() && variables.contains(name)) continue;
      const size_t dot = name.find('.');
      if (refs) refs->insert(name.substr(0, dot));
      if (attrs && dot != std::string::npos)
        attrs->emplace(name.substr(0, dot), name.substr(dot + 1));
    }
    return;
  }
  if (fn == "Fn::If") {
    const json& args = *value.begin();
    if (args.is_array() && args.size() == 3 && args[0].is_string()) {
      auto it = conditions.find(args[0].get<std::string>());
      if (it != conditions.end()) {
        Collect(it->second ? args[1] : args[2], conditions, refs, attrs, depth + 1);
        return;
      }
    }
  }
  if (value.is_object() || value.is_array()) {
    for (const auto& item : value) Collect(item, conditions, refs, attrs, depth + 1);
  }
}

}  // namespace

std::optional<std::string> ScalarText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) {
      return std::to_string(static_cast<int64_t>(d));
    }
    return value.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  }
  return std::nullopt;
}

common::Result<std::optional<json>> Evaluate(const json& value, const EvalContext& context,
                                             std::string_view where) {
  try {
    return Evaluator(context, where).Eval(value);
  } catch (const EvalError& error) {
    return common::Fail(common::ErrorCode::kValidationError, error.message);
  }
}

common::Result<bool> EvaluateCondition(const json& value, const EvalContext& context,
                                       std::string_view where) {
  try {
    return Evaluator(context, where).Condition(value, 0);
  } catch (const EvalError& error) {
    return common::Fail(common::ErrorCode::kValidationError, error.message);
  }
}

void CollectReferences(const json& value, const std::map<std::string, bool>& conditions,
                       std::set<std::string>& out) {
  Collect(value, conditions, &out, nullptr, 0);
}

void CollectAttributes(const json& value, const std::map<std::string, bool>& conditions,
                       std::set<std::pair<std::string, std::string>>& out) {
  Collect(value, conditions, nullptr, &out, 0);
}

}  // namespace offstage::iac
