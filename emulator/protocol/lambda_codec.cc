// LambdaCodec: the Lambda REST-JSON action table (one row per action, one handler each) and the
// one error renderer; the JSON shapes it reads and writes are in lambda_shapes.h. Stateless
// apart from the service reference; safe on any thread.
#include "emulator/protocol/lambda_codec.h"

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/protocol/event_stream.h"
#include "emulator/protocol/lambda_call.h"
#include "emulator/protocol/lambda_shapes.h"

namespace offstage::protocol {
namespace {

using common::ErrorCode;
using nlohmann::json;
using ojson = nlohmann::ordered_json;
using lambda_codec::Call;
using lambda_codec::Error;
using lambda_codec::Header;
using lambda_codec::Json;
using lambda_codec::MaxItems;
using lambda_codec::Name;
using lambda_codec::Query;
using lambda_shapes::BadBody;
using lambda_shapes::Bool;
using lambda_shapes::Configuration;
using lambda_shapes::DecodeCode;
using lambda_shapes::DecodeConfig;
using lambda_shapes::EventInvokeConfigJson;
using lambda_shapes::Int;
using lambda_shapes::Object;
using lambda_shapes::ParseBody;
using lambda_shapes::String;
using lambda_shapes::StringMap;

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
  const bool publish = Bool(body, "Publish").value_or(false);
  auto created = c.service.CreateFunction(c.ctx, std::move(in));
  if (!created) return Error(created.error());
  if (publish) {
    // AWS answers with the version's number and the unqualified ARN.
    auto version =
        // Of exactly what this request made: a change committed in between fails the publish
        // (PreconditionFailed) rather than being published in its place.
        c.service.PublishVersion(c.ctx, created->arn, created->code.sha256, std::nullopt,
                                 created->revision_id);
    if (!version) return Error(version.error());
    return Json(201, Configuration(*version, true, created->arn)
                         .dump(-1, ' ', false, common::kReplaceInvalidUtf8));
  }
  return Json(201, Configuration(*created, true).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse ListFunctions(const Call& c) {
  std::optional<std::string> marker;
  if (auto m = Query(c.req, "Marker"); !m.empty()) marker = m;
  auto max_items = MaxItems(c);
  if (!max_items) return Error(max_items.error());
  auto page = c.service.ListFunctions(c.ctx, marker, *max_items);
  if (!page) return Error(page.error());
  ojson functions = ojson::array();
  for (const auto& f : page->functions) functions.push_back(Configuration(f, false));
  ojson out = {{"Functions", functions}};
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  return Json(200, out.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse GetFunction(const Call& c) {
  auto resolved = c.service.GetFunctionAt(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!resolved) return Error(resolved.error());
  const lambda::Function* f = &resolved->function;
  ojson out = {
      {"Configuration", Configuration(*f, true, resolved->arn)},
      {"Code",
       {{"RepositoryType", f->code.local_dir ? "Local" : "S3"}, {"Location", f->code.dir}}}};
  if (!f->tags.empty()) out["Tags"] = f->tags;
  if (f->reserved_concurrency) {
    out["Concurrency"] = {{"ReservedConcurrentExecutions", *f->reserved_concurrency}};
  }
  return Json(200, out.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse GetFunctionConfiguration(const Call& c) {
  auto resolved = c.service.GetFunctionAt(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!resolved) return Error(resolved.error());
  return Json(200, Configuration(resolved->function, true, resolved->arn)
                       .dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse UpdateFunctionCode(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto code = DecodeCode(body);
  if (!code) return Error(code.error());
  const bool dry_run = Bool(body, "DryRun").value_or(false);
  auto f = c.service.UpdateFunctionCode(c.ctx, Name(c), std::move(*code),
                                        String(body, "RevisionId"), dry_run);
  if (!f) return Error(f.error());
  if (Bool(body, "Publish").value_or(false) && !dry_run) {
    auto version =
        c.service.PublishVersion(c.ctx, f->arn, f->code.sha256, std::nullopt, f->revision_id);
    if (!version) return Error(version.error());
    return Json(200,
                Configuration(*version, true).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
  }
  return Json(200, Configuration(*f, true).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse UpdateFunctionConfiguration(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto f = c.service.UpdateFunctionConfiguration(c.ctx, Name(c), DecodeConfig(body));
  if (!f) return Error(f.error());
  return Json(200, Configuration(*f, true).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse DeleteFunction(const Call& c) {
  auto status = c.service.DeleteFunction(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

// The request of Invoke (`streaming` false: RequestResponse, Event or DryRun) or
// InvokeWithResponseStream (RequestResponse or DryRun): its name, qualifier, payload and
// headers, checked as AWS checks them; the ValidationException or InvalidRequestContent
// answer when they are not.
std::optional<common::ApiError> ReadInvokeRequest(const Call& c, bool streaming,
                                                  lambda::InvokeInput& in) {
  in.function_name = Name(c);
  in.qualifier = Query(c.req, "Qualifier");
  in.payload = c.req.body;
  const std::string type = Header(c.req, "x-amz-invocation-type");
  if (type.empty() || type == "RequestResponse") {
    in.type = lambda::InvocationType::kRequestResponse;
  } else if (type == "Event" && !streaming) {
    in.type = lambda::InvocationType::kEvent;
  } else if (type == "DryRun") {
    in.type = lambda::InvocationType::kDryRun;
  } else {
    return common::ApiError{
        ErrorCode::kLambdaValidation,
        "1 validation error detected: Value '" + type +
            "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value "
            "set: " +
            (streaming ? "[RequestResponse, DryRun]" : "[Event, RequestResponse, DryRun]")};
  }
  const std::string log_type = Header(c.req, "x-amz-log-type");
  if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
    return common::ApiError{ErrorCode::kLambdaValidation,
                            "1 validation error detected: Value '" + log_type +
                                "' at 'logType' failed to satisfy constraint: Member must "
                                "satisfy enum value set: [Tail, None]"};
  }
  in.tail_log = log_type == "Tail" && in.type == lambda::InvocationType::kRequestResponse;
  if (const std::string context = Header(c.req, "x-amz-client-context"); !context.empty()) {
    auto decoded = common::Base64Decode(context);
    if (!decoded || context.size() > 3583 || common::ParseJson<json>(*decoded).is_discarded()) {
      return common::ApiError{ErrorCode::kLambdaInvalidRequestContent,
                              "Client context must be a valid Base64-encoded JSON object."};
    }
    in.client_context = std::move(*decoded);
  }
  return std::nullopt;
}

HttpResponse Invoke(const Call& c) {
  lambda::InvokeInput in;
  if (auto refused = ReadInvokeRequest(c, /*streaming=*/false, in)) return Error(*refused);
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

// InvokeWithResponseStream's answer: AWS's event stream, a PayloadChunk per chunk the function
// streams (a buffered function's whole answer as one), then InvokeComplete; the head goes out
// with the first chunk (or at the end), so a refusal before the function ran (not found,
// throttled) is an ordinary error answer.
class EventStreamSink final : public lambda::InvokeSink {
 public:
  explicit EventStreamSink(ResponseStream& out) : out_(out) {}
  void Running(const std::string& executed_version) override { version_ = executed_version; }
  void Begin(const std::string&) override { Head(); }
  void Write(std::string_view bytes) override {
    Head();
    out_.Write(EventStreamEvent("PayloadChunk", "application/octet-stream", bytes));
  }
  void Head() {
    if (out_.begun()) return;
    out_.Begin(HttpResponse{
        200, "application/vnd.amazon.eventstream", "", {{"X-Amz-Executed-Version", version_}}});
  }

 private:
  ResponseStream& out_;
  std::string version_ = "$LATEST";
};

HttpResponse InvokeWithResponseStream(const Call& c) {
  lambda::InvokeInput in;
  if (auto refused = ReadInvokeRequest(c, /*streaming=*/true, in)) return Error(*refused);
  if (in.type == lambda::InvocationType::kDryRun) {
    auto out = c.service.Invoke(c.ctx, in);
    if (!out) return Error(out.error());
    return HttpResponse{204, "", ""};
  }
  HttpResponse response;
  // Runs on the listener's worker after this returns: it owns copies of what it uses.
  response.stream = [&service = c.service, ctx = c.ctx,
                     in = std::move(in)](ResponseStream& out) mutable -> HttpResponse {
    EventStreamSink sink(out);
    in.sink = &sink;
    auto result = service.Invoke(ctx, in);
    if (!result) return Error(result.error());
    sink.Head();
    if (!result->streamed && !result->function_error && !result->payload.empty()) {
      sink.Write(result->payload);
    }
    ojson complete = ojson::object();
    if (result->function_error) {
      complete["ErrorCode"] = *result->function_error;
      complete["ErrorDetails"] = result->payload;
    }
    if (result->log_tail) complete["LogResult"] = common::Base64Encode(*result->log_tail);
    out.Write(EventStreamEvent("InvokeComplete", "application/json",
                               complete.dump(-1, ' ', false, common::kReplaceInvalidUtf8)));
    return HttpResponse{};
  };
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
  return Json(200, json{{"ReservedConcurrentExecutions", *out}}.dump(-1, ' ', false,
                                                                     common::kReplaceInvalidUtf8));
}

HttpResponse GetConcurrency(const Call& c) {
  auto out = c.service.GetFunctionConcurrency(c.ctx, Name(c));
  if (!out) return Error(out.error());
  json body = json::object();
  if (*out) body["ReservedConcurrentExecutions"] = **out;
  return Json(200, body.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
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
  in.qualifier = Query(c.req, "Qualifier");
  auto statement = c.service.AddPermission(c.ctx, Name(c), in);
  if (!statement) return Error(statement.error());
  return Json(201,
              json{{"Statement", *statement}}.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse RemovePermission(const Call& c) {
  auto status =
      c.service.RemovePermission(c.ctx, Name(c), c.match[2].str(), Query(c.req, "Qualifier"));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse GetPolicy(const Call& c) {
  auto policy = c.service.GetPolicy(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!policy) return Error(policy.error());
  return Json(200, json{{"Policy", policy->first}, {"RevisionId", policy->second}}.dump(
                       -1, ' ', false, common::kReplaceInvalidUtf8));
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
  return Json(200, json{{"Tags", *tags}}.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
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
  return Json(200, out.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
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
  return Json(200, EventInvokeConfigJson(out->first, out->second)
                       .dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse PutEventInvokeConfigReplace(const Call& c) { return PutEventInvokeConfig(c, false); }
HttpResponse UpdateEventInvokeConfig(const Call& c) { return PutEventInvokeConfig(c, true); }

HttpResponse GetEventInvokeConfig(const Call& c) {
  auto out = c.service.GetEventInvokeConfig(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!out) return Error(out.error());
  return Json(200, EventInvokeConfigJson(out->first, out->second)
                       .dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse DeleteEventInvokeConfig(const Call& c) {
  auto status = c.service.DeleteEventInvokeConfig(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse ListEventInvokeConfigs(const Call& c) {
  auto configs = c.service.ListEventInvokeConfigs(c.ctx, Name(c));
  if (!configs) return Error(configs.error());
  ojson list = ojson::array();
  for (const auto& [arn, config] : *configs) list.push_back(EventInvokeConfigJson(arn, config));
  return Json(200, ojson{{"FunctionEventInvokeConfigs", list}}.dump(-1, ' ', false,
                                                                    common::kReplaceInvalidUtf8));
}

using Handler = HttpResponse (*)(const Call&);

struct Route {
  const char* method;
  std::regex pattern;
  Handler handler;
};

constexpr const char* kName = "([^/]+)";
constexpr size_t kMaxPath = 1024;

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
                 std::regex(std::string("/2021-11-15/functions/") + kName +
                            "/response-streaming-invocations/?"),
                 InvokeWithResponseStream});
    r.push_back({"POST", std::regex(fn + "/versions/?"), lambda_codec::PublishVersion});
    r.push_back({"GET", std::regex(fn + "/versions/?"), lambda_codec::ListVersionsByFunction});
    r.push_back({"POST", std::regex(fn + "/aliases/?"), lambda_codec::CreateAlias});
    r.push_back({"GET", std::regex(fn + "/aliases/?"), lambda_codec::ListAliases});
    r.push_back({"GET", std::regex(fn + "/aliases/([^/]+)/?"), lambda_codec::GetAlias});
    r.push_back({"PUT", std::regex(fn + "/aliases/([^/]+)/?"), lambda_codec::UpdateAlias});
    r.push_back({"DELETE", std::regex(fn + "/aliases/([^/]+)/?"), lambda_codec::DeleteAlias});
    const std::string url = std::string("/2021-10-31/functions/") + kName;
    r.push_back({"POST", std::regex(url + "/url/?"), lambda_codec::CreateFunctionUrlConfig});
    r.push_back({"GET", std::regex(url + "/url/?"), lambda_codec::GetFunctionUrlConfig});
    r.push_back({"PUT", std::regex(url + "/url/?"), lambda_codec::UpdateFunctionUrlConfig});
    r.push_back({"DELETE", std::regex(url + "/url/?"), lambda_codec::DeleteFunctionUrlConfig});
    r.push_back({"GET", std::regex(url + "/urls/?"), lambda_codec::ListFunctionUrlConfigs});
    const std::string layer = std::string("/2018-10-31/layers/") + kName;
    const std::string lv = layer + "/versions/([^/]+)";
    r.push_back({"GET", std::regex("/2018-10-31/layers/?"), lambda_codec::ListLayers});
    r.push_back({"POST", std::regex(layer + "/versions/?"), lambda_codec::PublishLayerVersion});
    r.push_back({"GET", std::regex(layer + "/versions/?"), lambda_codec::ListLayerVersions});
    r.push_back({"GET", std::regex(lv + "/?"), lambda_codec::GetLayerVersion});
    r.push_back({"DELETE", std::regex(lv + "/?"), lambda_codec::DeleteLayerVersion});
    r.push_back({"POST", std::regex(lv + "/policy/?"), lambda_codec::AddLayerVersionPermission});
    r.push_back({"GET", std::regex(lv + "/policy/?"), lambda_codec::GetLayerVersionPolicy});
    r.push_back({"DELETE", std::regex(lv + "/policy/([^/]+)/?"),
                 lambda_codec::RemoveLayerVersionPermission});
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
    const std::string esm = "/2015-03-31/event-source-mappings";
    r.push_back({"POST", std::regex(esm + "/?"), lambda_codec::CreateEventSourceMapping});
    r.push_back({"GET", std::regex(esm + "/?"), lambda_codec::ListEventSourceMappings});
    r.push_back({"GET", std::regex(esm + "/([^/]+)/?"), lambda_codec::GetEventSourceMapping});
    r.push_back({"PUT", std::regex(esm + "/([^/]+)/?"), lambda_codec::UpdateEventSourceMapping});
    r.push_back({"DELETE", std::regex(esm + "/([^/]+)/?"), lambda_codec::DeleteEventSourceMapping});
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
    return r;
  }();
  return kRoutes;
}

}  // namespace

bool IsLambdaPath(std::string_view path) {
  // By hand, not by a regular expression: libstdc++'s recursive matcher overflowed the stack
  // on ".*" over a 60,000-character path.
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(path[i]))) return false;
    }
    return true;
  };
  return path.size() >= 12 && path[0] == '/' && digits(1, 4) && path[5] == '-' && digits(6, 2) &&
         path[8] == '-' && digits(9, 2) && path[11] == '/';
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
                        body.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                        {}};
  response.headers.emplace_back("x-amzn-ErrorType", std::string(info.aws_code));
  if (error.code == ErrorCode::kLambdaTooManyRequests)
    response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse LambdaCodec::Handle(const common::RequestContext& ctx,
                                 const LambdaRequest& request) const {
  // The route table is regular expressions: no path longer than any route can be (a function
  // ARN is at most 170 characters) reaches them (libstdc++'s recursive matcher overflowed the
  // stack on a 60,000-character function name).
  if (request.path.size() > kMaxPath) {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: the request path is " +
                      std::to_string(request.path.size()) +
                      " characters long; a function name or ARN has at most 170"});
  }
  try {
    for (const Route& route : Routes()) {
      std::smatch match;
      if (request.method != route.method || !std::regex_match(request.path, match, route.pattern)) {
        continue;
      }
      return route.handler(Call{ctx, request, match, service_, mappings_});
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
