// The parsed form of a filter policy, shared by its parser (filter_policy_rules.cc: AWS's
// grammar, limits and error texts) and its matcher (filter_policy.cc). Internal to sns/: only
// FilterPolicy includes it. Pure values and functions, safe on any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "emulator/sns/filter_policy.h"

namespace offstage::sns::filter_rules {

// ordered: errors name the first offending key in the policy's own order, as AWS does.
using json = nlohmann::ordered_json;

inline constexpr size_t kMaxKeys = 5;
inline constexpr int64_t kMaxCombinations = 150;
inline constexpr size_t kMaxPolicyBytes = 256 * 1024;

// What the parser throws; FilterPolicy::Parse turns it into InvalidParameter.
struct ParseError {
  std::string detail;
};

// A value of the message as the policy sees it: JSON types are kept (a string never equals a
// number).
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
    kAnythingBut,        // `values`
    kAnythingButPrefix,  // `text`
    kNumeric,
    kExists,
    kCidr,
  } kind = Kind::kString;
  std::string text;
  double number = 0;
  bool flag = false;
  std::vector<Value> values;
  // kNumeric: (operator, operand) pairs, all of which must hold.
  std::vector<std::pair<std::string, double>> terms;
  // kCidr
  int family = 0;
  unsigned char network[16] = {};
  int prefix_bits = 0;
};

// One alternative of the policy after $or is expanded: path -> conditions (any may match).
using Branch = std::vector<std::pair<std::string, std::vector<Condition>>>;

// AWS compares numbers with five digits of accuracy after the decimal point (its filter
// policy constraints): every number, in the policy and in the message, is kept as its value
// in units of 1e-5, rounded, so 1.000001 and 1.000002 are equal and 1.00001 is not 1.00002.
double Quantize(double x);
// A policy or message value with its JSON type.
Value FromJson(const json& j);

// Throws ParseError at the first rule AWS refuses (nesting in MessageAttributes scope, empty
// arrays, unknown or malformed operators), in the policy's own key order.
void Check(const json& object, FilterScope scope);
// The policy's combinations as AWS counts them (refused over kMaxCombinations).
int64_t Combinations(const json& object, int64_t depth);
// The policy with $or expanded: one Branch per alternative, keys as dotted paths.
std::vector<Branch> Expand(const json& object, const std::string& prefix,
                           std::vector<Branch> branches);

}  // namespace offstage::sns::filter_rules
