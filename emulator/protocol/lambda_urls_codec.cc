// The Lambda codec's function URL handlers (issue #17, item 4): Create/Get/Update/Delete
// FunctionUrlConfig and ListFunctionUrlConfigs (/2021-10-31/functions/{name}/url[s]), over
// LambdaService's function_urls.cc; the URLs themselves are served by FunctionUrlServer.
// Routed by lambda_codec.cc's table. Stateless; safe on any thread.
#include <ctime>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/protocol/lambda_call.h"
#include "emulator/protocol/lambda_shapes.h"

namespace offstage::protocol::lambda_codec {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
using lambda_shapes::BadBody;
using lambda_shapes::Bool;
using lambda_shapes::Int;
using lambda_shapes::Object;
using lambda_shapes::ParseBody;
using lambda_shapes::String;
using lambda_shapes::StringList;

// "2023-06-08T13:20:18.244654Z", as AWS renders a URL config's times.
std::string MicrosUtc(int64_t ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ",
                static_cast<long long>((ns % 1'000'000'000) / 1000));
  return buf;
}

lambda::UrlConfigInput DecodeUrl(const json& body) {
  lambda::UrlConfigInput in;
  in.auth_type = String(body, "AuthType");
  in.invoke_mode = String(body, "InvokeMode");
  if (body.contains("Cors") && !body["Cors"].is_null()) {
    const json& c = Object(body, "Cors");
    lambda::UrlCors cors;
    cors.allow_credentials = Bool(c, "AllowCredentials").value_or(false);
    cors.allow_headers = StringList(c, "AllowHeaders").value_or(std::vector<std::string>{});
    cors.allow_methods = StringList(c, "AllowMethods").value_or(std::vector<std::string>{});
    cors.allow_origins = StringList(c, "AllowOrigins").value_or(std::vector<std::string>{});
    cors.expose_headers = StringList(c, "ExposeHeaders").value_or(std::vector<std::string>{});
    cors.max_age = Int(c, "MaxAge");
    in.cors = std::move(cors);
  }
  return in;
}

// FunctionUrlConfig. Create and Update name InvokeMode only when the request set it; Get and
// List always (as AWS).
ojson UrlJson(const lambda::UrlView& view, bool last_modified, bool invoke_mode) {
  ojson out = {{"FunctionUrl", view.function_url},
               {"FunctionArn", view.function_arn},
               {"AuthType", view.config.auth_type}};
  if (view.config.cors) {
    const lambda::UrlCors& c = *view.config.cors;
    ojson cors = {{"AllowCredentials", c.allow_credentials},
                  {"AllowHeaders", c.allow_headers},
                  {"AllowMethods", c.allow_methods},
                  {"AllowOrigins", c.allow_origins},
                  {"ExposeHeaders", c.expose_headers}};
    if (c.max_age) cors["MaxAge"] = *c.max_age;
    out["Cors"] = cors;
  }
  out["CreationTime"] = MicrosUtc(view.config.created_ns);
  if (last_modified) out["LastModifiedTime"] = MicrosUtc(view.config.last_modified_ns);
  if (invoke_mode) out["InvokeMode"] = view.config.invoke_mode;
  return out;
}

HttpResponse UrlReply(int status, const ojson& body) {
  return Json(status, body.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

}  // namespace

HttpResponse CreateFunctionUrlConfig(const Call& c) {
  const json body = ParseBody(c.req.body);
  const lambda::UrlConfigInput in = DecodeUrl(body);
  auto url = c.service.CreateFunctionUrlConfig(c.ctx, Name(c), Query(c.req, "Qualifier"), in);
  if (!url) return Error(url.error());
  return UrlReply(201, UrlJson(*url, false, in.invoke_mode.has_value()));
}

HttpResponse GetFunctionUrlConfig(const Call& c) {
  auto url = c.service.GetFunctionUrlConfig(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!url) return Error(url.error());
  return UrlReply(200, UrlJson(*url, true, true));
}

HttpResponse UpdateFunctionUrlConfig(const Call& c) {
  const json body = ParseBody(c.req.body);
  const lambda::UrlConfigInput in = DecodeUrl(body);
  auto url = c.service.UpdateFunctionUrlConfig(c.ctx, Name(c), Query(c.req, "Qualifier"), in);
  if (!url) return Error(url.error());
  return UrlReply(200, UrlJson(*url, true, in.invoke_mode.has_value()));
}

HttpResponse DeleteFunctionUrlConfig(const Call& c) {
  auto status = c.service.DeleteFunctionUrlConfig(c.ctx, Name(c), Query(c.req, "Qualifier"));
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse ListFunctionUrlConfigs(const Call& c) {
  auto urls = c.service.ListFunctionUrlConfigs(c.ctx, Name(c));
  if (!urls) return Error(urls.error());
  ojson list = ojson::array();
  for (const auto& url : *urls) list.push_back(UrlJson(url, true, true));
  return UrlReply(200, ojson{{"FunctionUrlConfigs", list}});
}

}  // namespace offstage::protocol::lambda_codec
