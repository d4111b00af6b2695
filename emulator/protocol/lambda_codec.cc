#include "emulator/protocol/lambda_codec.h"

#include <array>
#include <nlohmann/json.hpp>
#include <regex>

#include "emulator/common/clock.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::protocol {
namespace {

using common::ErrorCode;
using common::Fail;
using common::Result;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

struct Call {
  const common::RequestContext& ctx;
  const LambdaRequest& req;
  const std::smatch& match;
  lambda::LambdaService& service;
};

// Type errors in a JSON body: what the service's front end says for a body it cannot read.
struct BadBody {
  std::string message;
};

HttpResponse Json(int status, const std::string& body) {
  return HttpResponse{status, "application/json", body, {}};
}

HttpResponse Error(const common::ApiError& error) { return LambdaCodec::RenderError(error); }

json ParseBody(const std::string& body) {
  if (body.empty()) return json::object();
  json parsed = common::ParseJson<json>(body);
  if (parsed.is_discarded() || !parsed.is_object()) {
    throw BadBody{"Could not parse request body into json: the body is not a JSON object"};
  }
  return parsed;
}

std::optional<std::string> String(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw BadBody{std::string("Expected a string for ") + key};
  return it->get<std::string>();
}

std::optional<int> Int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw BadBody{std::string("Expected an integer for ") + key};
  const auto value = it->get<int64_t>();
  if (value < INT32_MIN || value > INT32_MAX) throw BadBody{std::string(key) + " is out of range"};
  return static_cast<int>(value);
}

std::optional<bool> Bool(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw BadBody{std::string("Expected a boolean for ") + key};
  return it->get<bool>();
}

std::optional<std::map<std::string, std::string>> StringMap(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) throw BadBody{std::string("Expected an object for ") + key};
  std::map<std::string, std::string> out;
  for (auto& [k, v] : it->items()) {
    if (!v.is_string()) throw BadBody{std::string("Expected string values in ") + key};
    out[k] = v.get<std::string>();
  }
  return out;
}

std::optional<std::vector<std::string>> StringList(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) throw BadBody{std::string("Expected a list for ") + key};
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) throw BadBody{std::string("Expected strings in ") + key};
    out.push_back(v.get<std::string>());
  }
  return out;
}

const json& Object(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) throw BadBody{std::string("Expected an object for ") + key};
  return *it;
}

lambda::ConfigInput DecodeConfig(const json& body) {
  lambda::ConfigInput c;
  c.role = String(body, "Role");
  c.handler = String(body, "Handler");
  c.description = String(body, "Description");
  c.runtime = String(body, "Runtime");
  c.timeout = Int(body, "Timeout");
  c.memory = Int(body, "MemorySize");
  if (body.contains("EphemeralStorage"))
    c.ephemeral_storage = Int(Object(body, "EphemeralStorage"), "Size");
  if (body.contains("Environment")) {
    c.variables = StringMap(Object(body, "Environment"), "Variables")
                      .value_or(std::map<std::string, std::string>{});
  }
  if (body.contains("TracingConfig"))
    c.tracing_mode = String(Object(body, "TracingConfig"), "Mode");
  if (body.contains("DeadLetterConfig")) {
    c.dead_letter_target = String(Object(body, "DeadLetterConfig"), "TargetArn").value_or("");
  }
  c.layers = StringList(body, "Layers");
  c.architectures = StringList(body, "Architectures");
  c.kms_key_arn = String(body, "KMSKeyArn");
  if (body.contains("LoggingConfig")) {
    const json& logging = Object(body, "LoggingConfig");
    c.log_format = String(logging, "LogFormat");
    c.log_group = String(logging, "LogGroup");
  }
  c.revision_id = String(body, "RevisionId");
  return c;
}

Result<lambda::CodeInput> DecodeCode(const json& code) {
  lambda::CodeInput in;
  if (auto zip = String(code, "ZipFile")) {
    auto bytes = common::Base64Decode(*zip);
    if (!bytes) {
      return Fail(ErrorCode::kLambdaInvalidParameterValue,
                  "Could not unzip uploaded file. Please check your file, then try to upload "
                  "again.");
    }
    in.zip_file = std::move(*bytes);
  }
  in.s3_bucket = String(code, "S3Bucket");
  in.s3_key = String(code, "S3Key");
  in.s3_object_version = String(code, "S3ObjectVersion");
  in.image_uri = String(code, "ImageUri");
  return in;
}

ojson Configuration(const lambda::Function& f, bool full) {
  ojson out = {
      {"FunctionName", f.name},       {"FunctionArn", f.arn},
      {"Runtime", f.runtime},         {"Role", f.role},
      {"Handler", f.handler},         {"CodeSize", f.code.size},
      {"Description", f.description}, {"Timeout", f.timeout},
      {"MemorySize", f.memory},       {"LastModified", common::IsoMillisOffset(f.last_modified_ns)},
      {"CodeSha256", f.code.sha256},  {"Version", "$LATEST"},
  };
  if (!f.variables.empty()) out["Environment"] = {{"Variables", f.variables}};
  out["TracingConfig"] = {{"Mode", f.tracing_mode}};
  out["RevisionId"] = f.revision_id;
  if (f.dead_letter_target) out["DeadLetterConfig"] = {{"TargetArn", *f.dead_letter_target}};
  if (f.kms_key_arn) out["KMSKeyArn"] = *f.kms_key_arn;
  if (!f.layers.empty()) {
    ojson layers = ojson::array();
    for (const auto& arn : f.layers) layers.push_back({{"Arn", arn}, {"CodeSize", 0}});
    out["Layers"] = layers;
  }
  if (full) {
    out["State"] = "Active";
    out["LastUpdateStatus"] = "Successful";
  }
  out["PackageType"] = f.package_type;
  out["Architectures"] = f.architectures;
  out["EphemeralStorage"] = {{"Size", f.ephemeral_storage}};
  out["SnapStart"] = {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
  out["LoggingConfig"] = {{"LogFormat", f.log_format}, {"LogGroup", f.log_group}};
  return out;
}

std::string Query(const LambdaRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

std::string Header(const LambdaRequest& req, const std::string& name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? std::string() : it->second;
}

std::string Name(const Call& c) { return c.match[1].str(); }

// ---- handlers ----

HttpResponse CreateFunction(const Call& c) {
  const json body = ParseBody(c.req.body);
  lambda::CreateFunctionInput in;
  auto name = String(body, "FunctionName");
  if (!name) {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value null at 'functionName' failed to satisfy "
                  "constraint: Member must not be null"});
  }
  in.name = *name;
  in.config = DecodeConfig(body);
  if (!body.contains("Code")) {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value null at 'code' failed to satisfy "
                  "constraint: Member must not be null"});
  }
  auto code = DecodeCode(Object(body, "Code"));
  if (!code) return Error(code.error());
  in.code = std::move(*code);
  in.tags = StringMap(body, "Tags").value_or(std::map<std::string, std::string>{});
  in.package_type = String(body, "PackageType");
  auto created = c.service.CreateFunction(c.ctx, std::move(in));
  if (!created) return Error(created.error());
  return Json(201, Configuration(*created, true).dump());
}

HttpResponse ListFunctions(const Call& c) {
  std::optional<std::string> marker;
  if (auto m = Query(c.req, "Marker"); !m.empty()) marker = m;
  std::optional<int> max_items;
  if (auto m = Query(c.req, "MaxItems"); !m.empty()) {
    try {
      max_items = std::stoi(m);
    } catch (const std::exception&) {
      return Error({ErrorCode::kLambdaValidation,
                    "1 validation error detected: Value '" + m +
                        "' at 'maxItems' failed to satisfy constraint: Member must be a number"});
    }
  }
  auto page = c.service.ListFunctions(c.ctx, marker, max_items);
  if (!page) return Error(page.error());
  ojson functions = ojson::array();
  for (const auto& f : page->functions) functions.push_back(Configuration(f, false));
  ojson out = {{"Functions", functions}};
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  return Json(200, out.dump());
}

HttpResponse GetFunction(const Call& c) {
  auto f = c.service.GetFunction(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!f) return Error(f.error());
  ojson out = {
      {"Configuration", Configuration(*f, true)},
      {"Code",
       {{"RepositoryType", f->code.local_dir ? "Local" : "S3"}, {"Location", f->code.dir}}}};
  if (!f->tags.empty()) out["Tags"] = f->tags;
  if (f->reserved_concurrency) {
    out["Concurrency"] = {{"ReservedConcurrentExecutions", *f->reserved_concurrency}};
  }
  return Json(200, out.dump());
}

HttpResponse GetFunctionConfiguration(const Call& c) {
  auto f = c.service.GetFunction(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!f) return Error(f.error());
  return Json(200, Configuration(*f, true).dump());
}

HttpResponse UpdateFunctionCode(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto code = DecodeCode(body);
  if (!code) return Error(code.error());
  auto f =
      c.service.UpdateFunctionCode(c.ctx, Name(c), std::move(*code), String(body, "RevisionId"),
                                   Bool(body, "DryRun").value_or(false));
  if (!f) return Error(f.error());
  return Json(200, Configuration(*f, true).dump());
}

HttpResponse UpdateFunctionConfiguration(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto f = c.service.UpdateFunctionConfiguration(c.ctx, Name(c), DecodeConfig(body));
  if (!f) return Error(f.error());
  return Json(200, Configuration(*f, true).dump());
}

HttpResponse DeleteFunction(const Call& c) {
  auto status = c.service.DeleteFunction(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse Invoke(const Call& c) {
  lambda::InvokeInput in;
  in.function_name = Name(c);
  in.qualifier = Query(c.req, "Qualifier");
  in.payload = c.req.body;
  const std::string type = Header(c.req, "x-amz-invocation-type");
  if (type.empty() || type == "RequestResponse") {
    in.type = lambda::InvocationType::kRequestResponse;
  } else if (type == "Event") {
    in.type = lambda::InvocationType::kEvent;
  } else if (type == "DryRun") {
    in.type = lambda::InvocationType::kDryRun;
  } else {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value '" + type +
                      "' at 'invocationType' failed to satisfy constraint: Member must satisfy "
                      "enum value set: [Event, RequestResponse, DryRun]"});
  }
  const std::string log_type = Header(c.req, "x-amz-log-type");
  if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value '" + log_type +
                      "' at 'logType' failed to satisfy constraint: Member must satisfy enum "
                      "value set: [Tail, None]"});
  }
  in.tail_log = log_type == "Tail" && in.type == lambda::InvocationType::kRequestResponse;
  if (const std::string context = Header(c.req, "x-amz-client-context"); !context.empty()) {
    auto decoded = common::Base64Decode(context);
    if (!decoded || context.size() > 3583 || common::ParseJson<json>(*decoded).is_discarded()) {
      return Error({ErrorCode::kLambdaInvalidRequestContent,
                    "Client context must be a valid Base64-encoded JSON object."});
    }
    in.client_context = std::move(*decoded);
  }
  auto out = c.service.Invoke(c.ctx, in);
  if (!out) return Error(out.error());
  HttpResponse response{out->status, "application/json", std::move(out->payload), {}};
  if (out->status == 200) {
    response.headers.emplace_back("X-Amz-Executed-Version", out->executed_version);
    if (out->function_error)
      response.headers.emplace_back("X-Amz-Function-Error", *out->function_error);
    if (out->log_tail) {
      response.headers.emplace_back("X-Amz-Log-Result", common::Base64Encode(*out->log_tail));
    }
  }
  if (!out->request_id.empty()) response.headers.emplace_back("x-amzn-RequestId", out->request_id);
  return response;
}

HttpResponse InvokeAsync(const Call& c) {
  lambda::InvokeInput in;
  in.function_name = Name(c);
  in.payload = c.req.body;
  in.type = lambda::InvocationType::kEvent;
  auto out = c.service.Invoke(c.ctx, in);
  if (!out) return Error(out.error());
  return Json(202, R"({"Status":202})");
}

HttpResponse PutConcurrency(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto reserved = Int(body, "ReservedConcurrentExecutions");
  if (!reserved) {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value null at 'reservedConcurrentExecutions' "
                  "failed to satisfy constraint: Member must not be null"});
  }
  auto out = c.service.PutFunctionConcurrency(c.ctx, Name(c), *reserved);
  if (!out) return Error(out.error());
  return Json(200, json{{"ReservedConcurrentExecutions", *out}}.dump());
}

HttpResponse GetConcurrency(const Call& c) {
  auto out = c.service.GetFunctionConcurrency(c.ctx, Name(c));
  if (!out) return Error(out.error());
  json body = json::object();
  if (*out) body["ReservedConcurrentExecutions"] = **out;
  return Json(200, body.dump());
}

HttpResponse DeleteConcurrency(const Call& c) {
  auto status = c.service.DeleteFunctionConcurrency(c.ctx, Name(c));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse AddPermission(const Call& c) {
  const json body = ParseBody(c.req.body);
  lambda::PermissionInput in;
  auto sid = String(body, "StatementId");
  auto action = String(body, "Action");
  auto principal = String(body, "Principal");
  for (auto [value, member] : {std::pair{&sid, "statementId"}, std::pair{&action, "action"},
                               std::pair{&principal, "principal"}}) {
    if (!*value) {
      return Error({ErrorCode::kLambdaValidation,
                    std::string("1 validation error detected: Value null at '") + member +
                        "' failed to satisfy constraint: Member must not be null"});
    }
  }
  in.statement_id = *sid;
  in.action = *action;
  in.principal = *principal;
  in.source_arn = String(body, "SourceArn");
  in.source_account = String(body, "SourceAccount");
  in.event_source_token = String(body, "EventSourceToken");
  in.principal_org_id = String(body, "PrincipalOrgID");
  in.revision_id = String(body, "RevisionId");
  auto statement = c.service.AddPermission(c.ctx, Name(c), in);
  if (!statement) return Error(statement.error());
  return Json(201, json{{"Statement", *statement}}.dump());
}

HttpResponse RemovePermission(const Call& c) {
  auto status = c.service.RemovePermission(c.ctx, Name(c), c.match[2].str());
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse GetPolicy(const Call& c) {
  auto policy = c.service.GetPolicy(c.ctx, Name(c));
  if (!policy) return Error(policy.error());
  return Json(200, json{{"Policy", policy->first}, {"RevisionId", policy->second}}.dump());
}

HttpResponse TagResource(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto tags = StringMap(body, "Tags");
  if (!tags) {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value null at 'tags' failed to satisfy "
                  "constraint: Member must not be null"});
  }
  auto status = c.service.TagResource(c.ctx, Name(c), *tags);
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse UntagResource(const Call& c) {
  std::vector<std::string> keys;
  auto [begin, end] = c.req.query.equal_range("tagKeys");
  for (auto it = begin; it != end; ++it) keys.push_back(it->second);
  auto status = c.service.UntagResource(c.ctx, Name(c), keys);
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse ListTags(const Call& c) {
  auto tags = c.service.ListTags(c.ctx, Name(c));
  if (!tags) return Error(tags.error());
  return Json(200, json{{"Tags", *tags}}.dump());
}

HttpResponse GetAccountSettings(const Call& c) {
  const auto settings = c.service.GetAccountSettings(c.ctx);
  ojson out = {
      {"AccountLimit",
       {{"TotalCodeSize", 80530636800LL},
        {"CodeSizeUnzipped", 262144000},
        {"CodeSizeZipped", 52428800},
        {"ConcurrentExecutions", 1000},
        {"UnreservedConcurrentExecutions", settings.unreserved_concurrency}}},
      {"AccountUsage",
       {{"TotalCodeSize", settings.total_code_size}, {"FunctionCount", settings.function_count}}}};
  return Json(200, out.dump());
}

ojson EventInvokeConfigJson(const std::string& function_arn, const lambda::EventInvokeConfig& c) {
  ojson out = {{"LastModified", static_cast<double>(c.last_modified_ns / 1'000'000) / 1000.0},
               {"FunctionArn", function_arn}};
  if (c.max_retry_attempts) out["MaximumRetryAttempts"] = *c.max_retry_attempts;
  if (c.max_event_age_seconds) out["MaximumEventAgeInSeconds"] = *c.max_event_age_seconds;
  ojson on_success = ojson::object();
  ojson on_failure = ojson::object();
  if (c.on_success) on_success["Destination"] = *c.on_success;
  if (c.on_failure) on_failure["Destination"] = *c.on_failure;
  out["DestinationConfig"] = {{"OnSuccess", on_success}, {"OnFailure", on_failure}};
  return out;
}

HttpResponse PutEventInvokeConfig(const Call& c, bool merge) {
  const json body = ParseBody(c.req.body);
  lambda::EventInvokeConfigInput in;
  in.max_retry_attempts = Int(body, "MaximumRetryAttempts");
  in.max_event_age_seconds = Int(body, "MaximumEventAgeInSeconds");
  if (body.contains("DestinationConfig")) {
    const json& destinations = Object(body, "DestinationConfig");
    if (destinations.contains("OnSuccess")) {
      in.on_success = String(Object(destinations, "OnSuccess"), "Destination").value_or("");
    }
    if (destinations.contains("OnFailure")) {
      in.on_failure = String(Object(destinations, "OnFailure"), "Destination").value_or("");
    }
  }
  auto out = c.service.PutEventInvokeConfig(c.ctx, Name(c), Query(c.req, "Qualifier"), in, merge);
  if (!out) return Error(out.error());
  return Json(200, EventInvokeConfigJson(out->first, out->second).dump());
}

HttpResponse PutEventInvokeConfigReplace(const Call& c) { return PutEventInvokeConfig(c, false); }
HttpResponse UpdateEventInvokeConfig(const Call& c) { return PutEventInvokeConfig(c, true); }

HttpResponse GetEventInvokeConfig(const Call& c) {
  auto out = c.service.GetEventInvokeConfig(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!out) return Error(out.error());
  return Json(200, EventInvokeConfigJson(out->first, out->second).dump());
}

HttpResponse DeleteEventInvokeConfig(const Call& c) {
  auto status = c.service.DeleteEventInvokeConfig(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse ListEventInvokeConfigs(const Call& c) {
  ojson configs = ojson::array();
  auto out = c.service.GetEventInvokeConfig(c.ctx, Name(c), "");
  if (out) {
    configs.push_back(EventInvokeConfigJson(out->first, out->second));
  } else if (out.error().message.starts_with("Function not found")) {
    return Error(out.error());
  }
  return Json(200, ojson{{"FunctionEventInvokeConfigs", configs}}.dump());
}

using Handler = HttpResponse (*)(const Call&);

struct Route {
  const char* method;
  std::regex pattern;
  Handler handler;
};

constexpr const char* kName = "([^/]+)";

const std::vector<Route>& Routes() {
  static const std::vector<Route> kRoutes = [] {
    const std::string fn = std::string("/2015-03-31/functions/") + kName;
    std::vector<Route> r;
    r.push_back({"POST", std::regex("/2015-03-31/functions/?"), CreateFunction});
    r.push_back({"GET", std::regex("/2015-03-31/functions/?"), ListFunctions});
    r.push_back({"GET", std::regex(fn + "/?"), GetFunction});
    r.push_back({"DELETE", std::regex(fn + "/?"), DeleteFunction});
    r.push_back({"GET", std::regex(fn + "/configuration/?"), GetFunctionConfiguration});
    r.push_back({"PUT", std::regex(fn + "/configuration/?"), UpdateFunctionConfiguration});
    r.push_back({"PUT", std::regex(fn + "/code/?"), UpdateFunctionCode});
    r.push_back({"POST", std::regex(fn + "/invocations/?"), Invoke});
    r.push_back({"POST",
                 std::regex(std::string("/2014-11-13/functions/") + kName + "/invoke-async/?"),
                 InvokeAsync});
    r.push_back({"PUT",
                 std::regex(std::string("/2017-10-31/functions/") + kName + "/concurrency/?"),
                 PutConcurrency});
    r.push_back({"GET",
                 std::regex(std::string("/2019-09-30/functions/") + kName + "/concurrency/?"),
                 GetConcurrency});
    r.push_back({"DELETE",
                 std::regex(std::string("/2017-10-31/functions/") + kName + "/concurrency/?"),
                 DeleteConcurrency});
    r.push_back({"POST", std::regex(fn + "/policy/?"), AddPermission});
    r.push_back({"GET", std::regex(fn + "/policy/?"), GetPolicy});
    r.push_back({"DELETE", std::regex(fn + "/policy/([^/]+)/?"), RemovePermission});
    r.push_back({"POST", std::regex(std::string("/2017-03-31/tags/") + kName + "/?"), TagResource});
    r.push_back(
        {"DELETE", std::regex(std::string("/2017-03-31/tags/") + kName + "/?"), UntagResource});
    r.push_back({"GET", std::regex(std::string("/2017-03-31/tags/") + kName + "/?"), ListTags});
    r.push_back({"GET", std::regex("/2016-08-19/account-settings/?"), GetAccountSettings});
    const std::string eic = std::string("/2019-09-25/functions/") + kName + "/event-invoke-config";
    r.push_back({"PUT", std::regex(eic + "/?"), PutEventInvokeConfigReplace});
    r.push_back({"POST", std::regex(eic + "/?"), UpdateEventInvokeConfig});
    r.push_back({"GET", std::regex(eic + "/?"), GetEventInvokeConfig});
    r.push_back({"DELETE", std::regex(eic + "/?"), DeleteEventInvokeConfig});
    r.push_back({"GET", std::regex(eic + "/list/?"), ListEventInvokeConfigs});
    return r;
  }();
  return kRoutes;
}

// Lambda operations offstage does not emulate, named in the error (botocore's model).
struct Unsupported {
  const char* method;
  std::regex pattern;
  const char* operation;
};

const std::vector<Unsupported>& UnsupportedRoutes() {
  static const std::vector<Unsupported> kRoutes = [] {
    const std::string fn = std::string("/20[0-9-]+/functions/") + kName;
    std::vector<Unsupported> r;
    r.push_back({"POST", std::regex(fn + "/versions/?"), "PublishVersion"});
    r.push_back({"GET", std::regex(fn + "/versions/?"), "ListVersionsByFunction"});
    r.push_back({"POST", std::regex(fn + "/aliases/?"), "CreateAlias"});
    r.push_back({"GET", std::regex(fn + "/aliases/?"), "ListAliases"});
    r.push_back({"GET", std::regex(fn + "/aliases/[^/]+/?"), "GetAlias"});
    r.push_back({"PUT", std::regex(fn + "/aliases/[^/]+/?"), "UpdateAlias"});
    r.push_back({"DELETE", std::regex(fn + "/aliases/[^/]+/?"), "DeleteAlias"});
    r.push_back(
        {"*", std::regex("/20[0-9-]+/event-source-mappings.*"), "EventSourceMapping operations"});
    r.push_back({"*", std::regex("/20[0-9-]+/layers.*"), "Layer operations"});
    r.push_back({"*", std::regex(fn + "/url/?"), "FunctionUrlConfig operations"});
    r.push_back({"*", std::regex("/20[0-9-]+/functions/[^/]+/urls/?"), "ListFunctionUrlConfigs"});
    r.push_back({"*", std::regex(fn + "/provisioned-concurrency/?"),
                 "ProvisionedConcurrencyConfig operations"});
    r.push_back(
        {"*", std::regex("/20[0-9-]+/code-signing-configs.*"), "CodeSigningConfig operations"});
    r.push_back(
        {"*", std::regex(fn + "/code-signing-config/?"), "FunctionCodeSigningConfig operations"});
    r.push_back({"*", std::regex(fn + "/runtime-management-config/?"),
                 "RuntimeManagementConfig operations"});
    r.push_back(
        {"*", std::regex(fn + "/recursion-config/?"), "FunctionRecursionConfig operations"});
    r.push_back(
        {"*", std::regex(fn + "/event-invoke-config.*"), "FunctionEventInvokeConfig operations"});
    r.push_back(
        {"POST", std::regex(fn + "/response-streaming-invocations/?"), "InvokeWithResponseStream"});
    return r;
  }();
  return kRoutes;
}

}  // namespace

bool IsLambdaPath(const std::string& path) {
  static const std::regex kDated(R"(/20\d\d-\d\d-\d\d/.*)");
  return std::regex_match(path, kDated);
}

HttpResponse LambdaCodec::RenderError(const common::ApiError& error) {
  const auto& info = error.info();
  ojson body = {{"Type", info.fault == common::Fault::kSender ? "User" : "Service"},
                {std::string(info.message_key), error.message}};
  if (!error.reason.empty()) body["Reason"] = error.reason;
  // An error message may quote client text that is not UTF-8 (a path, a name): dump() would
  // throw type_error 316 (found by tests/fuzz/lambda_codec_fuzz); replace such bytes instead.
  HttpResponse response{info.http_status,
                        "application/json",
                        body.dump(-1, ' ', false, ojson::error_handler_t::replace),
                        {}};
  response.headers.emplace_back("x-amzn-ErrorType", std::string(info.aws_code));
  if (error.code == ErrorCode::kLambdaTooManyRequests)
    response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse LambdaCodec::Handle(const common::RequestContext& ctx,
                                 const LambdaRequest& request) const {
  try {
    for (const Route& route : Routes()) {
      std::smatch match;
      if (request.method != route.method || !std::regex_match(request.path, match, route.pattern)) {
        continue;
      }
      return route.handler(Call{ctx, request, match, service_});
    }
    for (const Unsupported& route : UnsupportedRoutes()) {
      if (std::string_view(route.method) != "*" && request.method != route.method) continue;
      if (!std::regex_match(request.path, route.pattern)) continue;
      return Error({ErrorCode::kNotImplemented,
                    std::string("The Lambda operation ") + route.operation +
                        " is not implemented by offstage (see docs/compatibility.md)."});
    }
  } catch (const BadBody& bad) {
    return Error({ErrorCode::kLambdaInvalidRequestContent, bad.message});
  }
  return Error({ErrorCode::kLambdaUnknownOperation,
                "offstage has no Lambda operation at " + request.method + " " + request.path});
}

}  // namespace offstage::protocol
