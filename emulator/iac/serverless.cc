// Serverless Framework projects (serverless.h).
#include "emulator/iac/serverless.h"

#include <fstream>
#include <set>
#include <sstream>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/iac/intrinsics.h"
#include "emulator/iac/yaml_loader.h"

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kPackageTemplate = "cloudformation-template-update-stack.json";

struct TranslateError {
  std::string message;
};

common::Result<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::Fail(common::ValidationError("cannot read " + path.string()));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The framework's own name normalisation (lib/plugins/aws/lib/naming.js).
std::string NormalizeName(std::string name) {
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}
std::string NormalizeFunctionName(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '-') {
      out += "Dash";
    } else if (c == '_') {
      out += "Underscore";
    } else {
      out += c;
    }
  }
  return NormalizeName(out);
}
std::string AlphaNumericOnly(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  }
  return NormalizeName(out);
}

std::string Text(const json& v) { return ScalarText(v).value_or(""); }

class Translator {
 public:
  Translator(const json& config, std::vector<std::string>* notes)
      : config_(config), notes_(notes) {}

  json Run(std::string* stack_name, const std::string& stage_option) {
    const json service = config_.value("service", json());
    service_ = service.is_object() ? Text(service.value("name", json(""))) : Text(service);
    if (service_.empty()) throw TranslateError{"service is required"};
    const json provider = config_.value("provider", json::object());
    if (Text(provider.value("name", json("aws"))) != "aws") {
      throw TranslateError{"provider.name must be aws"};
    }
    stage_ = stage_option.empty() ? Text(provider.value("stage", json("dev"))) : stage_option;
    *stack_name =
        provider.contains("stackName") ? Text(provider["stackName"]) : service_ + "-" + stage_;
    resources_ = json::object();
    const json iam = provider.value("iam", json::object());
    if (iam.is_object() && iam.contains("role") && iam["role"].is_string()) {
      role_ = iam["role"];
    } else if (provider.contains("role")) {
      role_ = provider["role"];
    } else {
      resources_["IamRoleLambdaExecution"] = {
          {"Type", "AWS::IAM::Role"},
          {"Properties",
           {{"AssumeRolePolicyDocument",
             {{"Version", "2012-10-17"},
              {"Statement",
               json::array({{{"Effect", "Allow"},
                             {"Principal", {{"Service", json::array({"lambda.amazonaws.com"})}}},
                             {"Action", json::array({"sts:AssumeRole"})}}})}}},
            {"Path", "/"},
            {"RoleName", service_ + "-" + stage_ + "-lambdaRole"}}}};
      role_ = {{"Fn::GetAtt", json::array({"IamRoleLambdaExecution", "Arn"})}};
    }
    const json functions = config_.value("functions", json::object());
    if (!functions.is_object()) throw TranslateError{"functions is a map"};
    for (const auto& [key, fn] : functions.items()) Function(key, fn, provider);

    json document = {
        {"AWSTemplateFormatVersion", "2010-09-09"},
        {"Description", "The AWS CloudFormation template for this Serverless application"},
        {"Resources", resources_},
        {"Outputs", json::object()}};
    const json extra = config_.value("resources", json::object());
    if (extra.is_object()) {
      for (const auto& [section, value] : extra.items()) {
        if (section == "Resources" || section == "Outputs" || section == "Conditions" ||
            section == "Mappings" || section == "Parameters") {
          if (!value.is_object()) throw TranslateError{"resources." + section + " is a map"};
          if (!document.contains(section)) document[section] = json::object();
          for (const auto& [id, spec] : value.items()) {
            if (section == "Resources" && document[section].contains(id)) {
              // The framework merges properties into a resource it generated.
              document[section][id].merge_patch(spec);
              continue;
            }
            document[section][id] = spec;
          }
        } else if (section != "Description") {
          Note("resources." + section + " is not read");
        }
      }
    }
    for (const char* ignored : {"plugins", "package.individually"}) {
      if (config_.contains(ignored)) {
        Note(std::string(ignored) + " is not run by offstage (the project is read as written)");
      }
    }
    return document;
  }

 private:
  void Note(const std::string& text) { notes_->push_back("NOTE  " + text); }

  void Function(const std::string& key, const json& fn, const json& provider) {
    if (!fn.is_object()) throw TranslateError{"functions." + key + " is a map"};
    if (fn.contains("image")) {
      throw TranslateError{"functions." + key + ": container images are not emulated"};
    }
    const std::string n = NormalizeFunctionName(key);
    const std::string id = n + "LambdaFunction";
    const std::string name =
        fn.contains("name") ? Text(fn["name"]) : service_ + "-" + stage_ + "-" + key;
    const json runtime = fn.contains("runtime") ? fn["runtime"] : provider.value("runtime", json());
    if (runtime.is_null()) {
      throw TranslateError{"functions." + key +
                           ": no runtime (provider.runtime or the function's)"};
    }
    json props = {{"Code", "."},
                  {"Handler", fn.value("handler", json(""))},
                  {"Runtime", runtime},
                  {"FunctionName", name},
                  {"MemorySize", fn.value("memorySize", provider.value("memorySize", json(1024)))},
                  {"Timeout", fn.value("timeout", provider.value("timeout", json(6)))},
                  {"Role", fn.contains("role") ? fn["role"] : role_}};
    if (auto artifact = fn.find("package");
        artifact != fn.end() && artifact->is_object() && artifact->contains("artifact")) {
      props["Code"] = (*artifact)["artifact"];
    }
    json variables = provider.value("environment", json::object());
    if (!variables.is_object()) variables = json::object();
    if (fn.contains("environment") && fn["environment"].is_object()) {
      for (const auto& [k, v] : fn["environment"].items()) variables[k] = v;
    }
    if (!variables.empty()) props["Environment"] = {{"Variables", variables}};
    if (fn.contains("description")) props["Description"] = fn["description"];
    const json layers = fn.contains("layers") ? fn["layers"] : provider.value("layers", json());
    if (!layers.is_null()) props["Layers"] = layers;
    if (fn.contains("reservedConcurrency")) {
      props["ReservedConcurrentExecutions"] = fn["reservedConcurrency"];
    }
    if (fn.contains("onError")) props["DeadLetterConfig"] = {{"TargetArn", fn["onError"]}};
    json tags = json::array();
    for (const json* source : {&provider, &fn}) {
      if (auto t = source->find("tags"); t != source->end() && t->is_object()) {
        for (const auto& [k, v] : t->items()) tags.push_back({{"Key", k}, {"Value", v}});
      }
    }
    if (!tags.empty()) props["Tags"] = tags;
    const std::string log_group = n + "LogGroup";
    resources_[log_group] = {{"Type", "AWS::Logs::LogGroup"},
                             {"Properties", {{"LogGroupName", "/aws/lambda/" + name}}}};
    resources_[id] = {{"Type", "AWS::Lambda::Function"},
                      {"Properties", props},
                      {"DependsOn", json::array({log_group})}};
    // Asynchronous settings: an event invoke config, as the framework makes.
    json config = {{"FunctionName", {{"Ref", id}}}, {"Qualifier", "$LATEST"}};
    bool any = false;
    if (fn.contains("maximumRetryAttempts")) {
      config["MaximumRetryAttempts"] = fn["maximumRetryAttempts"];
      any = true;
    }
    if (fn.contains("maximumEventAge")) {
      config["MaximumEventAgeInSeconds"] = fn["maximumEventAge"];
      any = true;
    }
    if (auto d = fn.find("destinations"); d != fn.end() && d->is_object()) {
      json destinations = json::object();
      for (const auto& [side, target] :
           {std::pair{"onSuccess", "OnSuccess"}, std::pair{"onFailure", "OnFailure"}}) {
        if (!d->contains(side)) continue;
        json arn = (*d)[side];
        if (arn.is_string() && !arn.get<std::string>().starts_with("arn:")) {
          // A function of this service, by its key.
          arn = {
              {"Fn::GetAtt", json::array({NormalizeFunctionName(arn) + "LambdaFunction", "Arn"})}};
        }
        destinations[target] = {{"Destination", arn}};
      }
      config["DestinationConfig"] = destinations;
      any = true;
    }
    if (any) {
      resources_[n + "LambdaEvConf"] = {{"Type", "AWS::Lambda::EventInvokeConfig"},
                                        {"Properties", config}};
    }
    for (const json& event : fn.value("events", json::array())) {
      if (!event.is_object() || event.size() != 1) continue;
      const std::string type = event.begin().key();
      const json& spec = event.begin().value();
      if (type == "sns") {
        Sns(n, id, spec);
      } else if (type == "sqs") {
        const json arn = spec.is_object() ? spec.value("arn", json()) : spec;
        const std::string queue =
            arn.is_string() ? arn.get<std::string>().substr(arn.get<std::string>().rfind(':') + 1)
                            : "Queue";
        json mapping = {{"EventSourceArn", arn},
                        {"FunctionName", {{"Fn::GetAtt", json::array({id, "Arn"})}}}};
        if (spec.is_object() && spec.contains("batchSize"))
          mapping["BatchSize"] = spec["batchSize"];
        resources_[n + "EventSourceMappingSQS" + AlphaNumericOnly(queue)] = {
            {"Type", "AWS::Lambda::EventSourceMapping"}, {"Properties", mapping}};
      } else {
        Note("functions." + key + ": the " + type +
             " event is not emulated by offstage; skipped (invoke the function yourself)");
      }
    }
  }

  void Sns(const std::string& n, const std::string& id, const json& spec) {
    json topic_arn;
    std::string topic_name;
    json filter;
    json filter_scope;
    json redrive;
    std::string display;
    if (spec.is_string()) {
      const std::string text = spec;
      if (text.starts_with("arn:")) {
        topic_arn = text;
        topic_name = text.substr(text.rfind(':') + 1);
      } else {
        topic_name = text;
      }
    } else if (spec.is_object()) {
      if (spec.contains("arn")) {
        topic_arn = spec["arn"];
        if (spec.contains("topicName")) {
          topic_name = Text(spec["topicName"]);
        } else if (topic_arn.is_string()) {
          topic_name =
              topic_arn.get<std::string>().substr(topic_arn.get<std::string>().rfind(':') + 1);
        } else {
          throw TranslateError{"an sns event whose arn is not a string needs topicName"};
        }
      } else {
        topic_name = Text(spec.value("topicName", json("")));
      }
      display = Text(spec.value("displayName", json("")));
      filter = spec.value("filterPolicy", json());
      filter_scope = spec.value("filterPolicyScope", json());
      if (auto r = spec.find("redrivePolicy"); r != spec.end() && r->is_object()) {
        if (r->contains("deadLetterTargetArn")) {
          redrive = {{"deadLetterTargetArn", (*r)["deadLetterTargetArn"]}};
        } else {
          Note(
              "an sns event's redrivePolicy names its queue by reference, which offstage does "
              "not translate yet (SNS's redrive to a dead-letter queue is not emulated), so it "
              "is left out");
        }
      }
    }
    if (topic_name.empty()) throw TranslateError{"an sns event needs a topic name or an arn"};
    const std::string t = AlphaNumericOnly(topic_name);
    if (topic_arn.is_null()) {
      const std::string topic_id = "SNSTopic" + t;
      if (!resources_.contains(topic_id)) {
        json props = {{"TopicName", topic_name}};
        if (!display.empty()) props["DisplayName"] = display;
        resources_[topic_id] = {{"Type", "AWS::SNS::Topic"}, {"Properties", props}};
      }
      topic_arn = {{"Ref", topic_id}};
    }
    json sub = {{"TopicArn", topic_arn},
                {"Protocol", "lambda"},
                {"Endpoint", {{"Fn::GetAtt", json::array({id, "Arn"})}}}};
    if (!filter.is_null()) sub["FilterPolicy"] = filter;
    if (!filter_scope.is_null()) sub["FilterPolicyScope"] = filter_scope;
    if (!redrive.is_null()) sub["RedrivePolicy"] = redrive;
    resources_[n + "SnsSubscription" + t] = {{"Type", "AWS::SNS::Subscription"},
                                             {"Properties", sub}};
    resources_[n + "LambdaPermission" + t + "SNS"] = {
        {"Type", "AWS::Lambda::Permission"},
        {"Properties",
         {{"FunctionName", {{"Fn::GetAtt", json::array({id, "Arn"})}}},
          {"Action", "lambda:InvokeFunction"},
          {"Principal", "sns.amazonaws.com"},
          {"SourceArn", topic_arn}}}};
  }

  const json& config_;
  std::vector<std::string>* notes_;
  std::string service_;
  std::string stage_;
  json role_;
  json resources_;
};

fs::file_time_type Modified(const fs::path& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  return ec ? fs::file_time_type::min() : t;
}

common::Result<ServerlessStack> ReadPackageOrThrow(const fs::path& dir);

common::Result<ServerlessStack> ReadPackage(const fs::path& dir) {
  try {
    return ReadPackageOrThrow(dir);
  } catch (const json::exception& error) {
    return common::Fail(common::ValidationError(dir.string() +
                                                ": the package is not what serverless package "
                                                "writes (" +
                                                std::string(error.what()) + ")"));
  }
}

common::Result<ServerlessStack> ReadPackageOrThrow(const fs::path& dir) {
  ServerlessStack out;
  out.file = dir / kPackageTemplate;
  out.base_dir = dir.parent_path();
  auto text = ReadText(out.file);
  if (!text) return common::Fail(text.error());
  out.document = common::ParseJson(*text);
  if (!out.document.is_object())
    return common::Fail(common::ValidationError(out.file.string() + " is not JSON"));
  auto state_text = ReadText(dir / "serverless-state.json");
  if (!state_text) return common::Fail(state_text.error());
  const json state = common::ParseJson(*state_text);
  const json service = state.is_object() ? state.value("service", json::object()) : json::object();
  const json name = service.value("service", json());
  const std::string service_name =
      name.is_object() ? Text(name.value("name", json(""))) : Text(name);
  const json provider = service.value("provider", json::object());
  out.stack_name = provider.contains("stackName")
                       ? Text(provider["stackName"])
                       : service_name + "-" + Text(provider.value("stage", json("dev")));
  // The archives the template's code names, by their key's file name, in .serverless/.
  const json resources = out.document.value("Resources", json::object());
  for (const auto& [id, spec] : resources.items()) {
    const json props = spec.value("Properties", json::object());
    for (const char* member : {"Code", "Content"}) {
      if (!props.contains(member) || !props[member].is_object()) continue;
      const std::string key = Text(props[member].value("S3Key", json("")));
      if (key.empty()) continue;
      const fs::path archive = dir / fs::path(key).filename();
      std::error_code ec;
      if (fs::is_regular_file(archive, ec)) out.assets[key] = archive.string();
    }
  }
  out.notes.push_back("NOTE  deployed the package in " + dir.string() + " (serverless package)");
  return out;
}

}  // namespace

std::optional<fs::path> ServerlessFile(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (fs::is_directory(p, ec)) {
    if (p.filename() == ".serverless" && fs::is_regular_file(p / kPackageTemplate, ec)) {
      return p / kPackageTemplate;
    }
    for (const char* name : {"serverless.yml", "serverless.yaml", "serverless.json"}) {
      if (fs::is_regular_file(p / name, ec)) return p / name;
    }
    return std::nullopt;
  }
  const std::string name = p.filename().string();
  if (name == "serverless.yml" || name == "serverless.yaml" || name == "serverless.json") return p;
  return std::nullopt;
}

common::Result<ServerlessStack> ReadServerless(const std::string& path,
                                               const VariableSources& sources) {
  auto file = ServerlessFile(path);
  if (!file)
    return common::Fail(common::ValidationError(path + " is not a Serverless Framework project"));
  if (file->filename() == kPackageTemplate) return ReadPackage(file->parent_path());
  const fs::path package = file->parent_path() / ".serverless";
  std::error_code ec;
  if (fs::is_directory(fs::absolute(path, ec), ec) &&
      fs::is_regular_file(package / kPackageTemplate, ec) &&
      Modified(package / kPackageTemplate) >= Modified(*file)) {
    return ReadPackage(package);
  }
  auto text = ReadText(*file);
  if (!text) return common::Fail(text.error());
  auto config = LoadTemplateText(*text, file->string());
  if (!config) return common::Fail(config.error());
  auto resolved = ResolveServerlessVariables(*config, sources);
  if (!resolved)
    return common::Fail(common::ValidationError(file->string() + ": " + resolved.error().message));
  auto stage = sources.options.find("stage");
  auto out = TranslateServerless(*resolved, stage == sources.options.end() ? "" : stage->second);
  if (!out)
    return common::Fail(common::ValidationError(file->string() + ": " + out.error().message));
  out->file = *file;
  out->base_dir = file->parent_path();
  return out;
}

common::Result<ServerlessStack> TranslateServerless(const json& config, const std::string& stage) {
  ServerlessStack out;
  try {
    out.document = Translator(config, &out.notes).Run(&out.stack_name, stage);
  } catch (const TranslateError& error) {
    return common::Fail(common::ValidationError(error.message));
  } catch (const json::exception& error) {
    return common::Fail(
        common::ValidationError("a setting has a type the framework does not read there (" +
                                std::string(error.what()) + ")"));
  }
  return out;
}

}  // namespace offstage::iac
