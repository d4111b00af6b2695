// Unit tests for Serverless Framework projects: variables (serverless_variables.h) and the
// template the framework would generate (serverless.h).
#include "emulator/iac/serverless.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "emulator/iac/serverless_variables.h"
#include "emulator/iac/yaml_loader.h"

namespace offstage::iac {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json Resolve(const std::string& yaml, const VariableSources& sources) {
  auto doc = LoadTemplateText(yaml, "serverless.yml");
  REQUIRE(doc.has_value());
  auto resolved = ResolveServerlessVariables(*doc, sources);
  REQUIRE_MESSAGE(resolved.has_value(), (resolved ? "" : resolved.error().message));
  return *resolved;
}

}  // namespace

TEST_CASE("Variables: self, env, opt, sls, aws, fallbacks, nesting; CloudFormation's ${} kept") {
  VariableSources sources;
  sources.env = {{"GREETING", "hi"}};
  sources.options = {{"stage", "prod"}};
  sources.region = "eu-west-1";
  sources.account = "123456789012";
  const json r = Resolve(R"(service: orders
provider:
  stage: ${opt:stage, 'dev'}
custom:
  sizes: {dev: 128, prod: 1024}
  size: ${self:custom.sizes.${sls:stage}}
  name: ${self:service}-${sls:stage}
  greeting: ${env:GREETING, 'hello'}
  missing: ${env:NOPE, 'fallback'}
  chained: ${env:NOPE, self:custom.name}
  where: ${aws:region}/${aws:accountId}
  sub: !Sub '${AWS::Region}-${Topic.TopicName}'
  map: ${self:custom.sizes}
)",
                         sources);
  const json& c = r["custom"];
  CHECK(r["provider"]["stage"] == "prod");
  CHECK(c["size"] == 1024);
  CHECK(c["name"] == "orders-prod");
  CHECK(c["greeting"] == "hi");
  CHECK(c["missing"] == "fallback");
  CHECK(c["chained"] == "orders-prod");
  CHECK(c["where"] == "eu-west-1/123456789012");
  CHECK(c["sub"] == json{{"Fn::Sub", "${AWS::Region}-${Topic.TopicName}"}});
  CHECK(c["map"] == json{{"dev", 128}, {"prod", 1024}});
}

TEST_CASE("Variables: a missing value, an unsupported source and a loop are errors") {
  VariableSources sources;
  auto doc = LoadTemplateText("a: ${env:NOPE}\n", "s");
  auto missing = ResolveServerlessVariables(*doc, sources);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message ==
        "Cannot resolve variable at \"a\": Value not found at \"env\" source");
  auto ssm = ResolveServerlessVariables(*LoadTemplateText("a: ${ssm:/x}\n", "s"), sources);
  REQUIRE_FALSE(ssm.has_value());
  CHECK(ssm.error().message.find("offstage does not resolve the \"ssm\" variable source") !=
        std::string::npos);
  auto loop =
      ResolveServerlessVariables(*LoadTemplateText("a: ${self:b}\nb: ${self:a}\n", "s"), sources);
  REQUIRE_FALSE(loop.has_value());
  CHECK(loop.error().message.find("refers to itself") != std::string::npos);
}

TEST_CASE("Variables that double at each step stop at a bound instead of growing 2^40") {
  std::string text = "custom:\n";
  for (int i = 0; i < 40; ++i) {
    text += "  v" + std::to_string(i) + ": ${self:custom.v" + std::to_string(i + 1) +
            "}${self:custom.v" + std::to_string(i + 1) + "}\n";
  }
  text += "  v40: ab\n";
  auto refused = ResolveServerlessVariables(*LoadTemplateText(text, "s"), VariableSources{});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("grows past 1048576 bytes") != std::string::npos);
}

TEST_CASE("--stage (--parameter stage=...) names the stack and functions over provider.stage") {
  auto config = LoadTemplateText(R"(service: shop
provider: {name: aws, runtime: nodejs20.x, stage: dev}
functions: {w: {handler: a.b}}
)",
                                 "s");
  REQUIRE(config.has_value());
  auto prod = TranslateServerless(*config, "prod");
  REQUIRE(prod.has_value());
  CHECK(prod->stack_name == "shop-prod");
  CHECK(prod->document["Resources"]["WLambdaFunction"]["Properties"]["FunctionName"] ==
        "shop-prod-w");
  auto dev = TranslateServerless(*config);
  REQUIRE(dev.has_value());
  CHECK(dev->stack_name == "shop-dev");
}

TEST_CASE("serverless.yml becomes the framework's template: names, logical ids, sns events") {
  std::string pattern = (fs::temp_directory_path() / "offstage-sls-test-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path dir = pattern;
  std::ofstream(dir / "serverless.yml") << R"(service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment: {A: '1'}
functions:
  order-worker:
    handler: src/w.handler
    environment: {B: '2'}
    events:
      - sns:
          topicName: orders
          filterPolicy: {kind: [order]}
      - sqs: arn:aws:sqs:us-east-1:000000000000:jobs
      - http: {path: /, method: get}
  audit:
    handler: a.handler
    runtime: python3.11
    events:
      - sns: orders
resources:
  Resources:
    Extra: {Type: AWS::SNS::Topic}
)";
  VariableSources sources;
  auto stack = ReadServerless(dir.string(), sources);
  REQUIRE_MESSAGE(stack.has_value(), (stack ? "" : stack.error().message));
  CHECK(stack->stack_name == "shop-dev");
  const json& r = stack->document["Resources"];
  const json& fn = r["OrderDashworkerLambdaFunction"];
  CHECK(fn["Type"] == "AWS::Lambda::Function");
  CHECK(fn["Properties"]["FunctionName"] == "shop-dev-order-worker");
  CHECK(fn["Properties"]["Code"] == ".");
  CHECK(fn["Properties"]["MemorySize"] == 1024);
  CHECK(fn["Properties"]["Timeout"] == 6);
  CHECK(fn["Properties"]["Environment"]["Variables"] == json{{"A", "1"}, {"B", "2"}});
  CHECK(fn["DependsOn"] == json::array({"OrderDashworkerLogGroup"}));
  CHECK(r["SNSTopicOrders"]["Properties"]["TopicName"] == "orders");
  CHECK(r["OrderDashworkerSnsSubscriptionOrders"]["Properties"]["FilterPolicy"] ==
        json{{"kind", {"order"}}});
  CHECK(r["AuditSnsSubscriptionOrders"]["Properties"]["TopicArn"] ==
        json{{"Ref", "SNSTopicOrders"}});
  CHECK(r["OrderDashworkerLambdaPermissionOrdersSNS"]["Type"] == "AWS::Lambda::Permission");
  CHECK(r["OrderDashworkerEventSourceMappingSQSJobs"]["Type"] == "AWS::Lambda::EventSourceMapping");
  CHECK(r["AuditLambdaFunction"]["Properties"]["Runtime"] == "python3.11");
  CHECK(r.contains("Extra"));
  REQUIRE(stack->notes.size() == 1);
  CHECK(stack->notes[0].find("the http event is not emulated") != std::string::npos);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace offstage::iac
