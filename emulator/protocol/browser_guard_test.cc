#include "emulator/protocol/browser_guard.h"

#include <doctest/doctest.h>

namespace offstage::protocol {
namespace {

HttpRequest Request(std::string method, std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = std::move(method);
  request.path.push_back('/');  // (g++ 12 misreads an assignment here as -Wrestrict)
  request.headers = std::move(headers);
  return request;
}

}  // namespace

TEST_CASE("Loopback origins and hosts are recognized, look-alikes are not") {
  CHECK(IsLoopbackOrigin("http://localhost:3000"));
  CHECK(IsLoopbackOrigin("https://app.localhost"));
  CHECK(IsLoopbackOrigin("http://127.0.0.1:5173"));
  CHECK(IsLoopbackOrigin("http://127.1.2.3"));
  CHECK(IsLoopbackOrigin("http://[::1]:8080"));
  CHECK_FALSE(IsLoopbackOrigin("null"));
  CHECK_FALSE(IsLoopbackOrigin("https://evil.example"));
  CHECK_FALSE(IsLoopbackOrigin("http://localhost.evil.example"));
  CHECK_FALSE(IsLoopbackOrigin("http://127.0.0.1.evil.example"));
  CHECK_FALSE(IsLoopbackOrigin("http://evillocalhost"));
  CHECK_FALSE(IsLoopbackOrigin("file://"));
  CHECK_FALSE(IsLoopbackOrigin("http://localhost@evil.example"));
  CHECK(IsLoopbackHost("localhost:4566"));
  CHECK(IsLoopbackHost("127.0.0.1:4566"));
  CHECK(IsLoopbackHost("LOCALHOST."));
  CHECK(IsLoopbackHost("[::1]:4566"));
  CHECK_FALSE(IsLoopbackHost("rebind.evil.example:4566"));
  CHECK_FALSE(IsLoopbackHost("128.0.0.1"));
  CHECK_FALSE(IsLoopbackHost("127.0.0.256"));
}

TEST_CASE("BrowserGuard refuses foreign Origins, cross-site fetches and foreign Hosts") {
  const BrowserGuard guard({{"https://app.example"}, {"offstage", "dev.example:4566"}, true});
  auto status = [&](std::vector<std::pair<std::string, std::string>> headers) {
    auto screened = guard.Screen(Request("POST", std::move(headers)));
    return screened ? screened->status : 0;
  };
  CHECK(status({{"host", "127.0.0.1:4566"}}) == 0);  // SDK and CLI traffic
  CHECK(status({}) == 0);
  CHECK(status({{"host", "localhost:4566"}, {"origin", "https://evil.example"}}) == 403);
  CHECK(status({{"host", "localhost:4566"}, {"origin", "null"}}) == 403);
  CHECK(status({{"host", "localhost:4566"}, {"origin", "https://app.example"}}) == 0);
  CHECK(status({{"host", "localhost:4566"}, {"origin", "http://localhost:3000"}}) == 0);
  CHECK(status({{"host", "localhost:4566"}, {"sec-fetch-site", "cross-site"}}) == 403);
  CHECK(status({{"host", "localhost:4566"}, {"sec-fetch-site", "same-site"}}) == 0);
  CHECK(status({{"host", "localhost:4566"},
                {"sec-fetch-site", "cross-site"},
                {"origin", "https://app.example"}}) == 0);
  CHECK(status({{"host", "rebind.evil.example:4566"}}) == 403);
  CHECK(status({{"host", "offstage:4566"}}) == 0);
  CHECK(status({{"host", "dev.example:4566"}}) == 0);
  CHECK(status({{"host", "dev.example:9999"}}) == 403);

  const BrowserGuard everywhere({{}, {}, false});  // bound to 0.0.0.0: no Host rule
  CHECK_FALSE(everywhere.Screen(Request("GET", {{"host", "offstage:4566"}})).has_value());
}

TEST_CASE("BrowserGuard answers preflights of allowed origins and decorates their answers") {
  const BrowserGuard guard({{}, {}, true});
  auto preflight = guard.Screen(
      Request("OPTIONS", {{"host", "localhost:4566"},
                          {"origin", "http://localhost:3000"},
                          {"access-control-request-method", "POST"},
                          {"access-control-request-headers", "authorization,x-amz-date"}}));
  REQUIRE(preflight.has_value());
  CHECK(preflight->status == 204);
  auto header = [](const HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return std::string();
  };
  CHECK(header(*preflight, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header(*preflight, "Access-Control-Allow-Headers") == "authorization,x-amz-date");
  CHECK(header(*preflight, "Access-Control-Allow-Methods").find("POST") != std::string::npos);

  auto foreign = guard.Screen(Request(
      "OPTIONS", {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}}));
  REQUIRE(foreign.has_value());
  CHECK(foreign->status == 403);

  HttpResponse answer;
  guard.Decorate(Request("POST", {{"origin", "http://localhost:3000"}}), answer);
  CHECK(header(answer, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header(answer, "Access-Control-Expose-Headers").find("x-amzn-RequestId") !=
        std::string::npos);
  HttpResponse plain;
  guard.Decorate(Request("POST", {}), plain);
  CHECK(plain.headers.empty());
}

}  // namespace offstage::protocol
