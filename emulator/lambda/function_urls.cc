// LambdaService's function URLs (issue #17, item 4): Create/Get/Update/Delete/List
// FunctionUrlConfig, kept inside the function's aggregate (one FunctionStore::Update per change),
// and FindUrl, which the daemon's URL server (protocol/function_url_server.h) uses to route a
// request by its URL id. A URL belongs to $LATEST or to an alias, as on AWS. Thread model: any
// HTTP worker thread; changes through FunctionStore::Update.
#include <algorithm>
#include <random>

#include "emulator/common/arn.h"
#include "emulator/lambda/lambda_service.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

// AWS's URL ids: 32 characters, lowercase letters and digits.
std::string NewUrlId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  // The id is all that guards an AuthType NONE URL: every character from the system's
  // random source (std::random_device reads /dev/urandom or getrandom), not a seeded PRNG.
  std::random_device random;
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string id(32, 'a');
  for (char& c : id) c = kAlphabet[pick(random)];
  return id;
}

// AWS's answers when the function (or the alias) or the URL config is not there.
std::unexpected<common::ApiError> NoFunction() {
  return Fail(ErrorCode::kLambdaResourceNotFound, "Function does not exist");
}
std::unexpected<common::ApiError> NoResource() {
  return Fail(ErrorCode::kLambdaResourceNotFound, "The resource you requested does not exist.");
}

Status CheckInput(const UrlConfigInput& in) {
  if (in.auth_type && *in.auth_type != "NONE" && *in.auth_type != "AWS_IAM") {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + *in.auth_type +
                    "' at 'authType' failed to satisfy constraint: Member must satisfy enum "
                    "value set: [AWS_IAM, NONE]");
  }
  if (in.invoke_mode && *in.invoke_mode != "BUFFERED" && *in.invoke_mode != "RESPONSE_STREAM") {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + *in.invoke_mode +
                    "' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum "
                    "value set: [RESPONSE_STREAM, BUFFERED]");
  }
  if (in.cors) {
    for (const auto& method : in.cors->allow_methods) {
      // AWS: "You can use GET, PUT, POST, DELETE, HEAD, PATCH, and the wildcard character".
      static const std::vector<std::string> kMethods = {"GET",   "PUT",    "HEAD", "POST",
                                                        "PATCH", "DELETE", "*"};
      if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
        return Fail(ErrorCode::kLambdaValidation,
                    "1 validation error detected: Value '[" + method +
                        "]' at 'cors.allowMethods' failed to satisfy constraint: Member must "
                        "satisfy constraint: [Member must have length less than or equal to 6, "
                        "Member must satisfy regular expression pattern: .*]");
      }
    }
    if (in.cors->max_age && (*in.cors->max_age < 0 || *in.cors->max_age > 86400)) {
      return Fail(ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value '" + std::to_string(*in.cors->max_age) +
                      "' at 'cors.maxAge' failed to satisfy constraint: Member must have value "
                      "less than or equal to 86400");
    }
  }
  return {};
}

}  // namespace

UrlView LambdaService::ViewOf(const Function& f, const UrlConfig& url) const {
  // The daemon's port, from its own URL (http://127.0.0.1:4566).
  const std::string& endpoint = options_.endpoint_url;
  const size_t colon = endpoint.rfind(':');
  const std::string port = colon == std::string::npos ? "" : endpoint.substr(colon);
  return UrlView{url, url.qualifier.empty() ? f.arn : f.arn + ":" + url.qualifier,
                 "http://" + url.url_id + ".lambda-url." + f.region + ".localhost" + port + "/"};
}

Result<std::pair<std::string, std::string>> LambdaService::UrlTargetOf(
    const RequestContext& ctx, const std::string& name, const std::string& qualifier_param) const {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, qualifier_param, qualifier);
  if (!arn) return Fail(arn.error());
  // A URL belongs to $LATEST (no qualifier) or to an alias: a version number, or $LATEST named,
  // fails the Qualifier's pattern as on AWS.
  if (!qualifier.empty() &&
      (qualifier == "$LATEST" || qualifier.find_first_not_of("0123456789") == std::string::npos)) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + qualifier +
                    "' at 'qualifier' failed to satisfy constraint: Member must satisfy regular "
                    "expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)");
  }
  return std::make_pair(*arn, qualifier);
}

Result<UrlView> LambdaService::CreateFunctionUrlConfig(const RequestContext& ctx,
                                                       const std::string& name,
                                                       const std::string& qualifier_param,
                                                       const UrlConfigInput& in) {
  if (!in.auth_type) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value null at 'authType' failed to satisfy "
                "constraint: Member must not be null");
  }
  if (auto status = CheckInput(in); !status) return Fail(status.error());
  auto target = UrlTargetOf(ctx, name, qualifier_param);
  if (!target) return Fail(target.error());
  const auto& [arn, qualifier] = *target;
  std::optional<UrlView> view;
  auto changed = functions_.Update(arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f || (!qualifier.empty() && !f->aliases.contains(qualifier))) return NoFunction();
    const std::string function_arn = qualifier.empty() ? arn : arn + ":" + qualifier;
    if (f->urls.contains(qualifier)) {
      return Fail(ErrorCode::kLambdaResourceConflict,
                  "Failed to create function url config for [functionArn = " + function_arn +
                      "]. Error message:  FunctionUrlConfig exists for this Lambda function");
    }
    UrlConfig url;
    url.url_id = NewUrlId();
    url.qualifier = qualifier;
    url.auth_type = *in.auth_type;
    url.cors = in.cors;
    url.invoke_mode = in.invoke_mode.value_or("BUFFERED");
    url.created_ns = url.last_modified_ns = clock_.NowNanos();
    view = ViewOf(*f, url);
    f->urls.emplace(qualifier, std::move(url));
    return true;
  });
  if (!changed) return Fail(changed.error());
  return std::move(*view);
}

Result<UrlView> LambdaService::GetFunctionUrlConfig(const RequestContext& ctx,
                                                    const std::string& name,
                                                    const std::string& qualifier_param) {
  auto target = UrlTargetOf(ctx, name, qualifier_param);
  if (!target) return Fail(target.error());
  const auto& [arn, qualifier] = *target;
  auto f = Find(arn);
  if (!f) return NoResource();
  auto url = f->urls.find(qualifier);
  if (url == f->urls.end()) return NoResource();
  return ViewOf(*f, url->second);
}

Result<UrlView> LambdaService::UpdateFunctionUrlConfig(const RequestContext& ctx,
                                                       const std::string& name,
                                                       const std::string& qualifier_param,
                                                       const UrlConfigInput& in) {
  if (auto status = CheckInput(in); !status) return Fail(status.error());
  auto target = UrlTargetOf(ctx, name, qualifier_param);
  if (!target) return Fail(target.error());
  const auto& [arn, qualifier] = *target;
  std::optional<UrlView> view;
  auto changed = functions_.Update(arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f || (!qualifier.empty() && !f->aliases.contains(qualifier))) return NoFunction();
    auto url = f->urls.find(qualifier);
    if (url == f->urls.end()) return NoResource();
    if (in.auth_type) url->second.auth_type = *in.auth_type;
    if (in.cors) url->second.cors = in.cors;
    if (in.invoke_mode) url->second.invoke_mode = *in.invoke_mode;
    url->second.last_modified_ns = clock_.NowNanos();
    view = ViewOf(*f, url->second);
    return true;
  });
  if (!changed) return Fail(changed.error());
  return std::move(*view);
}

Status LambdaService::DeleteFunctionUrlConfig(const RequestContext& ctx, const std::string& name,
                                              const std::string& qualifier_param) {
  auto target = UrlTargetOf(ctx, name, qualifier_param);
  if (!target) return Fail(target.error());
  const auto& [arn, qualifier] = *target;
  auto changed = functions_.Update(arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f || f->urls.erase(qualifier) == 0) return NoResource();
    return true;
  });
  if (!changed) return Fail(changed.error());
  return {};
}

Result<std::vector<UrlView>> LambdaService::ListFunctionUrlConfigs(const RequestContext& ctx,
                                                                   const std::string& name) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto f = Find(*arn);
  if (!f) return NoFunction();
  std::vector<UrlView> out;
  for (const auto& [qualifier, url] : f->urls) out.push_back(ViewOf(*f, url));
  return out;
}

std::optional<UrlView> LambdaService::FindUrl(const std::string& url_id) const {
  return functions_.Read([&](const std::map<std::string, Function>& functions) {
    std::optional<UrlView> found;
    for (const auto& [arn, f] : functions) {
      for (const auto& [qualifier, url] : f.urls) {
        if (url.url_id == url_id) found = ViewOf(f, url);
      }
    }
    return found;
  });
}

}  // namespace offstage::lambda
