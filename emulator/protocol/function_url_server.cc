// FunctionUrlServer (function_url_server.h): a request to a function URL becomes AWS's payload
// format 2.0 event and a synchronous invocation; the function's answer becomes the HTTP
// response as AWS maps it (LambdaService's versions resolve an alias). AWS's behaviour as
// recorded against AWS (LocalStack's TestLambdaURL snapshots) and its developer guide
// ("Invoking Lambda function URLs"). Thread model: stateless; any listener worker.
#include "emulator/protocol/function_url_server.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::protocol {
namespace {

using nlohmann::json;

constexpr std::string_view kPathPrefix = "/lambda-url/";
constexpr std::string_view kForbidden =
    R"({"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: )"
    R"(https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"})";

HttpResponse Denied(std::string body) {
  HttpResponse response{403, "application/json", std::move(body), {}};
  response.headers.emplace_back("x-amzn-ErrorType", "AccessDeniedException");
  return response;
}

// What a caller gets when the function failed or answered something unusable, as AWS answers.
HttpResponse BadGateway() {
  return HttpResponse{502, "application/json", "Internal Server Error", {}};
}

// Sent as text: text/*, JSON, XML and JavaScript; every other body (none named included) is
// base64, as AWS's payload format 2.0 does.
bool TextBody(std::string_view content_type) {
  const std::string type = common::ToLower(content_type.substr(0, content_type.find(';')));
  return type.starts_with("text/") || type == "application/json" || type == "application/xml" ||
         type == "application/javascript" || type.ends_with("+json") || type.ends_with("+xml");
}

std::string ClfTime(int64_t ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
               std::isxdigit(text[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

json Event(const HttpRequest& req, const UrlAddress& address, const lambda::UrlView& url,
           const common::RequestContext& ctx, const std::string& host) {
  json headers = json::object();
  json cookies = json::array();
  for (const auto& [name, value] : req.headers) {
    if (name == "connection") continue;
    if (name == "cookie") {
      for (const auto& cookie : common::Split(value, ';')) {
        std::string_view c = cookie;
        while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
        if (!c.empty()) cookies.push_back(std::string(c));
      }
      continue;
    }
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + "," + value;
    } else {
      headers[name] = value;
    }
  }
  headers["x-forwarded-for"] = req.peer;
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] = "Root=" + ctx.trace_id;
  json event = {{"version", "2.0"},
                {"routeKey", "$default"},
                {"rawPath", address.path},
                {"rawQueryString", req.query}};
  if (!cookies.empty()) event["cookies"] = cookies;
  event["headers"] = headers;
  if (!req.query.empty()) {
    json params = json::object();
    for (const auto& pair : common::Split(req.query, '&')) {
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string key = PercentDecode(pair.substr(0, eq));
      const std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
      params[key] = params.contains(key) ? params[key].get<std::string>() + "," + value : value;
    }
    event["queryStringParameters"] = params;
  }
  const std::string user_agent = req.Header("user-agent");
  json context = {
      {"accountId", url.config.auth_type == "AWS_IAM" ? json(ctx.account) : json("anonymous")},
      {"apiId", url.config.url_id},
      {"domainName", host},
      {"domainPrefix", url.config.url_id},
      {"http",
       {{"method", req.method},
        {"path", address.path},
        {"protocol", "HTTP/1.1"},
        {"sourceIp", req.peer},
        {"userAgent", user_agent}}},
      {"requestId", ctx.request_id},
      {"routeKey", "$default"},
      {"stage", "$default"},
      {"time", ClfTime(ctx.received_ns)},
      {"timeEpoch", ctx.received_ns / 1'000'000}};
  if (url.config.auth_type == "AWS_IAM") {
    context["authorizer"] = {{"iam",
                              {{"accessKey", ctx.access_key_id},
                               {"accountId", ctx.account},
                               {"callerId", ctx.access_key_id},
                               {"cognitoIdentity", nullptr},
                               {"principalOrgId", nullptr},
                               {"userArn", "arn:aws:iam::" + ctx.account + ":user/offstage"},
                               {"userId", ctx.access_key_id}}}};
  }
  event["requestContext"] = context;
  if (!req.body.empty()) {
    const bool text = TextBody(req.Header("content-type")) && common::IsValidUtf8(req.body);
    event["body"] = text ? req.body : common::Base64Encode(req.body);
    event["isBase64Encoded"] = !text;
  } else {
    event["isBase64Encoded"] = false;
  }
  return event;
}

// The function's answer as AWS maps it: an object with a statusCode is a response (status,
// headers, cookies, body, isBase64Encoded); any other JSON is the body of a 200 (a string
// without its quotes).
HttpResponse MapAnswer(const std::string& payload) {
  HttpResponse response{200, "application/json", "", {}};
  const json answer = common::ParseJson(payload);
  if (answer.is_discarded()) {
    response.body = payload;
    return response;
  }
  if (!answer.is_object() || !answer.contains("statusCode")) {
    response.body = answer.is_string() ? answer.get<std::string>()
                                       : answer.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    return response;
  }
  const json& status = answer["statusCode"];
  if (status.is_number_integer()) {
    response.status = status.get<int>();
  } else if (status.is_string()) {
    try {
      response.status = std::stoi(status.get<std::string>());
    } catch (const std::exception&) {
      return BadGateway();
    }
  }
  if (response.status < 200 || response.status > 599) {
    return BadGateway();
  }
  if (auto headers = answer.find("headers"); headers != answer.end() && headers->is_object()) {
    for (const auto& [name, value] : headers->items()) {
      const std::string text = value.is_string()
                                   ? value.get<std::string>()
                                   : value.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
      // A header that would split the response is dropped.
      if (name.find_first_of("\r\n:") != std::string::npos ||
          text.find_first_of("\r\n") != std::string::npos) {
        continue;
      }
      if (common::ToLower(name) == "content-type") {
        response.content_type = text;
      } else {
        response.headers.emplace_back(name, text);
      }
    }
  }
  if (auto cookies = answer.find("cookies"); cookies != answer.end() && cookies->is_array()) {
    for (const auto& cookie : *cookies) {
      if (cookie.is_string() &&
          cookie.get<std::string>().find_first_of("\r\n") == std::string::npos) {
        response.headers.emplace_back("Set-Cookie", cookie.get<std::string>());
      }
    }
  }
  if (auto body = answer.find("body"); body != answer.end() && !body->is_null()) {
    response.body = body->is_string() ? body->get<std::string>()
                                      : body->dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    if (auto b64 = answer.find("isBase64Encoded");
        b64 != answer.end() && b64->is_boolean() && b64->get<bool>()) {
      auto decoded = common::Base64Decode(response.body);
      if (!decoded) return BadGateway();
      response.body = std::move(*decoded);
    }
  }
  return response;
}

// A RESPONSE_STREAM URL's answer as the function streams it: with HttpResponseStream.from's
// content type, a JSON prelude (statusCode, headers, cookies) and 8 NUL bytes come first and
// make the head; otherwise the head is a 200 of the stream's content type. The body follows
// chunk by chunk.
class UrlStreamSink final : public lambda::InvokeSink {
 public:
  explicit UrlStreamSink(ResponseStream& out) : out_(out) {}
  void Running(const std::string&) override {}
  void Begin(const std::string& content_type) override {
    prelude_ = content_type == "application/vnd.awslambda.http-integration-response";
    if (!prelude_) out_.Begin(HttpResponse{200, content_type, ""});
  }
  void Write(std::string_view bytes) override {
    if (out_.begun()) {
      out_.Write(bytes);
      return;
    }
    pending_.append(bytes.data(), bytes.size());
    static constexpr std::string_view kDelimiter("\0\0\0\0\0\0\0\0", 8);
    const size_t end = pending_.find(kDelimiter);
    if (end == std::string::npos) {
      // API Gateway's rule: the prelude is within the first 16 KB.
      if (pending_.size() > 16 * 1024) Fallback();
      return;
    }
    HttpResponse head = MapAnswer(pending_.substr(0, end));
    head.body.clear();
    out_.Begin(head);
    out_.Write(std::string_view(pending_).substr(end + kDelimiter.size()));
    pending_.clear();
  }
  // The stream ended: whatever is still held (a prelude never completed) goes as a 200 body.
  void Finish() {
    if (!out_.begun() && prelude_) Fallback();
  }

 private:
  void Fallback() {
    out_.Begin(HttpResponse{200, "application/octet-stream", ""});
    out_.Write(pending_);
    pending_.clear();
  }

  ResponseStream& out_;
  bool prelude_ = false;
  std::string pending_;
};

bool Listed(const std::vector<std::string>& values, std::string_view value) {
  for (const auto& v : values) {
    if (v == "*" || common::ToLower(v) == common::ToLower(value)) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

}  // namespace

std::optional<UrlAddress> FunctionUrlServer::Match(const HttpRequest& request) {
  // Every request passes here: the regular expression only runs on a Host that names a URL.
  static const std::regex kHost(R"(([a-z0-9]{32})\.lambda-url\.[a-z0-9-]+\.localhost(:\d+)?)",
                                std::regex::icase);
  const std::string host = request.Header("host");
  std::smatch match;
  // A DNS name is at most 253 characters: a longer Host never reaches the regular expression
  // (libstdc++'s recursive matcher overflowed the stack on a 60,000-character one).
  if (host.size() > 33 && host.size() <= 253 && host[32] == '.' &&
      host.find(".lambda-url.") == 32 && std::regex_match(host, match, kHost)) {
    return UrlAddress{common::ToLower(match[1].str()), request.path.empty() ? "/" : request.path};
  }
  if (!request.path.starts_with(kPathPrefix)) return std::nullopt;
  const std::string rest = request.path.substr(kPathPrefix.size());
  const size_t slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  if (id.size() != 32) return std::nullopt;
  return UrlAddress{id, slash == std::string::npos ? "/" : rest.substr(slash)};
}

HttpResponse FunctionUrlServer::Handle(const HttpRequest& request, const UrlAddress& address,
                                       const common::RequestContext& ctx,
                                       const Verifier& verified) const {
  auto url = lambda_.FindUrl(address.url_id);
  if (!url) return Denied(R"({"Message":null})");  // AWS's answer for an unknown URL id
  const std::string origin = request.Header("origin");
  const std::optional<lambda::UrlCors>& cors = url->config.cors;
  const bool origin_allowed = cors && !origin.empty() && Listed(cors->allow_origins, origin);
  auto decorate = [&](HttpResponse& response) {
    response.headers.emplace_back("x-amzn-RequestId", ctx.request_id);
    if (!origin_allowed) return;
    const bool any = Listed(cors->allow_origins, "*") && !cors->allow_credentials;
    response.headers.emplace_back("Access-Control-Allow-Origin", any ? "*" : origin);
    if (!any) response.headers.emplace_back("Vary", "Origin");
    if (cors->allow_credentials) {
      response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    }
    if (!cors->expose_headers.empty()) {
      response.headers.emplace_back("Access-Control-Expose-Headers", Join(cors->expose_headers));
    }
  };
  // A CORS preflight is answered from the URL's configuration; the function is not invoked.
  if (request.method == "OPTIONS" && cors && !origin.empty() &&
      request.HasHeader("access-control-request-method")) {
    HttpResponse preflight{200, "", "", {}};
    decorate(preflight);
    if (origin_allowed) {
      const std::string method = request.Header("access-control-request-method");
      if (!cors->allow_methods.empty() && Listed(cors->allow_methods, method)) {
        preflight.headers.emplace_back("Access-Control-Allow-Methods", Join(cors->allow_methods));
      }
      if (!cors->allow_headers.empty()) {
        preflight.headers.emplace_back("Access-Control-Allow-Headers", Join(cors->allow_headers));
      }
      if (cors->max_age) {
        preflight.headers.emplace_back("Access-Control-Max-Age", std::to_string(*cors->max_age));
      }
    }
    return preflight;
  }
  // AWS_IAM: the request must be signed (its presence is checked; with --verify-signatures,
  // its signature too).
  if (url->config.auth_type == "AWS_IAM" &&
      (!request.HasHeader("authorization") || !verified(request))) {
    HttpResponse denied = Denied(std::string(kForbidden));
    decorate(denied);
    return denied;
  }
  std::string host = request.Header("host");
  if (host.find(".lambda-url.") == std::string::npos) {
    host = address.url_id + ".lambda-url." + ctx.region + ".localhost";
  }
  lambda::InvokeInput in;
  in.function_name = url->function_arn;
  in.type = lambda::InvocationType::kRequestResponse;
  in.payload =
      Event(request, address, *url, ctx, host).dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  // The answer when nothing was streamed: a buffered function's, mapped as AWS maps it.
  auto settle = [](const common::Result<lambda::InvokeOutput>& out) {
    if (!out) {
      return out.error().code == common::ErrorCode::kLambdaTooManyRequests
                 ? HttpResponse{429, "application/json", R"({"Message":"Rate Exceeded."})"}
                 : BadGateway();
    }
    if (out->function_error) return BadGateway();
    return MapAnswer(out->payload);
  };
  if (url->config.invoke_mode == "RESPONSE_STREAM") {
    HttpResponse response;
    decorate(response);  // its headers go on whichever head the stream sends
    response.stream = [this, ctx, in = std::move(in), settle](ResponseStream& out) mutable {
      UrlStreamSink sink(out);
      in.sink = &sink;
      auto result = lambda_.Invoke(ctx, in);
      sink.Finish();
      if (!out.begun()) return settle(result);
      // Failed after the head went out: the client must not take the body for complete.
      if (!result || result->function_error) out.Abort();
      return HttpResponse{};
    };
    return response;
  }
  HttpResponse response = settle(lambda_.Invoke(ctx, in));
  decorate(response);
  return response;
}

}  // namespace offstage::protocol
