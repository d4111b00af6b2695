// Unit tests for reading templates (yaml_loader.h): YAML scalars, short-form tags in the long
// form, JSON as is, and errors that name the line and column.
#include "emulator/iac/yaml_loader.h"

#include <doctest/doctest.h>

namespace offstage::iac {
namespace {

using nlohmann::json;

json Load(const std::string& text) {
  auto loaded = LoadTemplateText(text, "t.yaml");
  REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
  return *loaded;
}

}  // namespace

TEST_CASE("Short-form tags become CloudFormation's long form") {
  const json t = Load(R"(Resources:
  A:
    Type: X
    Properties:
      R: !Ref B
      G: !GetAtt B.Arn
      GL: !GetAtt [B, Arn]
      S: !Sub '${AWS::StackName}-x'
      J: !Join [',', [a, !Ref B]]
      I: !If [C, 1, !Ref 'AWS::NoValue']
      E: !Equals [a, b]
      Z: !GetAZs ''
      F: !FindInMap [M, k, v]
      N: !Not [!Condition C]
)");
  const json& p = t["Resources"]["A"]["Properties"];
  CHECK(p["R"] == json{{"Ref", "B"}});
  CHECK(p["G"] == json{{"Fn::GetAtt", {"B", "Arn"}}});
  CHECK(p["GL"] == json{{"Fn::GetAtt", {"B", "Arn"}}});
  CHECK(p["S"] == json{{"Fn::Sub", "${AWS::StackName}-x"}});
  CHECK(p["J"] == json{{"Fn::Join", {",", {"a", {{"Ref", "B"}}}}}});
  CHECK(p["I"] == json{{"Fn::If", {"C", 1, {{"Ref", "AWS::NoValue"}}}}});
  CHECK(p["E"] == json{{"Fn::Equals", {"a", "b"}}});
  CHECK(p["Z"] == json{{"Fn::GetAZs", ""}});
  CHECK(p["F"] == json{{"Fn::FindInMap", {"M", "k", "v"}}});
  CHECK(p["N"] == json{{"Fn::Not", {{{"Condition", "C"}}}}});
}

TEST_CASE("Plain scalars are typed as YAML 1.2's core schema reads them; quoted ones are strings") {
  const json t = Load(R"(AWSTemplateFormatVersion: 2010-09-09
Resources: {A: {Type: X}}
N: 30
F: 1.5
B: true
Q: '30'
Nothing: ~
Text: hello world
)");
  CHECK(t["AWSTemplateFormatVersion"] == "2010-09-09");
  CHECK(t["N"] == 30);
  CHECK(t["F"] == 1.5);
  CHECK(t["B"] == true);
  CHECK(t["Q"] == "30");
  CHECK(t["Nothing"].is_null());
  CHECK(t["Text"] == "hello world");
}

TEST_CASE("A JSON template is read as JSON") {
  const json t = Load(R"({"Resources": {"A": {"Type": "X", "Properties": {"N": 0.5}}}})");
  CHECK(t["Resources"]["A"]["Properties"]["N"] == 0.5);
}

TEST_CASE("Errors name the line and column: syntax, unknown tags, keys given twice") {
  auto bad = LoadTemplateText("Resources:\n  A: [1, 2\n", "t.yaml");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("t.yaml:") == 0);
  CHECK(bad.error().message.find("not valid YAML") != std::string::npos);

  auto tag = LoadTemplateText("Resources:\n  A: !Reff B\n", "t.yaml");
  REQUIRE_FALSE(tag.has_value());
  CHECK(tag.error().message == "t.yaml:2:6: unknown tag !Reff");

  auto twice = LoadTemplateText("Resources:\n  A: 1\n  A: 2\n", "t.yaml");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().message == "t.yaml:3:3: the key A is given twice in one map");

  auto list = LoadTemplateText("- a\n- b\n", "t.yaml");
  REQUIRE_FALSE(list.has_value());
  CHECK(list.error().message == "t.yaml: a template is a map (of sections)");

  auto json_bad = LoadTemplateText("{\"Resources\": ", "t.json");
  REQUIRE_FALSE(json_bad.has_value());
  CHECK(json_bad.error().message.find("t.json: not valid JSON") == 0);
}

TEST_CASE("Aliases that expand past a million values are refused, not expanded") {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 1; j < 10; ++j) text += ", " + prev;
    text += "]\n";
  }
  text += "Resources: {A: {Type: X}}\n";
  auto refused = LoadTemplateText(text, "t.yaml");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message ==
        "t.yaml: the document expands to more than 1000000 values (its aliases repeat too much)");
}

TEST_CASE("A document nested deeper than 200 levels is refused, not a stack overflow") {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "[";
  for (int i = 0; i < 300; ++i) deep += "]";
  auto refused = LoadTemplateText("Resources: " + deep + "\n", "t.yaml");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("nested more than 200 deep") != std::string::npos);
}

}  // namespace offstage::iac
