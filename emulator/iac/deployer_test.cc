// Unit tests for the deployer (deployer.h) over a fake AwsApi that records each call: create,
// update in place, replacement, deletion of what left the template, rollback of a failed
// deploy, stacks kept in SQLite, exports and imports across stacks.
#include "emulator/iac/deployer.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "emulator/common/api_error.h"
#include "emulator/common/testing/fakes.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::iac {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Answers SNS and Lambda calls as the services would (ARNs from the names), refusing a
// function whose name contains "bad"; records every call as "Action name" lines.
class FakeApi final : public AwsApi {
 public:
  common::Result<std::string> Sns(const FormParams& params) override {
    std::map<std::string, std::string> p(params.begin(), params.end());
    const std::string action = p["Action"];
    if (action == "GetTopicAttributes") {
      if (topics.contains(p["TopicArn"])) return "<Attributes/>";
      return common::Fail(common::ErrorCode::kValidationError, "NotFound: Topic does not exist");
    }
    if (action == "CreateTopic") {
      calls.push_back("CreateTopic " + p["Name"]);
      topics.insert("arn:aws:sns:us-east-1:000000000000:" + p["Name"]);
      return "<TopicArn>arn:aws:sns:us-east-1:000000000000:" + p["Name"] + "</TopicArn>";
    }
    if (action == "Subscribe") {
      calls.push_back("Subscribe " + p["TopicArn"] + " " + p["Endpoint"]);
      return "<SubscriptionArn>" + p["TopicArn"] + ":sub" + std::to_string(++subs) +
             "</SubscriptionArn>";
    }
    if (action == "SetSubscriptionAttributes") {
      calls.push_back("SetSubscriptionAttributes " + p["AttributeName"] + "=" +
                      p["AttributeValue"]);
      return "<ok/>";
    }
    if (action == "DeleteTopic") {
      calls.push_back("DeleteTopic " + p["TopicArn"]);
      topics.erase(p["TopicArn"]);
    }
    if (action == "Unsubscribe") calls.push_back("Unsubscribe " + p["SubscriptionArn"]);
    return "<ok/>";
  }
  common::Result<json> Sqs(std::string_view action, const json&) override {
    calls.push_back("SQS " + std::string(action));
    return json::object();
  }
  common::Result<json> Lambda(std::string_view method, const std::string& path,
                              const json& body) override {
    const std::string name = body.is_object() ? body.value("FunctionName", "") : "";
    calls.push_back(std::string(method) + " " + path + (name.empty() ? "" : " " + name));
    if (method == "DELETE" && fail_deletes) {
      return common::Fail(common::ErrorCode::kValidationError, "ServiceException: disk full");
    }
    if (name.find("bad") != std::string::npos) {
      return common::Fail(common::ErrorCode::kValidationError,
                          "InvalidParameterValueException: the runtime is not supported");
    }
    return json::object();
  }
  std::vector<std::string> calls;
  std::set<std::string> topics;  // ARNs of the topics that exist
  bool fail_deletes = false;
  int subs = 0;
};

struct Fixture {
  Fixture() : db(clock) {
    // Unique per process: ctest runs each test case as its own process, two at a time.
    std::string pattern = (fs::temp_directory_path() / "offstage-deployer-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    fs::create_directories(dir / "src");
    Reopen();
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void Reopen() {
    deployer =
        std::make_unique<Deployer>(api, *db.writer, ids, clock, log,
                                   Deployer::Options{"us-east-1", "000000000000", dir / "code"});
    REQUIRE(deployer->Load().has_value());
  }
  common::Result<DeployOutcome> Deploy(const std::string& text, const std::string& stack = "app",
                                       std::map<std::string, std::string> parameters = {}) {
    std::ofstream(dir / "template.yaml") << text;
    api.calls.clear();
    return deployer->Deploy(
        DeployRequest{stack, (dir / "template.yaml").string(), parameters, std::nullopt});
  }
  bool Called(const std::string& prefix) const {
    for (const auto& call : api.calls) {
      if (call.starts_with(prefix)) return true;
    }
    return false;
  }

  common::testing::FakeClock clock;
  common::testing::SequentialIds ids;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  storage::testing::TestDatabase db;
  FakeApi api;
  fs::path dir;
  std::unique_ptr<Deployer> deployer;
};

const char* kTwoWorkers = R"(Resources:
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: jobs}}
  Role: {Type: AWS::IAM::Role}
  A:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: a, Runtime: nodejs20.x, Handler: i.h, Code: src, Role: !GetAtt Role.Arn}
  B:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: b, Runtime: nodejs20.x, Handler: i.h, Code: src, Role: !GetAtt Role.Arn}
  SubA:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: lambda, Endpoint: !GetAtt A.Arn, FilterPolicy: {kind: [order]}}
  SubB:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: lambda, Endpoint: !GetAtt B.Arn}
Outputs:
  Arn: {Value: !Ref Topic, Export: {Name: jobs-arn}}
)";

}  // namespace

TEST_CASE(
    "A deploy creates in dependency order; a redeploy changes in place and deletes what left") {
  Fixture f;
  auto first = f.Deploy(kTwoWorkers);
  REQUIRE_MESSAGE(first.has_value(), (first ? "" : first.error().message));
  // Each subscription after its topic and its function.
  auto at = [&](const std::string& prefix) {
    return std::find_if(f.api.calls.begin(), f.api.calls.end(),
                        [&](const auto& c) { return c.starts_with(prefix); }) -
           f.api.calls.begin();
  };
  CHECK(at("CreateTopic jobs") < at("Subscribe"));
  CHECK(at("POST /2015-03-31/functions a") < at("Subscribe"));
  CHECK(at("POST /2015-03-31/functions b") < at("Subscribe"));
  CHECK(f.Called("POST /2015-03-31/functions a"));
  CHECK(
      f.Called("Subscribe arn:aws:sns:us-east-1:000000000000:jobs "
               "arn:aws:lambda:us-east-1:000000000000:function:a"));
  CHECK(first->stacks.at(0)["status"] == "CREATE_COMPLETE");
  CHECK(first->stacks.at(0)["outputs"][0]["value"] == "arn:aws:sns:us-east-1:000000000000:jobs");

  // Unchanged: nothing is called.
  auto same = f.Deploy(kTwoWorkers);
  REQUIRE(same.has_value());
  CHECK(f.api.calls.empty());
  CHECK(same->stacks.at(0)["status"] == "UPDATE_COMPLETE");

  // The filter policy changes in place; B and its subscription go.
  std::string next = kTwoWorkers;
  next.replace(next.find("kind: [order]"), 13, "kind: [refund]");
  next.erase(next.find("  B:\n"), next.find("  SubA:\n") - next.find("  B:\n"));
  next.erase(next.find("  SubB:\n"), next.find("Outputs:") - next.find("  SubB:\n"));
  auto second = f.Deploy(next);
  REQUIRE_MESSAGE(second.has_value(), (second ? "" : second.error().message));
  CHECK(f.Called(R"(SetSubscriptionAttributes FilterPolicy={"kind":["refund"]})"));
  CHECK_FALSE(f.Called("Subscribe"));
  CHECK(f.Called("Unsubscribe arn:aws:sns:us-east-1:000000000000:jobs:sub2"));
  CHECK(f.Called("DELETE /2015-03-31/functions/b"));
  CHECK_FALSE(f.Called("DELETE /2015-03-31/functions/a"));
  // Deleted in reverse dependency order: the subscription before its function.
  auto unsub = std::find_if(f.api.calls.begin(), f.api.calls.end(),
                            [](const auto& c) { return c.starts_with("Unsubscribe"); });
  auto del = std::find_if(f.api.calls.begin(), f.api.calls.end(), [](const auto& c) {
    return c.starts_with("DELETE /2015-03-31/functions/b");
  });
  CHECK(unsub < del);
}

TEST_CASE("A failed deploy rolls back what it made and leaves the stack as it was") {
  Fixture f;
  auto failed = f.Deploy(R"(Resources:
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: t}}
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: Topic
    Properties: {FunctionName: bad, Runtime: nodejs20.x, Handler: i.h, Code: src, Role: r}
)");
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message ==
        "Fn (AWS::Lambda::Function): CREATE_FAILED: InvalidParameterValueException: the runtime "
        "is not supported. The stack was rolled back (nothing was created)");
  CHECK(f.Called("DeleteTopic arn:aws:sns:us-east-1:000000000000:t"));
  CHECK_FALSE(f.deployer->Get("app").has_value());
}

TEST_CASE("A renamed topic is replaced: the new one made first, the old one deleted after") {
  Fixture f;
  REQUIRE(f.Deploy("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: one}}\n"));
  auto renamed =
      f.Deploy("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: two}}\n");
  REQUIRE(renamed.has_value());
  REQUIRE(f.api.calls.size() == 2);
  CHECK(f.api.calls[0] == "CreateTopic two");
  CHECK(f.api.calls[1] == "DeleteTopic arn:aws:sns:us-east-1:000000000000:one");
}

TEST_CASE("Validation comes before any change: unknown properties, bad Fn::GetAtt") {
  Fixture f;
  auto unknown = f.Deploy("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {Name: x}}\n");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message == "T (AWS::SNS::Topic): Encountered unsupported property Name");
  auto attribute = f.Deploy(R"(Resources:
  T: {Type: AWS::SNS::Topic}
  U: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt T.Arn}}
)");
  REQUIRE_FALSE(attribute.has_value());
  CHECK(attribute.error().message ==
        "Template error: resource T does not support attribute type Arn in Fn::GetAtt");
  auto skipped = f.Deploy(R"(Resources:
  D: {Type: AWS::DynamoDB::Table}
  U: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt D.Arn}}
)");
  REQUIRE_FALSE(skipped.has_value());
  CHECK(skipped.error().message.find("(offstage does not emulate AWS::DynamoDB::Table, so it has "
                                     "no attributes)") != std::string::npos);
  CHECK(f.api.calls.empty());
}

TEST_CASE("A type offstage does not know is reported and skipped; the rest deploys") {
  Fixture f;
  auto deployed = f.Deploy(R"(Resources:
  Table: {Type: AWS::DynamoDB::Table, Properties: {TableName: t}}
  T: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref Table}}
)");
  REQUIRE(deployed.has_value());
  CHECK(std::find(deployed->events.begin(), deployed->events.end(),
                  "SKIPPED  Table  AWS::DynamoDB::Table  not emulated by offstage") !=
        deployed->events.end());
  CHECK(f.Called("CreateTopic app-T-"));
}

TEST_CASE("A GetAtt of a resource whose condition is false, under the same condition, deploys") {
  Fixture f;
  auto deployed = f.Deploy(R"(Parameters:
  WithTopic: {Type: String, Default: 'no'}
Conditions:
  HasTopic: !Equals [!Ref WithTopic, 'yes']
Resources:
  Topic: {Type: AWS::SNS::Topic, Condition: HasTopic}
  Other:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: !If [HasTopic, !GetAtt Topic.TopicName, !Ref 'AWS::NoValue']}
Outputs:
  TopicName: {Condition: HasTopic, Value: !GetAtt Topic.TopicName}
)");
  REQUIRE_MESSAGE(deployed.has_value(), (deployed ? "" : deployed.error().message));
  CHECK(deployed->stacks.at(0)["outputs"].empty());
}

TEST_CASE("A rollback whose own steps fail says ROLLBACK_FAILED, not rolled back") {
  Fixture f;
  f.api.fail_deletes = true;  // the undo of the function created first cannot delete it
  auto failed = f.Deploy(R"(Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: good, Runtime: nodejs20.x, Handler: i.h, Code: src, Role: r}
  Bad:
    Type: AWS::Lambda::Function
    DependsOn: Fn
    Properties: {FunctionName: bad, Runtime: nodejs20.x, Handler: i.h, Code: src, Role: r}
)");
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().message.find("ROLLBACK_FAILED: undoing this deploy failed too (Fn: "
                                    "ServiceException: disk full)") != std::string::npos);
  CHECK(failed.error().message.find("rolled back") == std::string::npos);
}

TEST_CASE("A named topic that already exists is refused, not taken over") {
  Fixture f;
  f.api.topics.insert("arn:aws:sns:us-east-1:000000000000:taken");
  auto refused =
      f.Deploy("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: taken}}\n");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("Resource of type 'AWS::SNS::Topic' with identifier 'taken' "
                                     "already exists.") != std::string::npos);
  CHECK_FALSE(f.Called("CreateTopic"));
}

TEST_CASE("A logical id whose type became one offstage does not emulate deletes the old one") {
  Fixture f;
  REQUIRE(f.Deploy("Resources:\n  Q: {Type: AWS::SNS::Topic, Properties: {TopicName: q}}\n"));
  auto changed = f.Deploy("Resources:\n  Q: {Type: AWS::DynamoDB::Table}\n");
  REQUIRE(changed.has_value());
  CHECK(f.Called("DeleteTopic arn:aws:sns:us-east-1:000000000000:q"));
}

TEST_CASE("A rebuilt .zip at the same path is new code: the function's code is updated") {
  Fixture f;
  auto write_zip = [&](const std::string& bytes) {
    std::ofstream(f.dir / "fn.zip", std::ios::binary | std::ios::trunc) << bytes;
  };
  const std::string text = R"(Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: zipped, Runtime: nodejs20.x, Handler: i.h, Code: fn.zip, Role: r}
)";
  write_zip("PK first build");
  REQUIRE(f.Deploy(text));
  auto same = f.Deploy(text);
  REQUIRE(same.has_value());
  CHECK(f.api.calls.empty());
  write_zip("PK second build");
  auto rebuilt = f.Deploy(text);
  REQUIRE(rebuilt.has_value());
  CHECK(f.Called("PUT /2015-03-31/functions/zipped/code"));
  // The stack keeps the archive's digest, not its bytes.
  CHECK(rebuilt->stacks.at(0)["resources"][0]["state"]["code"].contains("ZipFileSha256"));
}

TEST_CASE("Stacks are kept in SQLite; exports are unique and an imported one cannot go") {
  Fixture f;
  REQUIRE(f.Deploy(kTwoWorkers, "producer"));
  f.Reopen();
  REQUIRE(f.deployer->Get("producer").has_value());
  auto consumer = f.Deploy(R"(Resources:
  T: {Type: AWS::SNS::Topic, Properties: {DisplayName: !ImportValue jobs-arn}}
)",
                           "consumer");
  REQUIRE(consumer.has_value());
  auto refused = f.deployer->Destroy("producer");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "Export jobs-arn cannot be deleted as it is in use by consumer");
  auto twice = f.Deploy(R"(Resources:
  T: {Type: AWS::SNS::Topic}
Outputs:
  Same: {Value: !Ref T, Export: {Name: jobs-arn}}
)",
                        "other");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().message.find("Export with name jobs-arn is already exported") == 0);
  REQUIRE(f.deployer->Destroy("consumer").has_value());
  REQUIRE(f.deployer->Destroy("producer").has_value());
  f.Reopen();
  CHECK(f.deployer->List().empty());
}

}  // namespace offstage::iac
