// The filter policy's matcher, and FilterPolicy itself (the parser is filter_policy_rules.cc):
// a message's attributes, or its JSON body flattened into records, against the policy's
// branches.
#include "emulator/sns/filter_policy.h"

#include <arpa/inet.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "emulator/common/json.h"
#include "emulator/sns/filter_policy_rules.h"

namespace offstage::sns {

using filter_rules::Branch;
using filter_rules::Condition;
using filter_rules::FromJson;
using filter_rules::json;
using filter_rules::ParseError;
using filter_rules::Quantize;
using filter_rules::Value;

namespace {

// A MessageBody match walks the combinations of the body's arrays of objects (one object of
// each, on the policy's keys' paths); a 256 KB body could otherwise make billions (two sibling
// arrays of 5,000 objects: 25 million records) and exhaust the daemon's memory.
constexpr size_t kMaxBodyRecords = 10'000;
// ... and each record holds its own copy of the values at every key: bounded in all too (a
// key's array of 100,000 numbers beside 10,000 combinations would be a billion copies).
constexpr size_t kMaxBodyValues = 200'000;

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

bool Excluded(const Condition& c, const Value& x) {
  if (c.kind == Condition::Kind::kAnythingButPrefix) {
    return x.kind != Value::Kind::kString || x.text.starts_with(c.text);
  }
  bool has_string = false;
  bool has_number = false;
  for (const Value& e : c.values) {
    if (e.kind == Value::Kind::kString) {
      has_string = true;
      if (x.kind == Value::Kind::kString && e.text == x.text) return true;
    } else if (e.kind == Value::Kind::kNumber) {
      has_number = true;
      if (x.kind == Value::Kind::kNumber && e.number == x.number) return true;
    }
  }
  // A value of another type than the listed ones is not a match either.
  if (has_string && x.kind != Value::Kind::kString) return true;
  if (has_number && x.kind != Value::Kind::kNumber) return true;
  return false;
}

bool Single(const Condition& c, const Value& x) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kString:
      return x.kind == Value::Kind::kString && x.text == c.text;
    case K::kNumber:
      return x.kind == Value::Kind::kNumber && x.number == c.number;
    case K::kBool:
      return x.kind == Value::Kind::kBool && x.flag == c.flag;
    case K::kNull:
      return x.kind == Value::Kind::kNull;
    case K::kPrefix:
      return x.kind == Value::Kind::kString && x.text.starts_with(c.text);
    case K::kSuffix:
      return x.kind == Value::Kind::kString && x.text.ends_with(c.text);
    case K::kEqualsIgnoreCase: {
      if (x.kind != Value::Kind::kString || x.text.size() != c.text.size()) return false;
      for (size_t i = 0; i < x.text.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(x.text[i])) !=
            std::tolower(static_cast<unsigned char>(c.text[i]))) {
          return false;
        }
      }
      return true;
    }
    case K::kNumeric:
      if (x.kind != Value::Kind::kNumber) return false;
      for (const auto& [op, n] : c.terms) {
        const bool ok = op == "="    ? x.number == n
                        : op == "<"  ? x.number < n
                        : op == "<=" ? x.number <= n
                        : op == ">"  ? x.number > n
                                     : x.number >= n;
        if (!ok) return false;
      }
      return true;
    case K::kCidr:
      return x.kind == Value::Kind::kString && InCidr(c, x.text);
    case K::kExists:
    case K::kAnythingBut:
    case K::kAnythingButPrefix:
      return false;  // handled by Holds
  }
  return false;
}

// One condition against a key's values. `every` (String.Array attributes): anything-but holds
// only when none of the elements is excluded (AWS's current documentation).
bool Holds(const Condition& c, const std::vector<Value>& values, bool present, bool every) {
  if (c.kind == Condition::Kind::kExists) return c.flag == present;
  if (!present) return false;
  if (c.kind == Condition::Kind::kAnythingBut || c.kind == Condition::Kind::kAnythingButPrefix) {
    if (every) {
      if (values.empty()) return false;
      for (const Value& x : values) {
        if (Excluded(c, x)) return false;
      }
      return true;
    }
    for (const Value& x : values) {
      if (!Excluded(c, x)) return true;
    }
    return false;
  }
  for (const Value& x : values) {
    if (Single(c, x)) return true;
  }
  return false;
}

bool KeyHolds(const std::vector<Condition>& conditions, const std::vector<Value>& values,
              bool present, bool every) {
  for (const Condition& c : conditions) {
    if (Holds(c, values, present, every)) return true;
  }
  return false;
}

// AWS's documentation: in attribute policies '"' and '\' must be written escaped, so a value
// is compared in its JSON-escaped form.
std::string Escaped(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\\' || ch == '"') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

// ---- MessageBody: one record (path -> leaf values) per choice of element in each array of
// objects, so conditions under one array must hold for the same element.
using Record = std::map<std::string, std::vector<Value>>;

// What Flatten keeps: the policy's keys (the only paths a match reads), and how many records
// (combinations of the body's arrays of objects) it may build.
size_t ValuesIn(const std::vector<Record>& records) {
  size_t values = 0;
  for (const Record& record : records) {
    for (const auto& [key, slot] : record) values += slot.size();
  }
  return values;
}

struct FlattenScope {
  const std::vector<std::string>& keys;
  bool overflow = false;

  // A path at or above one of the policy's keys: only there can anything matter.
  bool Relevant(const std::string& path) const {
    return std::any_of(keys.begin(), keys.end(), [&](const std::string& key) {
      return key == path ||
             (key.size() > path.size() && key.starts_with(path) && key[path.size()] == '.');
    });
  }
  bool IsKey(const std::string& path) const {
    return std::find(keys.begin(), keys.end(), path) != keys.end();
  }
};

std::vector<Record> Flatten(const json& value, const std::string& path, std::vector<Record> records,
                            FlattenScope& scope) {
  if (scope.overflow) return records;
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = path.empty() ? key : path + "." + key;
      if (!scope.Relevant(child_path)) continue;
      records = Flatten(child, child_path, std::move(records), scope);
    }
    return records;
  }
  const bool is_key = scope.IsKey(path);
  if (value.is_array()) {
    std::vector<Value> leaves;
    std::vector<const json*> nested;
    for (const auto& element : value) {
      if (element.is_object() || element.is_array()) {
        nested.push_back(&element);
      } else if (is_key) {
        leaves.push_back(FromJson(element));
      }
    }
    if (!leaves.empty()) {
      if (ValuesIn(records) + records.size() * leaves.size() > kMaxBodyValues) {
        scope.overflow = true;
        return records;
      }
      for (auto& record : records) {
        auto& slot = record[path];
        slot.insert(slot.end(), leaves.begin(), leaves.end());
      }
    }
    if (!nested.empty()) {
      std::vector<Record> out;
      size_t out_values = 0;
      const size_t copy_values = ValuesIn(records);  // what each expansion starts from
      for (const json* element : nested) {
        if (out_values + copy_values > kMaxBodyValues) {
          scope.overflow = true;
          return records;
        }
        auto expanded = Flatten(*element, path, records, scope);
        if (scope.overflow || out.size() + expanded.size() > kMaxBodyRecords) {
          scope.overflow = true;
          return records;
        }
        out_values += ValuesIn(expanded);
        out.insert(out.end(), expanded.begin(), expanded.end());
      }
      records = std::move(out);
    }
    return records;
  }
  if (is_key) {
    if (ValuesIn(records) + records.size() > kMaxBodyValues) {
      scope.overflow = true;
      return records;
    }
    for (auto& record : records) record[path].push_back(FromJson(value));
  }
  return records;
}

}  // namespace

struct FilterPolicy::Node {
  std::vector<Branch> branches;
  std::vector<std::string> keys;  // every key the branches name (dotted paths)
};

common::Result<FilterPolicy> FilterPolicy::Parse(std::string_view policy_json, FilterScope scope) {
  auto fail = [](std::string detail) {
    return common::Fail(common::InvalidParameter(std::move(detail)));
  };
  if (policy_json.size() > filter_rules::kMaxPolicyBytes) {
    return fail("Filter policy is too large: the limit is 256 KB");
  }
  // Before anything recurses over the policy (issue #15: 20,000 levels was a SIGSEGV).
  if (!common::JsonDepthWithin(policy_json)) {
    return fail("failed to parse JSON. " + common::JsonTooDeepDetail());
  }
  json parsed;
  try {
    parsed = json::parse(policy_json);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e400
    return fail(std::string("failed to parse JSON. ") + e.what());
  }
  if (!parsed.is_object()) return fail("Filter is not an object");
  try {
    filter_rules::Check(parsed, scope);
    if (parsed.size() > filter_rules::kMaxKeys)
      return fail("Filter policy can not have more than 5 keys");
    if (filter_rules::Combinations(parsed, 1) > filter_rules::kMaxCombinations)
      return fail("Filter policy is too complex");
    auto node = std::make_shared<Node>();
    node->branches = filter_rules::Expand(parsed, "", {Branch{}});
    for (const Branch& branch : node->branches) {
      for (const auto& [key, conditions] : branch) {
        if (std::find(node->keys.begin(), node->keys.end(), key) == node->keys.end()) {
          node->keys.push_back(key);
        }
      }
    }
    FilterPolicy policy;
    policy.scope_ = scope;
    policy.root_ = std::move(node);
    return policy;
  } catch (const ParseError& error) {
    return fail(error.detail);
  }
}

bool FilterPolicy::Matches(const MessageAttributes& attributes) const {
  if (!root_) return false;
  // Binary attributes take no part; a message without any other attribute matches nothing.
  std::map<std::string, std::pair<std::vector<Value>, bool>> values;  // name -> values, array?
  for (const auto& [name, attribute] : attributes) {
    if (attribute.data_type.starts_with("Binary") || !attribute.string_value) continue;
    const std::string& text = *attribute.string_value;
    std::vector<Value> parsed;
    bool array = false;
    if (attribute.data_type == "String.Array") {
      array = true;
      auto elements = common::ParseJson<json>(text);
      if (elements.is_array()) {
        for (const auto& element : elements) {
          if (!element.is_object() && !element.is_array()) parsed.push_back(FromJson(element));
        }
      }
    } else if (attribute.data_type.starts_with("Number")) {
      Value v;
      v.kind = Value::Kind::kNumber;
      v.number = Quantize(std::strtod(text.c_str(), nullptr));
      parsed.push_back(v);
    } else {
      Value v;
      v.text = Escaped(text);
      parsed.push_back(v);
    }
    values.emplace(name, std::make_pair(std::move(parsed), array));
  }
  if (values.empty()) return false;
  static const std::vector<Value> kNone;
  for (const Branch& branch : root_->branches) {
    bool ok = true;
    for (const auto& [key, conditions] : branch) {
      auto it = values.find(key);
      const bool present = it != values.end();
      if (!KeyHolds(conditions, present ? it->second.first : kNone, present,
                    present && it->second.second)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

bool FilterPolicy::MatchesBody(std::string_view body, std::string* refusal) const {
  if (!root_) return false;
  auto parsed = common::ParseJson<json>(body);
  if (!parsed.is_object() || parsed.empty()) return false;
  FlattenScope scope{root_->keys};
  const std::vector<Record> records = Flatten(parsed, "", {Record{}}, scope);
  if (scope.overflow) {
    if (refusal) {
      *refusal = "the message body's arrays under the filter policy's keys make more than " +
                 std::to_string(kMaxBodyRecords) + " combinations or " +
                 std::to_string(kMaxBodyValues) +
                 " values to match; offstage treats it as not matching";
    }
    return false;
  }
  static const std::vector<Value> kNone;
  for (const Branch& branch : root_->branches) {
    for (const Record& record : records) {
      bool ok = true;
      for (const auto& [key, conditions] : branch) {
        auto it = record.find(key);
        const bool present = it != record.end();
        if (!KeyHolds(conditions, present ? it->second : kNone, present, false)) {
          ok = false;
          break;
        }
      }
      if (ok) return true;
    }
  }
  return false;
}

}  // namespace offstage::sns
