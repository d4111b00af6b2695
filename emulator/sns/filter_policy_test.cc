// Table-driven tests of SNS filter-policy validation: policies AWS rejects (with its detail
// text), policies it accepts, the complexity and size limits, and the parser's regressions.
// Source tags (S, D, LS, ER, I): see filter_policy_cases.h. Matching: see
// filter_policy_attributes_test.cc and filter_policy_body_test.cc.
#include "emulator/sns/filter_policy.h"

#include <doctest/doctest.h>

#include <cstddef>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "emulator/sns/filter_policy_cases.h"

namespace offstage::sns::filter_test {
namespace {

// {"<key>": ["value0", ..., "value<n-1>"]}
std::string KeyWithValues(const std::string& key, int n) {
  nlohmann::json values = nlohmann::json::array();
  for (int i = 0; i < n; ++i) values.push_back("value" + std::to_string(i));
  return nlohmann::json{{key, values}}.dump();
}

// ---------------------------------------------------------------------------------------------
// Validation: errors and valid policies.
// ---------------------------------------------------------------------------------------------

const ErrorCase kErrorCases[] = {
    // S TestSNSFilterPolicyConditions::test_validate_policy
    {"condition is a list", "S", kAttr, R"({"key": [["value"]]})",
     "Match value must be String, number, true, false, or null"},
    {"condition is a list (body scope)", "S/I", kBody, R"({"key": [["value"]]})",
     "Match value must be String, number, true, false, or null"},
    {"unknown operator", "S", kAttr, R"({"key": [{"wrong-operator": true}]})",
     "Unrecognized match type wrong-operator"},
    {"two operators in one condition", "S", kAttr,
     R"({"key": [{"suffix": "value", "prefix": "value2"}]})",
     "Only one key allowed in match expression"},
    // S test_validate_policy_string_operators
    {"suffix is a number", "S", kAttr, R"({"key": [{"suffix": 100}]})",
     "suffix match pattern must be a string"},
    {"suffix is null", "S", kAttr, R"({"key": [{"suffix": null}]})",
     "suffix match pattern must be a string"},
    {"suffix is an empty list", "S", kAttr, R"({"key": [{"suffix": []}]})",
     "suffix match pattern must be a string"},
    {"suffix is a list of strings", "S", kAttr, R"({"key": [{"suffix": ["test", "test2"]}]})",
     "suffix match pattern must be a string"},
    {"operator object not inside a list", "S", kAttr, R"({"key": {"suffix": "value"}})",
     "\"suffix\" must be an object or an array"},
    {"operator object not inside a list (body scope)", "I", kBody,
     R"({"key": {"suffix": "value"}})", "\"suffix\" must be an object or an array"},
    {"two operators not inside a list", "S", kAttr,
     R"({"key": {"suffix": "value", "prefix": "value"}})",
     "\"suffix\" must be an object or an array"},
    {"unknown key not inside a list", "S", kAttr, R"({"key": {"not-an-operator": "value"}})",
     "\"not-an-operator\" must be an object or an array"},
    {"top-level value is a string (body scope)", "S", kBody, R"({"key_a": "value_one"})",
     "\"key_a\" must be an object or an array"},
    {"top-level value is a string (attributes scope)", "I", kAttr, R"({"key_a": "value_one"})",
     "\"key_a\" must be an object or an array"},
    {"top-level value is a number", "I", kAttr, R"({"key_a": 5})",
     "\"key_a\" must be an object or an array"},
    {"nested value is a string", "I", kBody, R"({"a": {"b": "x"}})",
     "\"b\" must be an object or an array"},
    // S test_validate_policy_numeric_operator
    {"numeric empty", "S", kAttr, R"({"key": [{"numeric": []}]})",
     "Invalid member in numeric match: ]"},
    {"numeric unknown operator", "S", kAttr, R"({"key": [{"numeric": ["operator"]}]})",
     "Unrecognized numeric range operator: operator"},
    {"numeric value before operator", "S", kAttr, R"({"key": [{"numeric": [1, "<="]}]})",
     "Invalid member in numeric match: 1"},
    {"numeric = with a string value", "S", kAttr, R"({"key": [{"numeric": ["=", "000"]}]})",
     "Value of equals must be numeric"},
    {"numeric >= without a value", "S", kAttr, R"({"key": [{"numeric": [">="]}]})",
     "Value of >= must be numeric"},
    {"numeric < then a second range", "S", kAttr, R"({"key": [{"numeric": ["<", 100, ">", 10]}]})",
     "Too many elements in numeric expression"},
    {"numeric >= then >", "S", kAttr, R"({"key": [{"numeric": [">=", 1, ">", 2]}]})",
     "Bad numeric range operator: >"},
    {"numeric bottom above top", "S", kAttr, R"({"key": [{"numeric": [">", 3, "<", 1]}]})",
     "Bottom must be less than top"},
    {"numeric range missing its top", "S", kAttr, R"({"key": [{"numeric": [">", 20, "<="]}]})",
     "Value of <= must be numeric"},
    {"numeric range with a bare number", "S", kAttr, R"({"key": [{"numeric": [">", 20, 30]}]})",
     "Bad value in numeric range: 30"},
    {"numeric range with a bad operator", "S", kAttr,
     R"({"key": [{"numeric": [">", 20, "test"]}]})", "Bad numeric range operator: test"},
    {"numeric bottom is a string", "S", kAttr, R"({"key": [{"numeric": [">", "20", "<", "30"]}]})",
     "Value of > must be numeric"},
    {"numeric top is a string", "S", kAttr, R"({"key": [{"numeric": [">", 20, "<", "30"]}]})",
     "Value of < must be numeric"},
    {"numeric with three terms", "S", kAttr,
     R"({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]})",
     "Too many terms in numeric range expression"},
    {"numeric bottom equal to top", "I", kAttr, R"({"key": [{"numeric": [">=", 5, "<=", 5]}]})",
     "Bottom must be less than top"},
    {"numeric = with two values", "ER", kAttr, R"({"key": [{"numeric": ["=", 1, 2]}]})",
     "Too many elements in numeric expression"},
    {"numeric is not an array", "ER", kAttr, R"({"key": [{"numeric": ">"}]})",
     "Value of numeric must be an array."},
    // S test_validate_policy_exists_operator
    {"exists null", "S", kAttr, R"({"key": [{"exists": null}]})",
     "exists match pattern must be either true or false."},
    {"exists string", "S", kAttr, R"({"key": [{"exists": "no"}]})",
     "exists match pattern must be either true or false."},
    // S test_validate_policy_nested_anything_but_operator
    {"anything-but unknown inner operator", "S", kAttr,
     R"({"key": [{"anything-but": {"wrong-operator": null}}]})",
     "Unsupported anything-but pattern: wrong-operator"},
    {"anything-but suffix is not supported by SNS", "S", kAttr,
     R"({"key": [{"anything-but": {"suffix": "test"}}]})",
     "Unsupported anything-but pattern: suffix"},
    {"anything-but exists", "S", kAttr, R"({"key": [{"anything-but": {"exists": false}}]})",
     "Unsupported anything-but pattern: exists"},
    {"anything-but prefix is not a string", "S", kAttr,
     R"({"key": [{"anything-but": {"prefix": false}}]})", "prefix match pattern must be a string"},
    {"anything-but equals-ignore-case", "LS/I", kAttr,
     R"({"key": [{"anything-but": {"equals-ignore-case": "x"}}]})",
     "Unsupported anything-but pattern: equals-ignore-case"},
    // Other operators (LS / ER wording, not in the snapshot)
    {"prefix is not a string", "S/LS", kAttr, R"({"key": [{"prefix": 5}]})",
     "prefix match pattern must be a string"},
    {"equals-ignore-case is not a string", "LS/ER", kAttr,
     R"({"key": [{"equals-ignore-case": 5}]})",
     "equals-ignore-case match pattern must be a string"},
    {"wildcard is not an SNS operator", "LS", kAttr, R"({"key": [{"wildcard": "a*"}]})",
     "Unrecognized match type wildcard"},
    {"empty list of conditions", "LS/ER", kAttr, R"({"key": []})", "Empty arrays are not allowed"},
    {"empty list of conditions (body scope)", "LS/ER", kBody, R"({"a": {"key": []}})",
     "Empty arrays are not allowed"},
    {"cidr is not a string", "LS/ER", kAttr, R"({"key": [{"cidr": 5}]})",
     "prefix match pattern must be a string"},
    {"cidr without a slash", "LS/ER", kAttr, R"({"key": [{"cidr": "10.0.0.0"}]})",
     "Malformed CIDR, one '/' required"},
    {"cidr mask is not an integer", "LS/ER", kAttr, R"({"key": [{"cidr": "10.0.0.0/abc"}]})",
     "Malformed CIDR, mask bits must be an integer"},
    {"cidr address is not an IP address", "LS", kAttr, R"({"key": [{"cidr": "10.0.0.300/24"}]})",
     "Nonstandard IP address: 10.0.0.300"},
    // Structure
    {"nested policy in MessageAttributes scope (no FilterPolicy: prefix on the wire)", "S", kAttr,
     R"({"object": {"key": [{"prefix": "auto-"}]}})",
     "Filter policy scope MessageAttributes does not support nested filter policy"},
    {"six keys (attributes scope)", "S", kAttr,
     R"({"key1": ["value1"], "key2": ["value2"], "key3": ["value3"], "key4": ["value4"],)"
     R"( "key5": ["value5"], "key6": ["value6"]})",
     "Filter policy can not have more than 5 keys"},
    {"six keys (body scope)", "S", kBody,
     R"({"key_a": ["value_one"], "key_b": ["value_two"], "key_c": ["value_three"],)"
     R"( "key_d": ["value_four"], "key_e": ["value_five"], "key_f": ["value_six"]})",
     "Filter policy can not have more than 5 keys"},
    {"nested combinations 4x3 * 3x2 * 3x1 = 216", "S", kBody,
     R"({"key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},)"
     R"( "key_d": {"key_e": ["value_one", "value_two", "value_three"]},)"
     R"( "key_f": ["value_one", "value_two", "value_three"]})",
     "Filter policy is too complex"},
    {"$or combinations 4*6 + 4*4*4 + 4*4*4 = 152", "S", kAttr,
     R"({"source": ["aws.cloudwatch", "aws.events", "aws.test", "aws.test2"], "$or": [)"
     R"( {"metricName": ["CPUUtilization", "ReadLatency", "t1", "t2", "t3", "t4"]},)"
     R"( {"metricType": ["MetricType", "TestType", "TestType2", "TestType3"],)"
     R"( "$or": [{"metricId": [1234, 4321, 5678, 9012]}, {"spaceId": [1, 2, 3, 4]}]}]})",
     "Filter policy is too complex"},
    {"nested $or combinations (3+2) * 2x2 * (1x2 + 3x2) = 160", "S", kBody,
     R"({"$or": [{"metricName": ["CPUUtilization", "ReadLatency", "TestValue"]},)"
     R"( {"namespace": ["AWS/EC2", "AWS/ES"]}],)"
     R"( "detail": {"scope": ["Service", "Test"], "$or": [{"source": ["aws.cloudwatch"]},)"
     R"( {"type": ["CloudWatch Alarm State Change", "TestValue", "TestValue2"]}]}})",
     "Filter policy is too complex"},
    // Not a policy at all: AWS's text is unknown here, so only the failure is checked.
    {"not JSON", "I", kAttr, R"({invalidjson})", nullptr},
    {"JSON array", "ER", kAttr, R"([{"key": ["v"]}])", nullptr},
    {"JSON string", "ER", kBody, R"("key")", nullptr},
    {"trailing garbage", "I", kAttr, R"({"key": ["v"]} x)", nullptr},
};

const ValidCase kValidCases[] = {
    {"150 combinations with $or: 3*6 + 3*4*4 + 3*4*7", "S", kAttr,
     R"({"source": ["aws.cloudwatch", "aws.events", "aws.test"], "$or": [)"
     R"( {"metricName": ["CPUUtilization", "ReadLatency", "TestVal", "TestVal2", "TestVal3",)"
     R"( "TestVal4"]},)"
     R"( {"metricType": ["MetricType", "TestType", "TestType2", "TestType3"],)"
     R"( "$or": [{"metricId": [1234, 4321, 5678, 9012]}, {"spaceId": [1, 2, 3, 4, 5, 6, 7]}]}]})"},
    {"anything-but prefix", "S", kAttr, R"({"key": [{"anything-but": {"prefix": "test-"}}]})"},
    {"anything-but list", "S", kAttr, R"({"key": [{"anything-but": ["test", "test2"]}]})"},
    {"anything-but string", "S", kAttr, R"({"key": [{"anything-but": "test"}]})"},
    {"anything-but number list", "D", kAttr, R"({"price": [{"anything-but": [100, 500]}]})"},
    {"nested policy in body scope", "S", kBody, R"({"object": {"key": [{"prefix": "auto-"}]}})"},
    {"numeric range", "S", kAttr, R"({"attr1": [{"numeric": [">", 0, "<=", 100]}]})"},
    {"null and anything-but", "S", kAttr, R"({"attr1": [null, {"anything-but": "whatever"}]})"},
    {"exists true / false", "S", kAttr,
     R"({"store": [{"exists": true}], "b": [{"exists": false}]})"},
    {"doc complexity example 3 x 1 x 2 = 6", "D", kAttr,
     R"({"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"],)"
     R"( "key_c": ["value_one", "value_two"]})"},
    {"doc nested complexity example 4x3 * 3x2 = 72", "D", kBody,
     R"({"key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},)"
     R"( "key_d": {"key_e": ["value_one", "value_two", "value_three"]}})"},
    {"doc key counting example 2: 4x4 * 3x3 = 144, one top-level key", "D", kBody,
     R"({"key_a": {"key_b": {"key_c": {"key_d": ["value_one", "value_two", "value_three",)"
     R"( "value_four"]}},)"
     R"( "key_e": {"key_f": ["value_one", "value_two", "value_three"]}}})"},
    {"doc key counting example 1: four top-level keys, six leaves", "D", kBody,
     R"({"state": ["SUCCESS"], "severity": [{"exists": true}], "message": [{"exists": true}],)"
     R"( "finding": {"standard_control": [{"exists": true}], "region": [{"exists": true}],)"
     R"( "account": [{"exists": true}]}})"},
    {"one top-level key with six nested leaves: only top-level keys count", "D", kBody,
     R"({"a": {"k1": ["x"], "k2": ["x"], "k3": ["x"], "k4": ["x"], "k5": ["x"], "k6": ["x"]}})"},
    {"five keys", "D", kAttr,
     R"({"key1": ["value1"], "key2": ["value2"], "key3": ["value3"], "key4": ["value4"],)"
     R"( "key5": ["value5"]})"},
    {"numbers beyond the documented +-1e9 are accepted", "LS", kAttr,
     R"({"n": [{"numeric": [">", 5000000000]}], "m": [{"numeric": ["<", -1e10]}]})"},
    {"null / true / false / numbers as literals", "D", kBody,
     R"({"a": [null], "b": [true, false], "c": [1, 2.5, -3e2]})"},
    {"cidr IPv4 and IPv6", "D", kAttr,
     R"({"ip": [{"cidr": "10.0.0.0/24"}, {"cidr": "2001:db8::/32"}]})"},
    {"prefix, suffix, equals-ignore-case", "D", kAttr,
     R"({"k": [{"prefix": "a"}, {"suffix": "b"}, {"equals-ignore-case": "C"}]})"},
    {"$or of strings is an ordinary key", "D", kAttr, R"({"$or": ["a", "b"]})"},
    {"$or inside a nested key", "S", kBody,
     R"({"detail": {"scope": ["Service"], "$or": [{"source": ["a"]}, {"type": ["b"]}]}})"},
    {"dotted keys", "S", kBody, R"({"object.nested.test": ["string.value"]})"},
    {"whitespace and unicode", "I", kAttr, "{\n  \"k\" : [ \"caf\xC3\xA9\" ]\n}"},
};

TEST_CASE("Invalid policies fail with AWS's detail text (real-AWS snapshot texts first)") {
  for (const ErrorCase& c : kErrorCases) {
    CheckError(c.name, c.source, c.scope, c.policy, c.detail);
  }
}

TEST_CASE("Valid policies parse") {
  for (const ValidCase& c : kValidCases) {
    CheckValid(c.name, c.source, c.scope, c.policy);
  }
}

TEST_CASE("Complexity counts values x depth; $or adds its branches (S, LS)") {
  // S test_policy_complexity: 151 values in one key; 100 x 51 across two keys.
  CheckError("151 values in one key", "S", kAttr, KeyWithValues("key", 151),
             "Filter policy is too complex");
  CheckValid("150 values in one key", "I", kAttr, KeyWithValues("key", 150));
  {
    nlohmann::json policy = nlohmann::json::parse(KeyWithValues("key1", 100));
    policy["key2"] = nlohmann::json::parse(KeyWithValues("key2", 51))["key2"];
    CheckError("100 x 51 values in two keys", "S", kAttr, policy.dump(),
               "Filter policy is too complex");
  }
  {
    nlohmann::json policy = nlohmann::json::parse(KeyWithValues("key1", 10));
    policy["key2"] = nlohmann::json::parse(KeyWithValues("key2", 15))["key2"];
    CheckValid("two keys 10 x 15 = 150", "I", kAttr, policy.dump());
  }
  // A leaf array at depth 2 counts twice its length (the S 216 and 160 cases depend on it).
  {
    nlohmann::json policy = {{"a", nlohmann::json::parse(KeyWithValues("b", 75))}};
    CheckValid("75 values at depth 2 = 150", "I", kBody, policy.dump());
  }
  {
    nlohmann::json policy = {{"a", nlohmann::json::parse(KeyWithValues("b", 76))}};
    CheckError("76 values at depth 2 = 152", "I", kBody, policy.dump(),
               "Filter policy is too complex");
  }
  // A $or adds its branches: (x + y) * z.
  {
    nlohmann::json policy = nlohmann::json::parse(KeyWithValues("z", 10));
    policy["$or"] = {nlohmann::json::parse(KeyWithValues("x", 8)),
                     nlohmann::json::parse(KeyWithValues("y", 7))};
    CheckValid("(8 + 7) * 10 = 150", "I", kAttr, policy.dump());
    policy["$or"][1] = nlohmann::json::parse(KeyWithValues("y", 8));
    CheckError("(8 + 8) * 10 = 160", "I", kAttr, policy.dump(), "Filter policy is too complex");
  }
}

TEST_CASE("Policy size: 256 KB limit (D; AWS's error text unknown, only the failure is checked)") {
  const std::string small = R"({"key": [")" + std::string(200 * 1024, 'a') + R"("]})";
  CheckValid("a 200 KB policy", "D", kAttr, small);
  const std::string big = R"({"key": [")" + std::string(300 * 1024, 'a') + R"("]})";
  CheckError("a 300 KB policy", "D", kAttr, big, nullptr);
}

TEST_CASE("A parsed policy keeps its scope") {
  auto attr = FilterPolicy::Parse(R"({"a": ["b"]})", kAttr);
  REQUIRE(attr);
  CHECK(attr->scope() == kAttr);
  auto body = FilterPolicy::Parse(R"({"a": {"b": ["c"]}})", kBody);
  REQUIRE(body);
  CHECK(body->scope() == kBody);
}

// Regression (issue #15): a policy nested 20,000 levels deep (~100 KB, under the 256 KB limit)
// overflowed the stack in Check() before any limit ran: SIGSEGV of the whole daemon.
TEST_CASE("A policy nested 20,000 deep is rejected before anything recurses") {
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += "{\"a\":";
  deep += "[1]" + std::string(20000, '}');
  REQUIRE(deep.size() < 256 * 1024);
  for (FilterScope scope : {FilterScope::kMessageAttributes, FilterScope::kMessageBody}) {
    auto parsed = FilterPolicy::Parse(deep, scope);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message ==
          "failed to parse JSON. Document nesting depth exceeds the maximum allowed (1000)");
  }
  // A body that deep simply does not match (MatchesBody flattened it recursively).
  auto policy = FilterPolicy::Parse(R"({"a": [1]})", FilterScope::kMessageBody);
  REQUIRE(policy);
  std::string body;
  for (int i = 0; i < 20000; ++i) body += "{\"a\":";
  body += "1" + std::string(20000, '}');
  CHECK_FALSE(policy->MatchesBody(body));
}

// Regression (found by tests/fuzz/filter_policy_fuzz): nlohmann throws out_of_range, not
// parse_error, for a number beyond double ("1e400"); Parse caught only parse_error, so the
// exception escaped (std::terminate in the fuzzer, a 500 through the API).
TEST_CASE("A number too large for a double is a parse error, not an escaping exception") {
  for (const char* policy : {"1111111e1111111", R"({"a": [1e400]})", R"({"a": [-1e999]})"}) {
    auto parsed = FilterPolicy::Parse(policy, FilterScope::kMessageBody);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.starts_with("failed to parse JSON. "));
  }
}

}  // namespace
}  // namespace offstage::sns::filter_test
