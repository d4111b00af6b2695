// Unit tests for the intrinsic functions (intrinsics.h).
#include "emulator/iac/intrinsics.h"

#include <doctest/doctest.h>

namespace offstage::iac {
namespace {

using nlohmann::json;

struct Fixture {
  Fixture() {
    ctx.parameters = {{"Stage", "dev"},
                      {"Subnets", json::array({"a", "b"})},
                      {"AWS::Region", "eu-west-1"},
                      {"AWS::StackName", "s"}};
    ctx.mappings = {{"Sizes", {{"dev", {{"Memory", 128}}}}}};
    ctx.conditions = {{"IsProd", false}};
    ctx.region = "eu-west-1";
    topic.ref = "arn:aws:sns:eu-west-1:1:t";
    topic.attributes = {{"TopicName", "t"}};
    ctx.resource = [this](const std::string& id) -> const ResourceValues* {
      return id == "Topic" ? &topic : nullptr;
    };
    ctx.import_value = [](const std::string& name) -> std::optional<std::string> {
      if (name == "shared-arn") return "arn:shared";
      return std::nullopt;
    };
  }
  json Eval(const json& v) {
    auto r = Evaluate(v, ctx, "X");
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->has_value());
    return **r;
  }
  std::string Error(const json& v) {
    auto r = Evaluate(v, ctx, "X");
    REQUIRE_FALSE(r.has_value());
    return r.error().message;
  }
  EvalContext ctx;
  ResourceValues topic;
};

}  // namespace

TEST_CASE("Ref, Fn::GetAtt and Fn::Sub read parameters, pseudo parameters and resources") {
  Fixture f;
  CHECK(f.Eval({{"Ref", "Stage"}}) == "dev");
  CHECK(f.Eval({{"Ref", "Topic"}}) == "arn:aws:sns:eu-west-1:1:t");
  CHECK(f.Eval({{"Fn::GetAtt", {"Topic", "TopicName"}}}) == "t");
  CHECK(f.Eval({{"Fn::GetAtt", "Topic.TopicName"}}) == "t");
  CHECK(f.Eval({{"Fn::Sub", "${AWS::StackName}-${Stage}-${Topic.TopicName}-${!Literal}"}}) ==
        "s-dev-t-${Literal}");
  CHECK(f.Eval({{"Fn::Sub", json::array({"${A}-${Stage}", {{"A", {{"Ref", "Topic"}}}}})}}) ==
        "arn:aws:sns:eu-west-1:1:t-dev");
}

TEST_CASE("List functions: Join, Select, Split, GetAZs, Length; FindInMap; Base64; ImportValue") {
  Fixture f;
  CHECK(f.Eval({{"Fn::Join", {"-", {"a", {{"Ref", "Stage"}}, 3}}}}) == "a-dev-3");
  CHECK(f.Eval({{"Fn::Join", {",", {{"Ref", "Subnets"}}}}}) == "a,b");
  CHECK(f.Eval({{"Fn::Select", {"1", {{"Ref", "Subnets"}}}}}) == "b");
  CHECK(f.Eval({{"Fn::Split", {",", "x,y,,z"}}}) == json::array({"x", "y", "", "z"}));
  CHECK(f.Eval({{"Fn::GetAZs", ""}}) == json::array({"eu-west-1a", "eu-west-1b", "eu-west-1c"}));
  CHECK(f.Eval({{"Fn::Length", {1, 2, 3}}}) == 3);
  CHECK(f.Eval({{"Fn::FindInMap", {"Sizes", {{"Ref", "Stage"}}, "Memory"}}}) == 128);
  CHECK(f.Eval({{"Fn::Base64", "hi"}}) == "aGk=");
  CHECK(f.Eval({{"Fn::ImportValue", "shared-arn"}}) == "arn:shared");
  CHECK(f.Eval({{"Fn::ToJsonString", {{"a", {{"Ref", "Stage"}}}}}}) == R"({"a":"dev"})");
}

TEST_CASE("Fn::If takes its condition's branch, and AWS::NoValue removes the property") {
  Fixture f;
  const json props = {{"A", {{"Fn::If", {"IsProd", "big", "small"}}}},
                      {"B", {{"Fn::If", {"IsProd", 1, {{"Ref", "AWS::NoValue"}}}}}},
                      {"L", {1, {{"Ref", "AWS::NoValue"}}, 2}}};
  CHECK(f.Eval(props) == json{{"A", "small"}, {"L", {1, 2}}});
  auto cond = EvaluateCondition({{"Fn::Or",
                                  {{{"Fn::Equals", {{{"Ref", "Stage"}}, "prod"}}},
                                   {{"Fn::Not", {{{"Condition", "IsProd"}}}}}}}},
                                f.ctx, "C");
  REQUIRE(cond.has_value());
  CHECK(*cond);
}

TEST_CASE("Errors use CloudFormation's wording") {
  Fixture f;
  CHECK(f.Error({{"Ref", "Nope"}}) ==
        "X: Template format error: Unresolved resource dependencies [Nope] in the Resources "
        "block of the template");
  CHECK(f.Error({{"Fn::GetAtt", {"Nope", "Arn"}}}) ==
        "X: Template error: instance of Fn::GetAtt references undefined resource Nope");
  CHECK(f.Error({{"Fn::GetAtt", {"Topic", "Nope"}}}) ==
        "X: Template error: resource Topic does not support attribute type Nope in Fn::GetAtt");
  CHECK(f.Error({{"Fn::ImportValue", "missing"}}) == "X: No export named missing found");
  CHECK(f.Error({{"Fn::Select", {"5", {"a"}}}}) ==
        "X: Template error: Fn::Select cannot select nonexistent value at index 5");
  CHECK(f.Error({{"Fn::Nope", 1}}).find("Unrecognized intrinsic function Fn::Nope") !=
        std::string::npos);
}

TEST_CASE("References: Ref, GetAtt and Sub names, only along the Fn::If branch taken") {
  std::set<std::string> refs;
  CollectReferences({{"a", {{"Ref", "A"}}},
                     {"b", {{"Fn::GetAtt", {"B", "Arn"}}}},
                     {"c", {{"Fn::Sub", "${C}-${D.Arn}-${AWS::Region}-${!E}"}}},
                     {"d", {{"Fn::If", {"IsProd", {{"Ref", "F"}}, {{"Ref", "G"}}}}}},
                     {"e", {{"Ref", "AWS::NoValue"}}}},
                    {{"IsProd", false}}, refs);
  CHECK(refs == std::set<std::string>{"A", "B", "C", "D", "G"});
}

}  // namespace offstage::iac
