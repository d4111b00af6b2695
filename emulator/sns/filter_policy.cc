#include "emulator/sns/filter_policy.h"

#include <arpa/inet.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

namespace offstage::sns {
namespace {

using nlohmann::json;

constexpr size_t kMaxKeys = 5;
constexpr int64_t kMaxCombinations = 150;
constexpr size_t kMaxPolicyBytes = 256 * 1024;
constexpr double kNumericLimit = 1e9;  // numeric matching works within +/-10^9

struct ParseError {
  std::string detail;
};

// A value of the message, as the policy sees it.
struct Value {
  enum class Kind { kString, kNumber, kBool, kNull } kind = Kind::kString;
  std::string text;
  double number = 0;
  bool flag = false;
};

struct Condition {
  enum class Kind {
    kString,
    kNumber,
    kBool,
    kNull,
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kAnythingBut,  // values in `strings` / `numbers`
    kAnythingButPrefix,
    kAnythingButSuffix,
    kNumeric,
    kExists,
    kCidr,
  } kind = Kind::kString;
  std::string text;
  double number = 0;
  bool flag = false;
  std::vector<std::string> strings;
  std::vector<double> numbers;
  // kNumeric: a range; each bound optional.
  std::optional<double> lower, upper;
  bool lower_inclusive = false, upper_inclusive = false;
  // kCidr
  int family = 0;
  unsigned char network[16] = {};
  int prefix_bits = 0;
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> ToNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  if (copy.find_first_not_of("+-0123456789.eE") != std::string::npos) return std::nullopt;
  return value;
}

// Numbers compare at AWS's precision: 5 decimal places.
bool SameNumber(double a, double b) { return std::llround(a * 1e5) == std::llround(b * 1e5); }

bool ParseCidr(const std::string& text, Condition& c) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  const std::string address = text.substr(0, slash);
  const std::string bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 ||
      bits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  c.prefix_bits = std::stoi(bits);
  if (inet_pton(AF_INET, address.c_str(), c.network) == 1) {
    c.family = AF_INET;
    return c.prefix_bits <= 32;
  }
  if (inet_pton(AF_INET6, address.c_str(), c.network) == 1) {
    c.family = AF_INET6;
    return c.prefix_bits <= 128;
  }
  return false;
}

bool InCidr(const Condition& c, const std::string& ip) {
  unsigned char address[16] = {};
  const bool v4 = inet_pton(AF_INET, ip.c_str(), address) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, ip.c_str(), address) == 1;
  if ((c.family == AF_INET && !v4) || (c.family == AF_INET6 && !v6)) return false;
  const int full = c.prefix_bits / 8;
  if (std::memcmp(address, c.network, static_cast<size_t>(full)) != 0) return false;
  const int rest = c.prefix_bits % 8;
  if (rest == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (address[full] & mask) == (c.network[full] & mask);
}

double CheckedNumber(const json& value, const std::string& context) {
  if (!value.is_number()) throw ParseError{"Value of " + context + " must be numeric"};
  const double number = value.get<double>();
  if (number < -kNumericLimit || number > kNumericLimit) {
    throw ParseError{"Numeric value " + value.dump() + " is outside the range of -1.0E9 to 1.0E9"};
  }
  return number;
}

Condition ParseNumeric(const json& spec) {
  if (!spec.is_array() || spec.empty()) throw ParseError{"Value of numeric must be an array."};
  Condition c;
  c.kind = Condition::Kind::kNumeric;
  if (spec.size() == 2 && spec[0].is_string() && spec[0].get<std::string>() == "=") {
    const double value = CheckedNumber(spec[1], "=");
    c.lower = c.upper = value;
    c.lower_inclusive = c.upper_inclusive = true;
    return c;
  }
  if (spec.size() != 2 && spec.size() != 4) {
    throw ParseError{"Too many elements in numeric expression"};
  }
  bool seen_lower = false;
  bool seen_upper = false;
  for (size_t i = 0; i < spec.size(); i += 2) {
    if (!spec[i].is_string())
      throw ParseError{"Invalid member in numeric match: " + spec[i].dump()};
    const std::string op = spec[i].get<std::string>();
    const double value = CheckedNumber(spec[i + 1], op);
    if (op == ">" || op == ">=") {
      if (seen_lower || seen_upper) throw ParseError{"Bad numeric range operator: " + op};
      c.lower = value;
      c.lower_inclusive = op == ">=";
      seen_lower = true;
    } else if (op == "<" || op == "<=") {
      if (seen_upper) throw ParseError{"Bad numeric range operator: " + op};
      c.upper = value;
      c.upper_inclusive = op == "<=";
      seen_upper = true;
    } else {
      throw ParseError{"Unrecognized numeric range operator: " + op};
    }
  }
  if (c.lower && c.upper && *c.lower >= *c.upper) {
    throw ParseError{"Bottom must be less than top"};
  }
  return c;
}

Condition ParseAnythingBut(const json& spec) {
  Condition c;
  c.kind = Condition::Kind::kAnythingBut;
  auto add = [&](const json& v) {
    if (v.is_string()) {
      c.strings.push_back(v.get<std::string>());
    } else if (v.is_number()) {
      c.numbers.push_back(CheckedNumber(v, "anything-but"));
    } else {
      throw ParseError{"Inside anything but list, start|null|boolean is not supported."};
    }
  };
  if (spec.is_array()) {
    if (spec.empty()) throw ParseError{"Empty arrays are not allowed"};
    for (const auto& v : spec) add(v);
    return c;
  }
  if (spec.is_object()) {
    if (spec.size() != 1)
      throw ParseError{"Value of anything-but must be an array or single string/number value."};
    const auto& [op, value] = *spec.items().begin();
    if (op == "prefix" || op == "suffix") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        throw ParseError{op + " match pattern must be a string"};
      }
      c.kind = op == "prefix" ? Condition::Kind::kAnythingButPrefix
                              : Condition::Kind::kAnythingButSuffix;
      c.text = value.get<std::string>();
      return c;
    }
    throw ParseError{"Unsupported anything-but pattern: " + op};
  }
  add(spec);
  return c;
}

Condition ParseCondition(const json& v) {
  Condition c;
  if (v.is_string()) {
    c.kind = Condition::Kind::kString;
    c.text = v.get<std::string>();
    return c;
  }
  if (v.is_number()) {
    c.kind = Condition::Kind::kNumber;
    c.number = CheckedNumber(v, "exact number");
    return c;
  }
  if (v.is_boolean()) {
    c.kind = Condition::Kind::kBool;
    c.flag = v.get<bool>();
    return c;
  }
  if (v.is_null()) {
    c.kind = Condition::Kind::kNull;
    return c;
  }
  if (!v.is_object()) throw ParseError{"Match value must be String, number, true, false, or null"};
  if (v.size() != 1) throw ParseError{"Only one key allowed in match expression"};
  const auto& [op, value] = *v.items().begin();
  if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
    if (!value.is_string()) throw ParseError{op + " match pattern must be a string"};
    c.kind = op == "prefix"   ? Condition::Kind::kPrefix
             : op == "suffix" ? Condition::Kind::kSuffix
                              : Condition::Kind::kEqualsIgnoreCase;
    c.text = value.get<std::string>();
    return c;
  }
  if (op == "anything-but") return ParseAnythingBut(value);
  if (op == "numeric") return ParseNumeric(value);
  if (op == "exists") {
    if (!value.is_boolean()) throw ParseError{"exists match pattern must be either true or false."};
    c.kind = Condition::Kind::kExists;
    c.flag = value.get<bool>();
    return c;
  }
  if (op == "cidr") {
    if (!value.is_string() || !ParseCidr(value.get<std::string>(), c)) {
      throw ParseError{"Malformed CIDR, one '/' required"};
    }
    c.kind = Condition::Kind::kCidr;
    return c;
  }
  throw ParseError{"Unrecognized match type " + op};
}

}  // namespace

struct FilterPolicy::Node {
  std::map<std::string, std::vector<Condition>> leaves;  // key -> conditions, any may match
  std::map<std::string, Node> children;                  // nested keys (MessageBody scope)
  std::vector<std::vector<Node>> ors;                    // each $or: alternatives
};

namespace {

using Node = FilterPolicy::Node;

int64_t Combinations(const Node& node) {
  int64_t total = 1;
  for (const auto& [key, conditions] : node.leaves) {
    total *= static_cast<int64_t>(conditions.size());
    if (total > kMaxCombinations) return total;
  }
  for (const auto& [key, child] : node.children) {
    total *= Combinations(child);
    if (total > kMaxCombinations) return total;
  }
  for (const auto& alternatives : node.ors) {
    int64_t sum = 0;
    for (const auto& alternative : alternatives) sum += Combinations(alternative);
    total *= sum;
    if (total > kMaxCombinations) return total;
  }
  return total;
}

Node ParseNode(const json& object, FilterScope scope, int depth) {
  Node node;
  for (const auto& [key, value] : object.items()) {
    if (key == "$or") {
      if (!value.is_array() || value.size() < 2) {
        throw ParseError{"Or condition must have at least 2 items"};
      }
      std::vector<Node> alternatives;
      for (const auto& alternative : value) {
        if (!alternative.is_object() || alternative.empty()) {
          throw ParseError{"Or condition items must be non-empty objects"};
        }
        alternatives.push_back(ParseNode(alternative, scope, depth));
      }
      node.ors.push_back(std::move(alternatives));
      continue;
    }
    if (value.is_object()) {
      if (scope == FilterScope::kMessageAttributes) {
        throw ParseError{
            "Filter policy scope MessageAttributes does not support nested filter "
            "policy"};
      }
      if (value.empty()) throw ParseError{"Empty objects are not allowed"};
      node.children.emplace(key, ParseNode(value, scope, depth + 1));
      continue;
    }
    if (!value.is_array()) {
      throw ParseError{"\"" + key + "\" must be an object or an array"};
    }
    if (value.empty()) throw ParseError{"Empty arrays are not allowed"};
    std::vector<Condition> conditions;
    for (const auto& item : value) {
      if (item.is_array())
        throw ParseError{"Match value must be String, number, true, false, or null"};
      Condition c = ParseCondition(item);
      if (scope == FilterScope::kMessageAttributes &&
          (c.kind == Condition::Kind::kBool || c.kind == Condition::Kind::kNull)) {
        throw ParseError{"Match value must be String, number, true, false, or null"};
      }
      conditions.push_back(std::move(c));
    }
    node.leaves.emplace(key, std::move(conditions));
  }
  return node;
}

size_t KeyCount(const Node& node) {
  // Only the parent keys of nested policies count; each $or alternative adds its own keys.
  size_t keys = node.leaves.size() + node.children.size();
  size_t widest_or = 0;
  for (const auto& alternatives : node.ors) {
    for (const auto& alternative : alternatives)
      widest_or = std::max(widest_or, KeyCount(alternative));
  }
  return keys + widest_or;
}

bool Satisfies(const Condition& c, const Value& v) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kString:
      return v.kind == Value::Kind::kString && v.text == c.text;
    case K::kNumber:
      return v.kind == Value::Kind::kNumber && SameNumber(v.number, c.number);
    case K::kBool:
      return v.kind == Value::Kind::kBool && v.flag == c.flag;
    case K::kNull:
      return v.kind == Value::Kind::kNull;
    case K::kPrefix:
      return v.kind == Value::Kind::kString && v.text.starts_with(c.text);
    case K::kSuffix:
      return v.kind == Value::Kind::kString && v.text.ends_with(c.text);
    case K::kEqualsIgnoreCase:
      return v.kind == Value::Kind::kString && Lower(v.text) == Lower(c.text);
    case K::kAnythingBut:
      if (v.kind == Value::Kind::kString) {
        for (const auto& s : c.strings) {
          if (s == v.text) return false;
        }
        return true;
      }
      if (v.kind == Value::Kind::kNumber) {
        for (double n : c.numbers) {
          if (SameNumber(n, v.number)) return false;
        }
        return true;
      }
      return false;
    case K::kAnythingButPrefix:
      return v.kind == Value::Kind::kString && !v.text.starts_with(c.text);
    case K::kAnythingButSuffix:
      return v.kind == Value::Kind::kString && !v.text.ends_with(c.text);
    case K::kNumeric:
      if (v.kind != Value::Kind::kNumber) return false;
      if (c.lower && (c.lower_inclusive ? v.number < *c.lower : v.number <= *c.lower)) {
        return false;
      }
      if (c.upper && (c.upper_inclusive ? v.number > *c.upper : v.number >= *c.upper)) {
        return false;
      }
      return true;
    case K::kExists:
      return c.flag;  // the key is present (absent keys are handled by the caller)
    case K::kCidr:
      return v.kind == Value::Kind::kString && InCidr(c, v.text);
  }
  return false;
}

// A key's values matched against its conditions: present -> any value satisfies any
// condition; absent -> only `exists: false` matches.
bool KeyMatches(const std::vector<Condition>& conditions, const std::vector<Value>* values) {
  for (const Condition& c : conditions) {
    if (c.kind == Condition::Kind::kExists) {
      if (!c.flag && values == nullptr) return true;
      if (c.flag && values != nullptr) return true;
      continue;
    }
    if (values == nullptr) continue;
    for (const Value& v : *values) {
      if (Satisfies(c, v)) return true;
    }
  }
  return false;
}

Value FromJson(const json& j) {
  Value v;
  if (j.is_string()) {
    v.kind = Value::Kind::kString;
    v.text = j.get<std::string>();
  } else if (j.is_number()) {
    v.kind = Value::Kind::kNumber;
    v.number = j.get<double>();
  } else if (j.is_boolean()) {
    v.kind = Value::Kind::kBool;
    v.flag = j.get<bool>();
  } else {
    v.kind = Value::Kind::kNull;
  }
  return v;
}

// ---- MessageAttributes scope ----

std::optional<std::vector<Value>> AttributeValues(const MessageAttributes& attributes,
                                                  const std::string& key) {
  auto it = attributes.find(key);
  if (it == attributes.end() || !it->second.string_value) return std::nullopt;
  const std::string& type = it->second.data_type;
  const std::string& text = *it->second.string_value;
  std::vector<Value> values;
  if (type == "String.Array") {
    auto parsed = json::parse(text, nullptr, false);
    if (!parsed.is_array()) return std::nullopt;
    for (const auto& element : parsed) {
      if (!element.is_array() && !element.is_object()) values.push_back(FromJson(element));
    }
    return values;
  }
  if (type.starts_with("Number")) {
    auto number = ToNumber(text);
    if (!number) return std::nullopt;
    Value v;
    v.kind = Value::Kind::kNumber;
    v.number = *number;
    values.push_back(v);
    return values;
  }
  if (type.starts_with("String")) {
    Value v;
    v.text = text;
    values.push_back(v);
    return values;
  }
  return std::nullopt;  // Binary: ignored
}

bool MatchAttributes(const Node& node, const MessageAttributes& attributes) {
  for (const auto& [key, conditions] : node.leaves) {
    auto values = AttributeValues(attributes, key);
    if (!KeyMatches(conditions, values ? &*values : nullptr)) return false;
  }
  for (const auto& alternatives : node.ors) {
    bool any = false;
    for (const auto& alternative : alternatives) {
      if (MatchAttributes(alternative, attributes)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

// ---- MessageBody scope ----

// The leaf values under `key` in each of `objects` (arrays are flattened, as AWS does).
void Collect(const json& value, std::vector<Value>& out) {
  if (value.is_array()) {
    for (const auto& element : value) Collect(element, out);
  } else if (!value.is_object()) {
    out.push_back(FromJson(value));
  }
}

void Objects(const json& value, std::vector<const json*>& out) {
  if (value.is_object()) {
    out.push_back(&value);
  } else if (value.is_array()) {
    for (const auto& element : value) Objects(element, out);
  }
}

bool MatchBody(const Node& node, const std::vector<const json*>& objects) {
  for (const auto& [key, conditions] : node.leaves) {
    std::vector<Value> values;
    bool present = false;
    for (const json* object : objects) {
      auto it = object->find(key);
      if (it == object->end()) continue;
      present = true;
      Collect(*it, values);
    }
    if (!KeyMatches(conditions, present ? &values : nullptr)) return false;
  }
  for (const auto& [key, child] : node.children) {
    std::vector<const json*> nested;
    for (const json* object : objects) {
      auto it = object->find(key);
      if (it != object->end()) Objects(*it, nested);
    }
    if (!MatchBody(child, nested)) return false;
  }
  for (const auto& alternatives : node.ors) {
    bool any = false;
    for (const auto& alternative : alternatives) {
      if (MatchBody(alternative, objects)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace

common::Result<FilterPolicy> FilterPolicy::Parse(std::string_view policy_json, FilterScope scope) {
  auto fail = [](std::string detail) {
    return common::Fail(common::InvalidParameter(std::move(detail)));
  };
  if (policy_json.size() > kMaxPolicyBytes) {
    return fail("Filter policy is too large; the maximum size is 256 KB");
  }
  json parsed;
  try {
    parsed = json::parse(policy_json);
  } catch (const json::parse_error& e) {
    return fail(std::string("failed to parse JSON. ") + e.what());
  }
  if (!parsed.is_object()) return fail("Filter policy must be a JSON object");
  try {
    Node root = ParseNode(parsed, scope, 0);
    if (KeyCount(root) > kMaxKeys) return fail("Filter policy can not have more than 5 keys");
    if (Combinations(root) > kMaxCombinations) return fail("Filter policy is too complex");
    FilterPolicy policy;
    policy.scope_ = scope;
    policy.root_ = std::make_shared<const Node>(std::move(root));
    return policy;
  } catch (const ParseError& error) {
    return fail(error.detail);
  }
}

bool FilterPolicy::Matches(const MessageAttributes& attributes) const {
  return root_ && MatchAttributes(*root_, attributes);
}

bool FilterPolicy::MatchesBody(std::string_view body) const {
  if (!root_) return false;
  auto parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object()) return false;
  return MatchBody(*root_, {&parsed});
}

}  // namespace offstage::sns
