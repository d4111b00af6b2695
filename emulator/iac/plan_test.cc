// Unit tests for a deploy's plan (plan.h): parameters, conditions, order, cycles.
#include "emulator/iac/plan.h"

#include <doctest/doctest.h>

#include "emulator/iac/template.h"
#include "emulator/iac/yaml_loader.h"

namespace offstage::iac {
namespace {

Template Parse(const std::string& text) {
  auto doc = LoadTemplateText(text, "t.yaml");
  REQUIRE(doc.has_value());
  auto t = ParseTemplate(*doc);
  REQUIRE_MESSAGE(t.has_value(), (t ? "" : t.error().message));
  return *t;
}

const PseudoParameters kPseudo{"us-east-1", "000000000000", "s", "arn:stack"};

std::vector<std::string> Order(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto* r : plan.order) out.push_back(r->logical_id);
  return out;
}

}  // namespace

TEST_CASE("Resources are ordered after what they reference or depend on") {
  const Template t = Parse(R"(Resources:
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Endpoint: !GetAtt Fn.Arn, Protocol: lambda}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Role: !Sub '${Role.Arn}'}
  Role: {Type: AWS::IAM::Role}
  Topic: {Type: AWS::SNS::Topic, DependsOn: Role}
)");
  auto plan = MakePlan(t, {}, {}, kPseudo);
  REQUIRE(plan.has_value());
  CHECK(Order(*plan) == std::vector<std::string>{"Role", "Fn", "Topic", "Sub"});
}

TEST_CASE("A cycle is CloudFormation's circular dependency error, naming the resources in it") {
  const Template t = Parse(R"(Resources:
  A: {Type: X, Properties: {P: !Ref B}}
  B: {Type: X, Properties: {P: !GetAtt A.Arn}}
  C: {Type: X}
)");
  auto plan = MakePlan(t, {}, {}, kPseudo);
  REQUIRE_FALSE(plan.has_value());
  CHECK(plan.error().message == "Circular dependency between resources: [A, B]");
}

TEST_CASE("Parameters: given, previous, default; missing, unknown and disallowed are refused") {
  const Template t = Parse(R"(Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 3, MinValue: 1}
  Names: {Type: CommaDelimitedList, Default: 'a,b'}
Resources:
  A: {Type: X}
)");
  auto missing = MakePlan(t, {}, {}, kPseudo);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "Parameters: [Stage] must have values");

  auto plan = MakePlan(t, {{"Stage", "dev"}}, {}, kPseudo);
  REQUIRE(plan.has_value());
  CHECK(plan->values.at("Size") == "3");
  CHECK(plan->values.at("Names") == nlohmann::json::array({"a", "b"}));
  CHECK(plan->values.at("AWS::StackName") == "s");

  auto previous = MakePlan(t, {}, {{"Stage", "prod"}}, kPseudo);
  REQUIRE(previous.has_value());
  CHECK(previous->parameters.at("Stage") == "prod");

  auto disallowed = MakePlan(t, {{"Stage", "qa"}}, {}, kPseudo);
  REQUIRE_FALSE(disallowed.has_value());
  CHECK(disallowed.error().message == "Parameter 'Stage' must be one of AllowedValues");

  auto small = MakePlan(t, {{"Stage", "dev"}, {"Size", "0"}}, {}, kPseudo);
  REQUIRE_FALSE(small.has_value());
  CHECK(small.error().message.find("Parameter 'Size' must be a number not less than 1") == 0);

  auto unknown = MakePlan(t, {{"Stage", "dev"}, {"Nope", "1"}}, {}, kPseudo);
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message == "Parameters: [Nope] do not exist in the template");
}

TEST_CASE("AllowedPattern matches in linear time; a value over 4096 bytes is refused") {
  // std::regex backtracked without limit on (a+)+b (a hang holding every stack operation) and
  // recursed once per character (a long value overflowed the stack).
  const Template t = Parse(R"(Parameters:
  P: {Type: String, AllowedPattern: '(a+)+b'}
  Q: {Type: String, AllowedPattern: '[a-z]*'}
Resources:
  A: {Type: X}
)");
  auto hang = MakePlan(t, {{"P", std::string(40, 'a')}, {"Q", "ok"}}, {}, kPseudo);
  REQUIRE_FALSE(hang.has_value());
  CHECK(hang.error().message == "Parameter 'P' must match pattern (a+)+b");
  auto long_value = MakePlan(t, {{"P", "ab"}, {"Q", std::string(200000, 'a')}}, {}, kPseudo);
  REQUIRE_FALSE(long_value.has_value());
  CHECK(long_value.error().message == "Parameter 'Q' is longer than 4096 bytes");
  auto ok = MakePlan(t, {{"P", "aab"}, {"Q", std::string(4096, 'a')}}, {}, kPseudo);
  CHECK(ok.has_value());
  const Template bad = Parse(
      "Parameters:\n  P: {Type: String, AllowedPattern: '(?=a)'}\n"
      "Resources:\n  A: {Type: X}\n");
  auto refused = MakePlan(bad, {{"P", "a"}}, {}, kPseudo);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("is not a valid pattern") != std::string::npos);
}

TEST_CASE("A Parameter Store parameter is an error only where a resource reads it") {
  const Template unused = Parse(R"(Parameters:
  BootstrapVersion: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /cdk-bootstrap/version}
Resources:
  A: {Type: X}
)");
  auto plan = MakePlan(unused, {}, {}, kPseudo);
  REQUIRE(plan.has_value());
  CHECK(plan->from_parameter_store.contains("BootstrapVersion"));
  const Template used = Parse(R"(Parameters:
  Size: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /app/size}
Resources:
  A: {Type: X, Properties: {P: !Ref Size}}
)");
  auto refused = MakePlan(used, {}, {}, kPseudo);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message ==
        "A reads the parameter Size, whose value comes from SSM Parameter Store; offstage does "
        "not emulate it: pass --parameter Size=VALUE");
  auto given = MakePlan(used, {{"Size", "3"}}, {}, kPseudo);
  REQUIRE(given.has_value());
  CHECK(given->values.at("Size") == "3");
}

TEST_CASE("Conditions: a resource whose condition is false is left out, refs follow Fn::If") {
  const Template t = Parse(R"(Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Alarm: {Type: X, Condition: IsProd}
  Fn: {Type: X, Properties: {P: !If [IsProd, !Ref Alarm, !Ref 'AWS::NoValue']}}
)");
  auto plan = MakePlan(t, {}, {}, kPseudo);
  REQUIRE(plan.has_value());
  CHECK(plan->conditions.at("IsProd") == false);
  CHECK(plan->conditions.at("IsDev") == true);
  CHECK(Order(*plan) == std::vector<std::string>{"Fn"});
}

TEST_CASE("A reference to nothing is an unresolved dependency") {
  const Template t = Parse("Resources:\n  A: {Type: X, Properties: {P: !Ref Ghost}}\n");
  auto plan = MakePlan(t, {}, {}, kPseudo);
  REQUIRE_FALSE(plan.has_value());
  CHECK(plan.error().message ==
        "Template format error: Unresolved resource dependencies [Ghost] in the Resources block "
        "of the template");
}

TEST_CASE("The template's shape is checked: sections, Type, Resources") {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"Resources: {}\n",
            "Template format error: At least one Resources member must be defined."},
           {"Resource: {A: {Type: X}}\n",
            "Template format error: Invalid template property or properties [Resource]"},
           {"Resources: {A: {Properties: {}}}\n",
            "Template format error: [/Resources/A] Every Resources object must contain a Type "
            "member."},
           {"Resources: {A-b: {Type: X}}\n",
            "Template format error: Resource name A-b is non alphanumeric."}}) {
    auto doc = LoadTemplateText(text, "t.yaml");
    REQUIRE(doc.has_value());
    auto t = ParseTemplate(*doc);
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().message == message);
  }
}

}  // namespace offstage::iac
