// Shared pieces of the SNS filter-policy tests (filter_policy_test.cc: validation;
// filter_policy_attributes_test.cc: matching on message attributes; filter_policy_body_test.cc:
// matching on the message body): the case structs, Attrs(), the table checkers, and the
// policies both matching scopes use. A test-only header, included by those three files alone.
// Every case in those files names its source:
//   S  = LocalStack's real-AWS snapshot (tests/aws/services/sns/test_sns_filter_policy.*), the
//        highest authority: AWS's own output, recorded May 2024;
//   D  = an example from AWS's SNS developer guide (filter policy examples, string / numeric
//        value matching, key matching, AND/OR logic, filter policy constraints);
//   LS = LocalStack's filter.py (third-party mirror of AWS); ER = aws/event-ruler's rule parser;
//   I  = inference (no source shows the exact case; see /work/scratch/filter-policy-research.md).
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "emulator/sns/filter_policy.h"

namespace offstage::sns::filter_test {

// Builds MessageAttributes from a compact JSON object, in the notation of AWS's docs:
//   {"store": {"Type": "String", "Value": "example_corp"},
//    "price": {"Type": "Number", "Value": "1"}}
// A bare string is shorthand for a String attribute: {"store": "example_corp"}. A non-string
// Value is taken as its JSON text, so give numbers as strings where the spelling matters
// ("3.015e2"). Binary attributes carry their Value in binary_value.
inline MessageAttributes Attrs(std::string_view json) {
  MessageAttributes out;
  const auto doc = nlohmann::json::parse(json);
  for (const auto& [name, spec] : doc.items()) {
    MessageAttributeValue value;
    if (spec.is_string()) {
      value.data_type = "String";
      value.string_value = spec.get<std::string>();
    } else {
      value.data_type = spec.at("Type").get<std::string>();
      const auto& raw = spec.at("Value");
      std::string text = raw.is_string() ? raw.get<std::string>() : raw.dump();
      if (value.data_type.starts_with("Binary")) {
        value.binary_value = std::move(text);
      } else {
        value.string_value = std::move(text);
      }
    }
    out.emplace(name, std::move(value));
  }
  return out;
}

struct AttrCase {
  const char* name;
  const char* source;
  const char* policy;
  const char* attributes;  // see Attrs()
  bool expected;
};

struct BodyCase {
  const char* name;
  const char* source;
  const char* policy;
  const char* body;  // the raw message body
  bool expected;
};

struct ErrorCase {
  const char* name;
  const char* source;
  FilterScope scope;
  const char* policy;
  const char* detail;  // the text after "Invalid parameter: FilterPolicy: "; nullptr = any text
};

struct ValidCase {
  const char* name;
  const char* source;
  FilterScope scope;
  const char* policy;
};

inline constexpr FilterScope kAttr = FilterScope::kMessageAttributes;
inline constexpr FilterScope kBody = FilterScope::kMessageBody;

inline void CheckAttrCases(const AttrCase* cases, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const AttrCase& c = cases[i];
    INFO("case: " << std::string(c.name) << " [" << std::string(c.source) << "]");
    INFO("policy: " << std::string(c.policy));
    INFO("attributes: " << std::string(c.attributes));
    auto policy = FilterPolicy::Parse(c.policy, kAttr);
    if (!policy) {
      FAIL_CHECK("policy rejected: " << policy.error().message);
      continue;
    }
    CHECK(policy->Matches(Attrs(c.attributes)) == c.expected);
  }
}

inline void CheckBodyCases(const BodyCase* cases, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const BodyCase& c = cases[i];
    INFO("case: " << std::string(c.name) << " [" << std::string(c.source) << "]");
    INFO("policy: " << std::string(c.policy));
    INFO("body: " << std::string(c.body));
    auto policy = FilterPolicy::Parse(c.policy, kBody);
    if (!policy) {
      FAIL_CHECK("policy rejected: " << policy.error().message);
      continue;
    }
    CHECK(policy->MatchesBody(c.body) == c.expected);
  }
}

inline void CheckError(const char* name, const char* source, FilterScope scope,
                       std::string_view policy, const char* detail) {
  INFO("case: " << std::string(name) << " [" << std::string(source) << "]");
  INFO("scope: " << (scope == kAttr ? "MessageAttributes" : "MessageBody"));
  INFO("policy: " << (policy.size() > 300 ? std::string(policy.substr(0, 300)) + "..."
                                          : std::string(policy)));
  auto parsed = FilterPolicy::Parse(policy, scope);
  if (parsed) {
    FAIL_CHECK("policy accepted, expected an error");
    return;
  }
  CHECK(parsed.error().code == common::ErrorCode::kInvalidParameter);
  if (detail != nullptr) {
    CHECK(parsed.error().message == std::string(detail));
  }
}

inline void CheckValid(const char* name, const char* source, FilterScope scope,
                       std::string_view policy) {
  INFO("case: " << std::string(name) << " [" << std::string(source) << "]");
  INFO("scope: " << (scope == kAttr ? "MessageAttributes" : "MessageBody"));
  INFO("policy: " << (policy.size() > 300 ? std::string(policy.substr(0, 300)) + "..."
                                          : std::string(policy)));
  auto parsed = FilterPolicy::Parse(policy, scope);
  if (!parsed) {
    FAIL_CHECK("policy rejected: " << parsed.error().message);
  }
}

// The "Filter policy examples" page's policies, used by both matching scopes.
#define ACCEPTING_POLICY                                                           \
  R"({"store": ["example_corp"], "event": [{"anything-but": "order_cancelled"}],)" \
  R"( "customer_interests": ["rugby", "football", "baseball"],)"                   \
  R"( "price_usd": [{"numeric": [">=", 100]}]})"

#define REJECTING_POLICY                                                               \
  R"({"store": ["example_corp"], "event": ["order_cancelled"], "encrypted": [false],)" \
  R"( "customer_interests": ["basketball", "baseball"]})"

}  // namespace offstage::sns::filter_test
