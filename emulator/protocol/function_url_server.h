// FunctionUrlServer: serves Lambda function URLs on the daemon's port (issue #17, item 4). A
// request is addressed to a URL by its Host, "<url-id>.lambda-url.<region>.localhost[:port]"
// (*.localhost resolves to loopback in browsers and most resolvers), or by its path,
// "/lambda-url/<url-id>/..." (no name resolution needed; the function sees the rest of the
// path). It becomes AWS's payload format 2.0 event, a synchronous invocation of the URL's
// function ($LATEST or an alias), and the answer is mapped back as AWS maps it. The URL's own
// AuthType and CORS configuration govern it, not the daemon's browser rules: a URL is meant to
// be called from web pages (docs/security.md). Owned by HttpServer. Thread model: stateless;
// called concurrently by the listener's workers.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "emulator/common/request_context.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/http_request.h"
#include "emulator/protocol/http_types.h"

namespace offstage::protocol {

struct UrlAddress {
  std::string url_id;
  std::string path;  // the path the function sees ("/" at least)
};

class FunctionUrlServer {
 public:
  explicit FunctionUrlServer(lambda::LambdaService& lambda) : lambda_(lambda) {}

  // The URL a request is addressed to (by its Host or its /lambda-url/ path), or nullopt.
  static std::optional<UrlAddress> Match(const HttpRequest& request);

  // Whether a signed request's SigV4 signature verifies (always true without
  // --verify-signatures: then only its presence is checked).
  using Verifier = std::function<bool(const HttpRequest&)>;

  // Serves it: 403 for an unknown URL id (AWS's {"Message":null}); for AWS_IAM, 403 without a
  // signature or with one that does not verify; a CORS preflight answered from the URL's CORS
  // configuration; otherwise the function's answer.
  HttpResponse Handle(const HttpRequest& request, const UrlAddress& address,
                      const common::RequestContext& ctx, const Verifier& verified) const;

 private:
  lambda::LambdaService& lambda_;
};

}  // namespace offstage::protocol
