// BrowserGuard: the checks that keep web pages away from a developer's local daemon (DESIGN
// decision 14, docs/security.md): foreign Origins, cross-site fetches without an allowed Origin
// and (when bound to loopback) foreign Host names are refused before routing; CORS preflights
// and CORS answer headers only for loopback origins and those configured. Owned by HttpServer.
// Thread model: immutable after construction; called concurrently by the listener's workers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/protocol/http_listener.h"
#include "emulator/protocol/http_types.h"

namespace offstage::protocol {

struct BrowserPolicy {
  std::vector<std::string>
      cors_origins;  // --cors-origins: exact origins, e.g. http://app.test:3000
  std::vector<std::string> allowed_hosts;  // --allowed-hosts: names, or name:port
  bool check_host = true;                  // only when bound to a loopback address
};

// "http(s)://localhost[:port]", "*.localhost", 127.0.0.0/8 or [::1].
bool IsLoopbackOrigin(std::string_view origin);
// A Host header value naming localhost, *.localhost, 127.0.0.0/8 or [::1], any port.
bool IsLoopbackHost(std::string_view host);

class BrowserGuard {
 public:
  explicit BrowserGuard(BrowserPolicy policy);

  // A refusal (403) or a CORS preflight's answer (204); nothing when the request may be routed.
  std::optional<HttpResponse> Screen(const HttpRequest& request) const;
  // The Host rule alone (DNS rebinding): all that screens a function URL's requests.
  std::optional<HttpResponse> ScreenHost(const HttpRequest& request) const;
  // Adds the CORS headers a response to an allowed Origin carries.
  void Decorate(const HttpRequest& request, HttpResponse& response) const;

  bool OriginAllowed(std::string_view origin) const;
  bool HostAllowed(std::string_view host) const;

 private:
  BrowserPolicy policy_;
};

}  // namespace offstage::protocol
