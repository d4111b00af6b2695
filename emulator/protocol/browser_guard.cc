#include "emulator/protocol/browser_guard.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::protocol {
namespace {

// Headers a browser page may read from an answer (the SDKs read these).
constexpr std::string_view kExposed =
    "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-function-error, "
    "x-amz-log-result, x-amz-executed-version, x-amzn-Remapped-Content-Length, Date, ETag";

std::string Normalize(std::string_view text) {
  std::string out = common::ToLower(text);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

// The host name of "name[:port]" or "[v6][:port]", lower-case, without a trailing dot.
std::string HostName(std::string_view host) {
  std::string name;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return "";
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "";
    name = common::ToLower(host.substr(0, close + 1));
  } else {
    const size_t colon = host.find(':');
    if (colon != std::string_view::npos && host.find(':', colon + 1) != std::string_view::npos) {
      return "";  // a bare IPv6 address is not a valid Host
    }
    name = common::ToLower(host.substr(0, colon));
  }
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

bool IsLoopbackName(const std::string& name) {
  if (name == "localhost" || name == "[::1]") return true;
  if (name.size() > 10 && name.ends_with(".localhost")) return true;
  // 127.0.0.0/8 as a dotted quad.
  const auto parts = common::Split(name, '.');
  if (parts.size() != 4) return false;
  for (std::string_view part : parts) {
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
  }
  return parts[0] == "127";
}

HttpResponse Refusal(const std::string& message) {
  HttpResponse response;
  response.status = 403;
  response.content_type = "application/json";
  response.headers.emplace_back("x-amzn-ErrorType", "AccessDeniedException");
  response.body = nlohmann::json{{"Type", "User"}, {"message", message}}.dump(
      -1, ' ', false, common::kReplaceInvalidUtf8);
  return response;
}

}  // namespace

bool IsLoopbackOrigin(std::string_view origin) {
  const size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return false;
  const std::string scheme = common::ToLower(origin.substr(0, sep));
  if (scheme != "http" && scheme != "https") return false;
  std::string_view rest = origin.substr(sep + 3);
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) return false;
  return IsLoopbackName(HostName(rest));
}

bool IsLoopbackHost(std::string_view host) { return IsLoopbackName(HostName(host)); }

BrowserGuard::BrowserGuard(BrowserPolicy policy) : policy_(std::move(policy)) {
  for (auto& origin : policy_.cors_origins) origin = Normalize(origin);
  for (auto& host : policy_.allowed_hosts) host = Normalize(host);
}

bool BrowserGuard::OriginAllowed(std::string_view origin) const {
  if (IsLoopbackOrigin(origin)) return true;
  const std::string normalized = Normalize(origin);
  return std::find(policy_.cors_origins.begin(), policy_.cors_origins.end(), normalized) !=
         policy_.cors_origins.end();
}

bool BrowserGuard::HostAllowed(std::string_view host) const {
  if (IsLoopbackHost(host)) return true;
  const std::string whole = Normalize(host);
  const std::string name = HostName(host);
  return std::any_of(
      policy_.allowed_hosts.begin(), policy_.allowed_hosts.end(),
      [&](const std::string& allowed) { return allowed == whole || allowed == name; });
}

std::optional<HttpResponse> BrowserGuard::ScreenHost(const HttpRequest& request) const {
  if (policy_.check_host && request.HasHeader("host")) {
    const std::string host = request.Header("host");
    if (!HostAllowed(host)) {
      return Refusal("offstage refused this request: Host '" + host.substr(0, 200) +
                     "' is not a loopback name. Bound to a loopback address, offstage answers "
                     "only to localhost, *.localhost, 127.0.0.0/8, [::1] and the names listed "
                     "with --allowed-hosts (a foreign Host is how DNS rebinding reaches a local "
                     "service; see docs/security.md).");
    }
  }
  return std::nullopt;
}

std::optional<HttpResponse> BrowserGuard::Screen(const HttpRequest& request) const {
  if (auto refused = ScreenHost(request)) return refused;
  const bool has_origin = request.HasHeader("origin");
  const std::string origin = request.Header("origin");
  if (has_origin && !OriginAllowed(origin)) {
    return Refusal("offstage refused this request: Origin '" + origin.substr(0, 200) +
                   "' is not a loopback origin. Web pages may call offstage only from "
                   "loopback origins and the origins listed with --cors-origins (see "
                   "docs/security.md).");
  }
  if (!has_origin && common::ToLower(request.Header("sec-fetch-site")) == "cross-site") {
    return Refusal(
        "offstage refused this request: the browser marked it cross-site "
        "(Sec-Fetch-Site: cross-site) and it carries no allowed Origin. Open the URL "
        "directly, or call offstage from an origin listed with --cors-origins (see "
        "docs/security.md).");
  }
  if (has_origin && request.method == "OPTIONS" &&
      request.HasHeader("access-control-request-method")) {
    HttpResponse preflight;
    preflight.status = 204;
    preflight.headers.emplace_back("Access-Control-Allow-Origin", origin);
    preflight.headers.emplace_back("Access-Control-Allow-Methods",
                                   "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
    const std::string asked = request.Header("access-control-request-headers");
    if (!asked.empty()) preflight.headers.emplace_back("Access-Control-Allow-Headers", asked);
    if (common::ToLower(request.Header("access-control-request-private-network")) == "true") {
      preflight.headers.emplace_back("Access-Control-Allow-Private-Network", "true");
    }
    preflight.headers.emplace_back("Access-Control-Max-Age", "600");
    preflight.headers.emplace_back("Vary", "Origin");
    return preflight;
  }
  return std::nullopt;
}

void BrowserGuard::Decorate(const HttpRequest& request, HttpResponse& response) const {
  if (!request.HasHeader("origin")) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", request.Header("origin"));
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposed));
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace offstage::protocol
