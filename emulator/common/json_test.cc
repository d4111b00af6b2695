#include "emulator/common/json.h"

#include <doctest/doctest.h>

#include <string>

namespace offstage::common {

TEST_CASE("JsonDepthWithin counts nesting outside strings") {
  CHECK(JsonDepthWithin("{}", 1));
  CHECK_FALSE(JsonDepthWithin("[[]]", 1));
  CHECK(JsonDepthWithin("[[]]", 2));
  CHECK(JsonDepthWithin(R"({"a":"[[[[\"{{{"})", 1));  // brackets in strings, escaped quote
  CHECK(JsonDepthWithin(R"([1],[2],[3])", 1));        // siblings do not add up
  CHECK_FALSE(JsonDepthWithin("[[[", 2));             // unterminated still counts
}

TEST_CASE("ParseJson discards documents nested deeper than the limit instead of recursing") {
  // Regression (issue #15): 20,000 levels overflowed the stack of whoever walked the result.
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  CHECK(ParseJson(deep).is_discarded());
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  CHECK(ParseJson(ok).is_array());
  CHECK(ParseJson("{\"a\":").is_discarded());
  CHECK(ParseJson<nlohmann::ordered_json>(R"({"b":1,"a":2})").begin().key() == "b");
}

}  // namespace offstage::common
