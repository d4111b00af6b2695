#include "emulator/protocol/http_server.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/protocol/control_api.h"
#include "emulator/protocol/dashboard_assets.h"
#include "emulator/protocol/form.h"
#include "emulator/protocol/lambda_codec.h"
#include "emulator/protocol/sigv4.h"
#include "emulator/protocol/sns_codec.h"
#include "emulator/protocol/sqs_codec.h"
#include "emulator/protocol/sqs_query.h"

namespace offstage::protocol {
namespace {

std::string HttpDate() {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

// "us-west-2", "eu-central-1", "us-gov-west-1": lowercase words and a number, by dashes.
// A region some SDK would send: ASCII letters, digits, '-', '_' and '.', at most 63 (botocore
// allows letters, digits and hyphens; the Java and Go SDKs take names like local_dev too).
bool IsRegionName(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

bool IsRegion(std::string_view text) {
  if (text.empty() || text.size() > 32 || !std::isdigit(static_cast<unsigned char>(text.back()))) {
    return false;
  }
  for (char c : text) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return text.find('-') != std::string_view::npos;
}

bool IsAccountId(std::string_view text) {
  if (text.size() != 12) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Adds the request id and Date every AWS answer carries.
HttpResponse Stamp(HttpResponse reply, const std::string& request_id) {
  std::erase_if(reply.headers,
                [](const auto& header) { return header.first == "x-amzn-RequestId"; });
  reply.headers.emplace_back("x-amzn-RequestId", request_id);
  reply.headers.emplace_back("Date", HttpDate());
  return reply;
}

HttpResponse Plain(int status, std::string body, std::string content_type) {
  HttpResponse reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.content_type = std::move(content_type);
  return reply;
}

// "/prefix/<one segment>": the segment, or "" when the path is not of that shape.
std::string Segment(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return "";
  const std::string_view rest = path.substr(prefix.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) return "";
  return std::string(rest);
}

// A file of the dashboard, with the headers that keep it from being framed by another page
// (clickjacking its buttons) or from running any script but its own.
HttpResponse Dashboard(std::string_view name) {
  auto asset = FindDashboardAsset(name);
  if (!asset) {
    return HttpResponse{
        404, "text/plain", "the dashboard has no file " + std::string(name) + "\n", {}};
  }
  return HttpResponse{
      200,
      std::string(asset->content_type),
      std::string(asset->body),
      {{"Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
        "data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
       {"X-Frame-Options", "DENY"},
       {"X-Content-Type-Options", "nosniff"},
       {"Referrer-Policy", "no-referrer"},
       {"Cache-Control", "no-cache"}}};
}

std::map<std::string, std::string> SingleValued(
    const std::multimap<std::string, std::string>& all) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : all) out.emplace(key, value);
  return out;
}

// Bound to every address (the container), clients name the daemon by any service name.
BrowserPolicy BrowserPolicyFor(const ServerOptions& options, bool loopback) {
  BrowserPolicy policy;
  policy.cors_origins = options.cors_origins;
  policy.allowed_hosts = options.allowed_hosts;
  policy.check_host = loopback;
  return policy;
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, ListenSocket socket, Backends backends,
                       const common::Clock& clock, common::IdGenerator& ids, common::Logger& log)
    : options_(std::move(options)),
      clock_(clock),
      ids_(ids),
      log_(log),
      sns_codec_(std::make_unique<SnsCodec>(backends.sns)),
      lambda_codec_(std::make_unique<LambdaCodec>(backends.lambda, backends.mappings)),
      sqs_codec_(std::make_unique<SqsCodec>(backends.sqs)),
      control_(std::make_unique<ControlApi>(
          std::move(backends.health),
          ControlApi::Sources{backends.logs, backends.traces, backends.failures, backends.changes,
                              backends.pool, backends.sns, backends.lambda, backends.sqs,
                              backends.faults})),
      certificate_(std::move(backends.certificate)),
      attribute_(std::move(backends.attribute)),
      prune_(std::move(backends.prune)),
      stacks_(std::move(backends.stacks)),
      guard_(BrowserPolicyFor(options_, socket.loopback())),
      function_urls_(std::make_unique<FunctionUrlServer>(backends.lambda)),
      changes_(backends.changes) {
  ListenerOptions listener;
  listener.threads = options_.threads;
  listener.limits.max_body = 80 * 1024 * 1024;  // a 50 MB zip, base64-encoded, fits
  listener_ = std::make_unique<HttpListener>(
      std::move(socket), std::move(listener),
      [this](const HttpRequest& request) { return Handle(request); });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  thread_ = std::thread([this] { listener_->Serve(); });
  listener_->WaitUntilServing();
}

void HttpServer::Stop() {
  changes_.Close();  // the long polls answer now: none holds the stop up
  if (listener_) listener_->Stop();
  if (thread_.joinable()) thread_.join();
}

common::RequestContext HttpServer::Context(const HttpRequest& req) const {
  sns::RequestContext ctx;
  ctx.received_ns = clock_.NowNanos();
  ctx.request_id = ids_.Uuid();
  ctx.region = options_.default_region;
  ctx.account = options_.default_account;
  if (auto scope = ParseCredentialScope(req.Header("authorization"))) {
    ctx.region = scope->region;
    ctx.access_key_id = scope->access_key_id;
    if (IsAccountId(scope->access_key_id)) ctx.account = scope->access_key_id;
  }
  // offstage's own clients (the CLI) name the region and account a control request is for.
  if (const std::string region = req.Header("x-offstage-region"); IsRegion(region)) {
    ctx.region = region;
  }
  if (const std::string account = req.Header("x-offstage-account"); IsAccountId(account)) {
    ctx.account = account;
  }
  ctx.trace_header = req.Header("x-amzn-trace-id");
  if (attribute_) attribute_(ctx);
  return ctx;
}

HttpResponse HttpServer::Handle(const HttpRequest& request) {
  if (auto address = FunctionUrlServer::Match(request)) {
    // A function URL's own AuthType and CORS configuration govern it (a URL is meant to be
    // called from web pages); of the browser rules only the Host rule (DNS rebinding) applies.
    if (auto refused = guard_.ScreenHost(request)) return *refused;
    try {
      return function_urls_->Handle(request, *address, Context(request),
                                    [this](const HttpRequest& signed_request) {
                                      return !Refusal(signed_request, SignedApi::kLambda);
                                    });
    } catch (const std::exception& e) {
      log_.Error(std::string("internal error while serving a function URL: ") + e.what());
      return HttpResponse{500, "application/json", "Internal Server Error", {}};
    }
  }
  // Browser rules first, before any routing (DESIGN decision 14).
  if (auto screened = guard_.Screen(request)) return *screened;
  HttpResponse reply;
  try {
    reply = Route(request);
  } catch (const std::exception& e) {
    log_.Error(std::string("internal error while handling a request: ") + e.what());
    const std::string request_id = ids_.Uuid();
    reply = Stamp(SnsCodec::RenderError(
                      common::Internal(std::string("Internal error: ") + e.what()), request_id),
                  request_id);
  }
  guard_.Decorate(request, reply);
  return reply;
}

std::optional<common::ApiError> HttpServer::Refusal(const HttpRequest& req, SignedApi api) const {
  const bool lambda = api == SignedApi::kLambda;
  // The region names every ARN the request creates: one no SDK would send (IsRegionName; say,
  // bytes that are not UTF-8, or quotes) is refused as AWS refuses a scope it does not serve,
  // signature checks or not.
  if (auto scope = ParseCredentialScope(req.Header("authorization"));
      scope && !IsRegionName(scope->region)) {
    std::string shown = scope->region.substr(0, 64);
    if (!common::IsValidUtf8(shown)) shown = "(not UTF-8)";
    return common::ApiError{lambda ? common::ErrorCode::kLambdaInvalidSignature
                                   : common::ErrorCode::kSignatureDoesNotMatch,
                            "Credential should be scoped to a valid region, not '" + shown + "'. "};
  }
  if (!options_.verifier) return std::nullopt;
  SignedRequest signed_request;
  signed_request.method = req.method;
  const std::string_view target(req.target);
  const size_t q = target.find('?');
  signed_request.path = target.substr(0, q);
  if (q != std::string_view::npos) signed_request.query = target.substr(q + 1);
  signed_request.headers.assign(req.headers.begin(), req.headers.end());
  signed_request.body = req.method == "GET" ? std::string_view() : std::string_view(req.body);
  auto failure = options_.verifier->Verify(signed_request, RulesFor(api));
  if (!failure) return std::nullopt;
  return ToApiError(*failure, api);
}

std::optional<HttpResponse> HttpServer::Sqs(const HttpRequest& req) {
  if (req.method != "POST" && req.method != "GET") return std::nullopt;
  SqsCall call;
  const std::string target = req.Header("x-amz-target");
  if (req.method == "POST" && target.starts_with("AmazonSQS.")) {
    call.wire = SqsWire::kJson;
    call.action = target.substr(std::string_view("AmazonSQS.").size());
    call.input = req.body.empty() ? nlohmann::json::object() : common::ParseJson(req.body);
  } else {
    if (req.path.starts_with("/_offstage") || IsLambdaPath(req.path)) {
      return std::nullopt;
    }
    const std::string_view form =
        req.method == "POST" ? std::string_view(req.body) : std::string_view(req.query);
    auto params = FormParams::Parse(form);
    if (!params) return std::nullopt;
    const auto action = params->Get("Action");
    if (!action) return std::nullopt;
    const auto scope = ParseCredentialScope(req.Header("authorization"));
    // An action SQS does not have is SNS's to answer, unless an SQS client sent it (signed
    // for sqs): then SQS's error (InvalidAction, in SQS's XML), not SNS's.
    if (!SqsCodec::IsAction(*action) && !(scope && scope->service == "sqs")) return std::nullopt;
    // AddPermission and RemovePermission are SNS actions too: a request to POST / is SQS's
    // when it was signed for sqs (an SDK signs for the service it calls).
    const bool both = *action == "AddPermission" || *action == "RemovePermission";
    if (req.path == "/" && both && !(scope && scope->service == "sqs")) return std::nullopt;
    call.wire = SqsWire::kQuery;
    call.action = *action;
    call.input = SqsQueryInput(*params);
  }
  call.host = req.Header("host");
  call.path = req.path;
  const common::RequestContext ctx = Context(req);
  if (auto refused = Refusal(req, SignedApi::kSqs)) {
    return Stamp(SqsCodec::RenderError(*refused, call.wire, ctx.request_id), ctx.request_id);
  }
  if (call.input.is_discarded()) {
    return Stamp(SqsCodec::RenderError({common::ErrorCode::kSqsInvalidParameterValue,
                                        "The request body is not valid JSON."},
                                       call.wire, ctx.request_id),
                 ctx.request_id);
  }
  return Stamp(sqs_codec_->Handle(ctx, call), ctx.request_id);
}

// /_offstage/stacks[/NAME]: the stacks' hooks (Backends::Stacks); nullopt for another path.
std::optional<HttpResponse> HttpServer::Stacks(const HttpRequest& req) const {
  const std::string_view path = req.path;
  constexpr std::string_view kStacks = "/_offstage/stacks";
  if (!path.starts_with(kStacks)) return std::nullopt;
  std::string name;
  if (path.size() > kStacks.size()) {
    if (path[kStacks.size()] != '/') return std::nullopt;
    name = std::string(path.substr(kStacks.size() + 1));  // already percent-decoded
    if (name.empty()) return std::nullopt;
  }
  auto unavailable = [] {
    return common::Result<std::string>(
        common::Fail(common::Internal("stacks are not available in this daemon")));
  };
  common::Result<std::string> done = unavailable();
  int ok = 200;
  if (req.method == "GET") {
    done = stacks_.get ? stacks_.get(name) : unavailable();
  } else if (req.method == "POST" && name.empty()) {
    done = stacks_.deploy ? stacks_.deploy(req.body) : unavailable();
  } else if (req.method == "DELETE" && !name.empty()) {
    done = stacks_.destroy ? stacks_.destroy(name) : unavailable();
  } else {
    return std::nullopt;
  }
  if (done) return Plain(ok, *done, "application/json");
  const int status = done.error().code == common::ErrorCode::kNotFound        ? 404
                     : done.error().code == common::ErrorCode::kInternalError ? 500
                                                                              : 400;
  return Plain(status,
               nlohmann::json{{"error", done.error().message}}.dump(-1, ' ', false,
                                                                    common::kReplaceInvalidUtf8),
               "application/json");
}

HttpResponse HttpServer::Route(const HttpRequest& req) {
  const std::string& method = req.method;
  const std::string& path = req.path;

  // A browser opening the daemon's address (an HTML page asked for, no query, no signature)
  // is sent to the dashboard; API clients never ask for text/html.
  if (path == "/" && method == "GET" && req.query.empty() && !req.HasHeader("authorization") &&
      req.Header("accept").find("text/html") != std::string::npos) {
    return HttpResponse{
        302, "text/plain", "the dashboard is at /_offstage/\n", {{"Location", "/_offstage/"}}};
  }

  if (auto sqs_reply = Sqs(req)) return std::move(*sqs_reply);

  // SNS awsQuery: a form body on POST /; old clients and the SubscribeURL/UnsubscribeURL links
  // send the query in the URL of GET /.
  if (path == "/" && (method == "POST" || method == "GET")) {
    const sns::RequestContext ctx = Context(req);
    auto params = FormParams::Parse(method == "POST" ? std::string_view(req.body)
                                                     : std::string_view(req.query));
    // The SubscribeURL/UnsubscribeURL links are unsigned GETs, in AWS as here.
    const bool sns_link =
        method == "GET" && params && !req.HasHeader("authorization") &&
        !params->Has("X-Amz-Algorithm") &&
        (params->Get("Action") == std::optional<std::string>("ConfirmSubscription") ||
         params->Get("Action") == std::optional<std::string>("Unsubscribe"));
    if (auto refused = sns_link ? std::nullopt : Refusal(req, SignedApi::kSns)) {
      return Stamp(SnsCodec::RenderError(*refused, ctx.request_id), ctx.request_id);
    }
    return Stamp(params ? sns_codec_->Handle(ctx, *params)
                        : SnsCodec::RenderError(params.error(), ctx.request_id),
                 ctx.request_id);
  }

  // Lambda's REST-JSON API, whatever the Content-Type (curl -d sends a form type).
  if (IsLambdaPath(path) &&
      (method == "GET" || method == "POST" || method == "PUT" || method == "DELETE")) {
    const sns::RequestContext ctx = Context(req);
    if (auto refused = Refusal(req, SignedApi::kLambda)) {
      return Stamp(LambdaCodec::RenderError(*refused), ctx.request_id);
    }
    LambdaRequest request;
    request.method = method;
    request.path = path;
    request.query = req.QueryParams();
    for (const auto& [name, value] : req.headers) request.headers.emplace(name, value);
    request.body = req.body;
    HttpResponse reply = lambda_codec_->Handle(ctx, request);
    std::string request_id = ctx.request_id;
    for (const auto& [name, value] : reply.headers) {
      if (name == "x-amzn-RequestId") request_id = value;
    }
    return Stamp(std::move(reply), request_id);
  }

  // The control API (/_offstage/...): JSON in, JSON out.
  if (auto stack_reply = Stacks(req)) return std::move(*stack_reply);
  if (method == "GET") {
    if (path == "/_offstage" || path == "/_offstage/") return Dashboard("index.html");
    if (auto name = Segment(path, "/_offstage/ui/"); !name.empty()) return Dashboard(name);
    if (path == "/_offstage/health") return control_->Health();
    if (path == sns::kCertificatePath) {
      auto pem = certificate_ ? certificate_() : common::Result<std::string>("");
      if (!pem || pem->empty()) {
        return Plain(500, pem ? "no certificate" : pem.error().message, "text/plain");
      }
      return Plain(200, *pem, "application/x-x509-ca-cert");
    }
    if (path == "/_offstage/traces") return control_->Traces(SingleValued(req.QueryParams()));
    if (auto id = Segment(path, "/_offstage/traces/"); !id.empty()) return control_->Trace(id);
    if (constexpr std::string_view kWaterfall = "/waterfall"; path.ends_with(kWaterfall)) {
      const std::string_view traced(path.data(), path.size() - kWaterfall.size());
      if (auto id = Segment(traced, "/_offstage/traces/"); !id.empty()) {
        return control_->Waterfall(id);
      }
    }
    if (path == "/_offstage/failures") return control_->Failures(SingleValued(req.QueryParams()));
    if (path == "/_offstage/changes") return control_->Changes(SingleValued(req.QueryParams()));
    if (auto id = Segment(path, "/_offstage/invocations/"); !id.empty()) {
      return control_->Invocation(id);
    }
    if (path == "/_offstage/topics") {
      return control_->Topics(Context(req), SingleValued(req.QueryParams()));
    }
    if (path == "/_offstage/functions") {
      return control_->Functions(Context(req), SingleValued(req.QueryParams()));
    }
    if (path == "/_offstage/logs") {
      return control_->Logs(Context(req), SingleValued(req.QueryParams()));
    }
    if (path == "/_offstage/queues") return control_->Queues(Context(req));
    if (path == "/_offstage/replay/dlq") {
      return control_->DlqReplayStatus(Context(req), SingleValued(req.QueryParams()));
    }
    if (path == "/_offstage/faults") return control_->Faults();
  }
  if (method == "DELETE" && path == "/_offstage/faults") {
    return control_->ClearFaults(SingleValued(req.QueryParams()));
  }
  if (method == "POST") {
    using Action =
        HttpResponse (ControlApi::*)(const common::RequestContext&, const std::string&) const;
    static const std::map<std::string, Action, std::less<>> actions = {
        {"/_offstage/replay/message", &ControlApi::ReplayMessage},
        {"/_offstage/replay/invocation", &ControlApi::ReplayInvocation},
        {"/_offstage/replay/failed", &ControlApi::ReplayFailed},
        {"/_offstage/publish", &ControlApi::Publish},
        {"/_offstage/invoke", &ControlApi::Invoke},
        {"/_offstage/send", &ControlApi::Send},
        {"/_offstage/receive", &ControlApi::Receive},
        {"/_offstage/replay/dlq", &ControlApi::ReplayDlq},
    };
    if (auto it = actions.find(path); it != actions.end()) {
      return (control_.get()->*(it->second))(Context(req), req.body);
    }
    if (path == "/_offstage/faults") return control_->AddFault(req.body);
    if (path == "/_offstage/prune") {
      auto done = prune_ ? prune_()
                         : common::Result<std::string>(
                               common::Fail(common::Internal("retention is not available")));
      if (done) return Plain(200, *done, "application/json");
      return Plain(done.error().code == common::ErrorCode::kInvalidParameter ? 409 : 503,
                   nlohmann::json{{"error", done.error().message}}.dump(
                       -1, ' ', false, common::kReplaceInvalidUtf8),
                   "application/json");
    }
  }

  HttpResponse missing;
  missing.status = 404;
  missing.content_type = "application/json";
  missing.headers.emplace_back("x-amzn-RequestId", ids_.Uuid());
  missing.headers.emplace_back("x-amzn-ErrorType", "UnknownOperationException");
  missing.body = nlohmann::json{{"Type", "User"},
                                {"message", "offstage has no operation at " + method + " " + path}}
                     .dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  return missing;
}

}  // namespace offstage::protocol
