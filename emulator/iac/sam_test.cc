// Unit tests for the SAM transform (sam.h).
#include "emulator/iac/sam.h"

#include <doctest/doctest.h>

#include "emulator/iac/yaml_loader.h"

namespace offstage::iac {
namespace {

using nlohmann::json;

json Transform(const std::string& text, std::vector<std::string>* notes = nullptr) {
  std::vector<std::string> ignored;
  auto doc = LoadTemplateText(text, "t.yaml");
  REQUIRE(doc.has_value());
  auto out = ApplyTransforms(*doc, notes ? notes : &ignored);
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  return *out;
}

}  // namespace

TEST_CASE(
    "A function with an SNS event: the function, its role, the subscription, the permission") {
  const json t = Transform(R"(Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Environment: {Variables: {A: '1'}}
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: index.handler
      Environment: {Variables: {B: '2'}}
      Events:
        Jobs:
          Type: SNS
          Properties: {Topic: !Ref Topic, FilterPolicy: {kind: [order]}}
)");
  CHECK_FALSE(t.contains("Transform"));
  CHECK_FALSE(t.contains("Globals"));
  const json& r = t["Resources"];
  const json& fn = r["Worker"];
  CHECK(fn["Type"] == "AWS::Lambda::Function");
  CHECK(fn["Properties"]["Code"] == "src/");
  CHECK(fn["Properties"]["Runtime"] == "nodejs20.x");
  CHECK(fn["Properties"]["Environment"]["Variables"] == json{{"A", "1"}, {"B", "2"}});
  CHECK(fn["Properties"]["Role"] == json{{"Fn::GetAtt", {"WorkerRole", "Arn"}}});
  CHECK(r["WorkerRole"]["Type"] == "AWS::IAM::Role");
  CHECK(r["WorkerJobs"]["Type"] == "AWS::SNS::Subscription");
  CHECK(r["WorkerJobs"]["Properties"]["Protocol"] == "lambda");
  CHECK(r["WorkerJobs"]["Properties"]["Endpoint"] == json{{"Fn::GetAtt", {"Worker", "Arn"}}});
  CHECK(r["WorkerJobs"]["Properties"]["FilterPolicy"] == json{{"kind", {"order"}}});
  CHECK(r["WorkerJobsPermission"]["Properties"]["Principal"] == "sns.amazonaws.com");
}

TEST_CASE("AutoPublishAlias: a version and an alias, and events invoke the alias") {
  const json t = Transform(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: i.h
      Runtime: python3.12
      AutoPublishAlias: live
      Events: {E: {Type: SNS, Properties: {Topic: !Ref Topic}}}
  Out: {Type: X, Properties: {A: !Ref Fn.Alias}}
)");
  const json& r = t["Resources"];
  std::string version_id;
  for (const auto& [id, spec] : r.items()) {
    if (spec["Type"] == "AWS::Lambda::Version") version_id = id;
  }
  REQUIRE(version_id.starts_with("FnVersion"));
  CHECK(r[version_id]["DeletionPolicy"] == "Retain");
  CHECK(r["FnAliaslive"]["Properties"]["FunctionVersion"] ==
        json{{"Fn::GetAtt", {version_id, "Version"}}});
  CHECK(r["FnE"]["Properties"]["Endpoint"] == json{{"Ref", "FnAliaslive"}});
  CHECK(r["Out"]["Properties"]["A"] == json{{"Ref", "FnAliaslive"}});
}

TEST_CASE("What SAM does that offstage does not is said, and SQS events become mappings") {
  std::vector<std::string> notes;
  const json t = Transform(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: 'exports.handler = async () => 1'
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Http: {Type: Api, Properties: {Path: /, Method: get}}
        Queue: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:0:q, BatchSize: 5}}
)",
                           &notes);
  CHECK(t["Resources"]["Fn"]["Properties"]["Code"] ==
        json{{"ZipFile", "exports.handler = async () => 1"}});
  CHECK(t["Resources"]["FnQueue"]["Type"] == "AWS::Lambda::EventSourceMapping");
  // SAM's implicit API, which `sam init`'s outputs name (${ServerlessRestApi}): present, so the
  // template deploys (the deployer reports it as not emulated).
  CHECK(t["Resources"]["ServerlessRestApi"]["Type"] == "AWS::ApiGateway::RestApi");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("event Http of type Api is not emulated") != std::string::npos);
}

TEST_CASE("A resource, its properties or an event of the wrong type is an error, not a crash") {
  // The template fuzzer's find: `spec.value()` on a resource that is not a map threw out of
  // the transform (the end of `serve --template`).
  std::vector<std::string> notes;
  auto scalar = ApplyTransforms(
      *LoadTemplateText("Transform: AWS::Serverless-2016-10-31\nResources:\n  A: x\n", "t"),
      &notes);
  REQUIRE(scalar.has_value());  // passed on: the template's shape check names it
  CHECK(scalar->at("Resources").at("A") == "x");
  for (const char* text :
       {"Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: "
        "AWS::Serverless::Function, Properties: [1]}\n",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: "
        "AWS::Serverless::Function, Properties: {CodeUri: ., Events: {E: 3}}}\n",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: "
        "AWS::Serverless::Function, Properties: {CodeUri: ., AutoPublishAlias: live, "
        "AutoPublishAliasAllProperties: [x]}}\n",
        "Transform: AWS::Serverless-2016-10-31\nGlobals: [1]\nResources: {A: {Type: X}}\n"}) {
    auto refused = ApplyTransforms(*LoadTemplateText(text, "t"), &notes);
    CHECK_FALSE(refused.has_value());
  }
}

TEST_CASE("A transform offstage does not run, or a function without code, is refused") {
  auto doc = LoadTemplateText("Transform: AWS::Include\nResources: {A: {Type: X}}\n", "t");
  std::vector<std::string> notes;
  auto refused = ApplyTransforms(*doc, &notes);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("the transform AWS::Include is not run by offstage") !=
        std::string::npos);
  auto nocode = LoadTemplateText(
      "Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: AWS::Serverless::Function, "
      "Properties: {Handler: a.b, Runtime: nodejs20.x}}\n",
      "t");
  auto failed = ApplyTransforms(*nocode, &notes);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message.find("Resource with id [F] is invalid. Either 'InlineCode' or "
                                    "'CodeUri' must be set.") != std::string::npos);
}

}  // namespace offstage::iac
