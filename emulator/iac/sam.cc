// The SAM transform (sam.h).
#include "emulator/iac/sam.h"

#include <set>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::iac {
namespace {

using nlohmann::json;

struct TransformError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& id, const std::string& message) {
  throw TransformError{
      "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless "
      "Application Specification document. Number of errors found: 1. "
      "Resource with id [" +
      id + "] is invalid. " + message};
}

bool IsIntrinsic(const json& v) {
  if (!v.is_object() || v.size() != 1) return false;
  const std::string& key = v.begin().key();
  return key == "Ref" || key.starts_with("Fn::");
}

// Globals: the resource's own value wins; maps merge; lists add up (the globals' first).
json Merge(const json& global, const json& local) {
  if (global.is_object() && local.is_object() && !IsIntrinsic(global) && !IsIntrinsic(local)) {
    json out = global;
    for (const auto& [k, v] : local.items()) out[k] = out.contains(k) ? Merge(out[k], v) : v;
    return out;
  }
  if (global.is_array() && local.is_array()) {
    json out = global;
    for (const auto& v : local) out.push_back(v);
    return out;
  }
  return local;
}

json Code(const std::string& id, const json& props) {
  if (auto it = props.find("InlineCode"); it != props.end()) return json{{"ZipFile", *it}};
  if (auto it = props.find("ImageUri"); it != props.end()) return json{{"ImageUri", *it}};
  auto it = props.find("CodeUri");
  if (it == props.end()) Fail(id, "Either 'InlineCode' or 'CodeUri' must be set.");
  if (it->is_object() && !IsIntrinsic(*it)) {
    json code = json::object();
    if (it->contains("Bucket")) code["S3Bucket"] = (*it)["Bucket"];
    if (it->contains("Key")) code["S3Key"] = (*it)["Key"];
    if (it->contains("Version")) code["S3ObjectVersion"] = (*it)["Version"];
    return code;
  }
  if (it->is_string()) {
    const std::string uri = it->get<std::string>();
    if (uri.starts_with("s3://")) {
      const size_t slash = uri.find('/', 5);
      return json{{"S3Bucket", uri.substr(5, slash - 5)},
                  {"S3Key", slash == std::string::npos ? "" : uri.substr(slash + 1)}};
    }
  }
  return *it;  // a local path (resolved against the template's directory when deployed)
}

class SamTransform {
 public:
  SamTransform(json document, std::vector<std::string>* notes)
      : doc_(std::move(document)), notes_(notes) {}

  json Run() {
    json globals = doc_.value("Globals", json::object());
    if (!globals.is_object()) Fail("Globals", "'Globals' must be a map.");
    doc_.erase("Globals");
    const json function_globals = globals.value("Function", json::object());
    if (!function_globals.is_object()) Fail("Globals", "'Globals.Function' must be a map.");
    for (const auto& [section, value] : globals.items()) {
      if (section != "Function" && section != "LayerVersion") {
        Note("Globals." + section + " applies to resources offstage does not emulate; ignored");
      }
    }
    json resources = doc_.value("Resources", json::object());
    out_ = json::object();
    if (!resources.is_object()) return doc_;  // the template's shape check says what is wrong
    for (const auto& [id, spec] : resources.items()) {
      if (!spec.is_object() || !spec.contains("Type") || !spec["Type"].is_string()) {
        out_[id] = spec;  // likewise
        continue;
      }
      const std::string type = spec["Type"];
      const json properties = spec.value("Properties", json::object());
      if ((type == "AWS::Serverless::Function" || type == "AWS::Serverless::LayerVersion") &&
          !properties.is_object()) {
        Fail(id, "'Properties' must be a map.");
      }
      if (type == "AWS::Serverless::Function") {
        json merged = spec;
        merged["Properties"] = Merge(function_globals, spec.value("Properties", json::object()));
        Function(id, merged);
      } else if (type == "AWS::Serverless::LayerVersion") {
        Layer(id, spec);
      } else {
        out_[id] = spec;
      }
    }
    for (const auto& [implicit_id, implicit_type] : implicit_) {
      if (!out_.contains(implicit_id)) out_[implicit_id] = {{"Type", implicit_type}};
    }
    doc_["Resources"] = out_;
    RewriteRefs(doc_);
    return doc_;
  }

 private:
  void Note(const std::string& text) { notes_->push_back("NOTE  " + text); }

  void Add(const std::string& id, json spec) {
    if (out_.contains(id)) Fail(id, "a generated logical id is already used in the template");
    out_[id] = std::move(spec);
  }

  void Function(const std::string& id, const json& spec) {
    const json props = spec.value("Properties", json::object());
    json fn = json::object();
    static const char* kCopied[] = {"FunctionName",
                                    "Handler",
                                    "Runtime",
                                    "Timeout",
                                    "MemorySize",
                                    "Description",
                                    "Layers",
                                    "Architectures",
                                    "Environment",
                                    "ReservedConcurrentExecutions",
                                    "EphemeralStorage",
                                    "LoggingConfig",
                                    "VpcConfig",
                                    "KmsKeyArn",
                                    "PackageType",
                                    "ImageConfig",
                                    "FileSystemConfigs",
                                    "RuntimeManagementConfig",
                                    "SnapStart",
                                    "RecursiveLoop"};
    for (const char* key : kCopied) {
      if (props.contains(key)) fn[key] = props[key];
    }
    fn["Code"] = Code(id, props);
    if (props.contains("Role")) {
      fn["Role"] = props["Role"];
    } else {
      Add(id + "Role",
          {{"Type", "AWS::IAM::Role"},
           {"Properties",
            {{"AssumeRolePolicyDocument",
              {{"Version", "2012-10-17"},
               {"Statement",
                json::array(
                    {{{"Action", json::array({"sts:AssumeRole"})},
                      {"Effect", "Allow"},
                      {"Principal", {{"Service", json::array({"lambda.amazonaws.com"})}}}}})}}},
             {"ManagedPolicyArns",
              json::array(
                  {"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"})}}}});
      fn["Role"] = json{{"Fn::GetAtt", json::array({id + "Role", "Arn"})}};
    }
    json tags = json::array();
    if (auto t = props.find("Tags"); t != props.end() && t->is_object()) {
      for (const auto& [k, v] : t->items()) tags.push_back({{"Key", k}, {"Value", v}});
    }
    tags.push_back({{"Key", "lambda:createdBy"}, {"Value", "SAM"}});
    fn["Tags"] = tags;
    if (auto tracing = props.find("Tracing"); tracing != props.end()) {
      fn["TracingConfig"] = {{"Mode", *tracing}};
    }
    if (auto dlq = props.find("DeadLetterQueue"); dlq != props.end()) {
      if (!dlq->is_object() || !dlq->contains("TargetArn")) {
        Fail(id, "'DeadLetterQueue' requires Type and TargetArn.");
      }
      fn["DeadLetterConfig"] = {{"TargetArn", (*dlq)["TargetArn"]}};
    }
    for (const char* ignored : {"DeploymentPreference", "ProvisionedConcurrencyConfig",
                                "CodeSigningConfigArn", "AssumeRolePolicyDocument"}) {
      if (props.contains(ignored)) Note(id + ": " + ignored + " is not emulated; ignored");
    }
    json function = {{"Type", "AWS::Lambda::Function"}, {"Properties", fn}};
    for (const char* attribute : {"DependsOn", "Condition", "DeletionPolicy", "Metadata"}) {
      if (spec.contains(attribute)) function[attribute] = spec[attribute];
    }
    Add(id, function);
    const std::optional<std::string> condition =
        spec.contains("Condition") && spec["Condition"].is_string()
            ? std::optional<std::string>(spec["Condition"].get<std::string>())
            : std::nullopt;
    auto with_condition = [&](json resource) {
      if (condition) resource["Condition"] = *condition;
      return resource;
    };

    // What events invoke: the alias when AutoPublishAlias is set, else the function.
    json target = {{"Fn::GetAtt", json::array({id, "Arn"})}};
    json target_name = {{"Ref", id}};
    std::string qualifier = "$LATEST";
    if (auto alias = props.find("AutoPublishAlias"); alias != props.end()) {
      if (!alias->is_string()) Fail(id, "'AutoPublishAlias' must be a string.");
      const std::string alias_name = *alias;
      // A new version when what it publishes changes (the code, or with
      // AutoPublishAliasAllProperties every property).
      const bool all = props.value("AutoPublishAliasAllProperties", false);
      const json published = all ? fn : fn["Code"];
      const std::string hash =
          common::Sha256Hex(published.dump(-1, ' ', false, common::kReplaceInvalidUtf8))
              .substr(0, 10);
      const std::string version_id = id + "Version" + hash;
      Add(version_id, with_condition({{"Type", "AWS::Lambda::Version"},
                                      {"DeletionPolicy", "Retain"},
                                      {"Properties", {{"FunctionName", {{"Ref", id}}}}}}));
      const std::string alias_id = id + "Alias" + alias_name;
      Add(alias_id,
          with_condition(
              {{"Type", "AWS::Lambda::Alias"},
               {"Properties",
                {{"Name", alias_name},
                 {"FunctionName", {{"Ref", id}}},
                 {"FunctionVersion", {{"Fn::GetAtt", json::array({version_id, "Version"})}}}}}}));
      aliases_[id] = alias_id;
      versions_[id] = version_id;
      target = {{"Ref", alias_id}};
      target_name = {{"Ref", alias_id}};
      qualifier = alias_name;
    }
    if (auto config = props.find("EventInvokeConfig"); config != props.end()) {
      json eic = {{"FunctionName", {{"Ref", id}}}, {"Qualifier", qualifier}};
      for (const char* key : {"MaximumEventAgeInSeconds", "MaximumRetryAttempts"}) {
        if (config->contains(key)) eic[key] = (*config)[key];
      }
      if (auto dest = config->find("DestinationConfig"); dest != config->end()) {
        json out = json::object();
        for (const char* side : {"OnSuccess", "OnFailure"}) {
          if (!dest->contains(side)) continue;
          const json& d = (*dest)[side];
          if (!d.contains("Destination")) {
            Fail(id, std::string("offstage needs DestinationConfig.") + side +
                         ".Destination (SAM's generated destinations are not emulated).");
          }
          out[side] = {{"Destination", d["Destination"]}};
        }
        eic["DestinationConfig"] = out;
      }
      Add(id + "EventInvokeConfig",
          with_condition({{"Type", "AWS::Lambda::EventInvokeConfig"}, {"Properties", eic}}));
    }
    if (auto url = props.find("FunctionUrlConfig"); url != props.end()) {
      json u = {{"TargetFunctionArn", target_name}};
      for (const char* key : {"AuthType", "Cors", "InvokeMode"}) {
        if (url->contains(key)) u[key] = (*url)[key];
      }
      Add(id + "Url", with_condition({{"Type", "AWS::Lambda::Url"}, {"Properties", u}}));
      if (url->value("AuthType", "") == "NONE") {
        Add(id + "UrlPublicPermissions", with_condition({{"Type", "AWS::Lambda::Permission"},
                                                         {"Properties",
                                                          {{"Action", "lambda:InvokeFunctionUrl"},
                                                           {"FunctionName", target_name},
                                                           {"Principal", "*"},
                                                           {"FunctionUrlAuthType", "NONE"}}}}));
      }
    }
    const json events = props.value("Events", json::object());
    if (!events.is_object()) Fail(id, "'Events' must be a map.");
    for (const auto& [event, value] : events.items()) {
      if (!value.is_object() || !value.value("Properties", json::object()).is_object()) {
        Fail(id, "Event '" + event + "' must be a map with Type and Properties.");
      }
      const std::string type = value.value("Type", "");
      const json ep = value.value("Properties", json::object());
      if (type == "SNS") {
        if (!ep.contains("Topic")) Fail(id, "Event '" + event + "': 'Topic' is required.");
        if (ep.contains("SqsSubscription") && ep["SqsSubscription"] != json(false)) {
          SqsSubscription(id, event, ep, target_name, with_condition);
          continue;
        }
        json sub = {{"Protocol", "lambda"}, {"Endpoint", target}, {"TopicArn", ep["Topic"]}};
        for (const char* key : {"FilterPolicy", "FilterPolicyScope", "Region", "RedrivePolicy"}) {
          if (ep.contains(key)) sub[key] = ep[key];
        }
        Add(id + event, with_condition({{"Type", "AWS::SNS::Subscription"}, {"Properties", sub}}));
        Add(id + event + "Permission", with_condition({{"Type", "AWS::Lambda::Permission"},
                                                       {"Properties",
                                                        {{"Action", "lambda:InvokeFunction"},
                                                         {"FunctionName", target_name},
                                                         {"Principal", "sns.amazonaws.com"},
                                                         {"SourceArn", ep["Topic"]}}}}));
      } else if (type == "SQS") {
        json mapping = {{"FunctionName", target_name},
                        {"EventSourceArn", ep.value("Queue", json())}};
        for (const char* key : {"BatchSize", "Enabled", "FilterCriteria", "FunctionResponseTypes",
                                "MaximumBatchingWindowInSeconds", "ScalingConfig"}) {
          if (ep.contains(key)) mapping[key] = ep[key];
        }
        Add(id + event,
            with_condition({{"Type", "AWS::Lambda::EventSourceMapping"}, {"Properties", mapping}}));
      } else {
        Note(id + ": event " + event + " of type " + type +
             " is not emulated by offstage; skipped (invoke the function yourself)");
        // An Api or HttpApi event without an API of its own makes SAM's implicit API, which
        // templates name in their outputs (${ServerlessRestApi}): it is there, reported as a
        // type offstage does not emulate, rather than an unresolved reference.
        if (type == "Api" && !ep.contains("RestApiId")) {
          implicit_["ServerlessRestApi"] = "AWS::ApiGateway::RestApi";
        }
        if (type == "HttpApi" && !ep.contains("ApiId")) {
          implicit_["ServerlessHttpApi"] = "AWS::ApiGatewayV2::Api";
        }
      }
    }
  }

  // An SNS event with SqsSubscription: SAM puts a queue between the topic and the function.
  // As SAM makes it: {Fn}{Event}Queue (unless SqsSubscription names QueueArn and QueueUrl),
  // {Fn}{Event}QueuePolicy (or QueuePolicyLogicalId) letting the topic send to it, the sqs
  // subscription {Fn}{Event}, and the mapping {Fn}{Event}EventSourceMapping (BatchSize,
  // Enabled).
  template <typename WithCondition>
  void SqsSubscription(const std::string& id, const std::string& event, const json& ep,
                       const json& target_name, const WithCondition& with_condition) {
    const json given = ep["SqsSubscription"];
    if (!given.is_boolean() && !given.is_object()) {
      Fail(id, "Event '" + event + "': 'SqsSubscription' must be a boolean or a map.");
    }
    const json options = given.is_object() ? given : json::object();
    const std::string base = id + event;
    json queue_arn;
    json queue_url;
    if (options.contains("QueueArn")) {
      if (!options.contains("QueueUrl")) {
        Fail(id, "Event '" + event + "': No 'QueueUrl' or 'QueueArn' property specified.");
      }
      queue_arn = options["QueueArn"];
      queue_url = options["QueueUrl"];
    } else {
      Add(base + "Queue",
          with_condition({{"Type", "AWS::SQS::Queue"}, {"Properties", json::object()}}));
      queue_arn = {{"Fn::GetAtt", {base + "Queue", "Arn"}}};
      queue_url = {{"Ref", base + "Queue"}};
    }
    const json statement = {{"Effect", "Allow"},
                            {"Principal", {{"Service", "sns.amazonaws.com"}}},
                            {"Action", "sqs:SendMessage"},
                            {"Resource", queue_arn},
                            {"Condition", {{"ArnEquals", {{"aws:SourceArn", ep["Topic"]}}}}}};
    Add(options.value("QueuePolicyLogicalId", base + "QueuePolicy"),
        with_condition(
            {{"Type", "AWS::SQS::QueuePolicy"},
             {"Properties",
              {{"Queues", json::array({queue_url})},
               {"PolicyDocument",
                {{"Version", "2012-10-17"}, {"Statement", json::array({statement})}}}}}}));
    json sub = {{"Protocol", "sqs"}, {"Endpoint", queue_arn}, {"TopicArn", ep["Topic"]}};
    for (const char* key : {"FilterPolicy", "FilterPolicyScope", "Region", "RedrivePolicy"}) {
      if (ep.contains(key)) sub[key] = ep[key];
    }
    Add(base, with_condition({{"Type", "AWS::SNS::Subscription"}, {"Properties", sub}}));
    json mapping = {{"FunctionName", target_name},
                    {"EventSourceArn", queue_arn},
                    {"BatchSize", options.value("BatchSize", json(10))}};
    if (options.contains("Enabled")) mapping["Enabled"] = options["Enabled"];
    Add(base + "EventSourceMapping",
        with_condition({{"Type", "AWS::Lambda::EventSourceMapping"}, {"Properties", mapping}}));
  }

  void Layer(const std::string& id, const json& spec) {
    const json props = spec.value("Properties", json::object());
    json layer = json::object();
    for (const char* key : {"LayerName", "CompatibleRuntimes", "CompatibleArchitectures",
                            "Description", "LicenseInfo"}) {
      if (props.contains(key)) layer[key] = props[key];
    }
    if (!props.contains("ContentUri")) Fail(id, "'ContentUri' is required.");
    json uri = props["ContentUri"];
    if (uri.is_object() && !IsIntrinsic(uri)) {
      layer["Content"] = {{"S3Bucket", uri.value("Bucket", json())},
                          {"S3Key", uri.value("Key", json())}};
    } else {
      layer["Content"] = uri;
    }
    if (!layer.contains("LayerName")) layer["LayerName"] = id;
    json out = {{"Type", "AWS::Lambda::LayerVersion"}, {"Properties", layer}};
    // SAM keeps old layer versions unless RetentionPolicy says Delete.
    if (props.value("RetentionPolicy", "Retain") != "Delete") out["DeletionPolicy"] = "Retain";
    for (const char* attribute : {"DependsOn", "Condition", "Metadata"}) {
      if (spec.contains(attribute)) out[attribute] = spec[attribute];
    }
    Add(id, out);
  }

  // SAM's Ref forms: `Fn.Alias` and `Fn.Version` name the generated alias and version.
  void RewriteRefs(json& value) {
    if (value.is_object()) {
      if (value.size() == 1 && value.contains("Ref") && value["Ref"].is_string()) {
        const std::string ref = value["Ref"];
        const size_t dot = ref.find('.');
        if (dot != std::string::npos) {
          const std::string fn = ref.substr(0, dot);
          const std::string what = ref.substr(dot + 1);
          if (what == "Alias" && aliases_.contains(fn)) value["Ref"] = aliases_[fn];
          if (what == "Version" && versions_.contains(fn)) value["Ref"] = versions_[fn];
        }
        return;
      }
      for (auto& [k, v] : value.items()) RewriteRefs(v);
    } else if (value.is_array()) {
      for (auto& v : value) RewriteRefs(v);
    }
  }

  json doc_;
  json out_;
  std::vector<std::string>* notes_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, std::string> implicit_;  // SAM's implicit APIs: logical id -> type
  std::map<std::string, std::string> versions_;
};

}  // namespace

common::Result<json> ApplyTransforms(const json& document, std::vector<std::string>* notes) {
  std::vector<std::string> transforms;
  if (auto it = document.find("Transform"); it != document.end()) {
    if (it->is_string()) {
      transforms.push_back(*it);
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (!t.is_string()) {
          return common::Fail(common::ErrorCode::kValidationError,
                              "Template format error: offstage runs only named transforms "
                              "(AWS::Serverless-2016-10-31, AWS::LanguageExtensions)");
        }
        transforms.push_back(t);
      }
    } else {
      return common::Fail(common::ErrorCode::kValidationError,
                          "Template format error: Transform names one or more transforms");
    }
  }
  json out = document;
  out.erase("Transform");
  bool sam = false;
  for (const std::string& t : transforms) {
    if (t == "AWS::Serverless-2016-10-31") {
      sam = true;
    } else if (t != "AWS::LanguageExtensions") {
      return common::Fail(common::ErrorCode::kValidationError,
                          "Template format error: the transform " + t +
                              " is not run by offstage (it runs AWS::Serverless-2016-10-31 and "
                              "AWS::LanguageExtensions)");
    }
  }
  if (!sam) {
    if (out.contains("Globals")) {
      return common::Fail(common::ErrorCode::kValidationError,
                          "Template format error: Globals needs Transform: "
                          "AWS::Serverless-2016-10-31");
    }
    return out;
  }
  try {
    return SamTransform(std::move(out), notes).Run();
  } catch (const TransformError& error) {
    return common::Fail(common::ErrorCode::kValidationError, error.message);
  } catch (const json::exception& error) {
    // A member of another type than SAM reads (a list where a map goes): an error, not the end
    // of the daemon (the template fuzzer found one).
    return common::Fail(common::ErrorCode::kValidationError,
                        "Transform AWS::Serverless-2016-10-31 failed: a property has a type SAM "
                        "does not read there (" +
                            std::string(error.what()) + ")");
  }
}

}  // namespace offstage::iac
