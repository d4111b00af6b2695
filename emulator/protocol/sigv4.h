// SigV4 (AWS Signature Version 4): reads the credential scope of an Authorization header (§7.1
// of ../shared/reference/aws-wire-protocol.md) and, when `serve --verify-signatures` is on,
// verifies header-signed and presigned (query-string) requests exactly as AWS's "Signature
// Version 4" documentation defines them (canonical request, string to sign, signing key).
// Built by app::Daemon, held by protocol::HttpServer (ServerOptions::verifier). Thread model:
// SigV4Verifier is immutable after construction and safe on any thread; the free functions are
// pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/common/api_error.h"
#include "emulator/common/clock.h"
#include "emulator/common/sigv4_canonical.h"

namespace offstage::protocol {

struct CredentialScope {
  std::string access_key_id;
  std::string date;
  std::string region;
  std::string service;
};

std::optional<CredentialScope> ParseCredentialScope(std::string_view authorization);

// One HTTP request as it arrived, before any decoding.
struct SignedRequest {
  std::string_view method;
  std::string_view path;   // as on the wire, still percent-encoded ("/2015-03-31/functions/a%3A1")
  std::string_view query;  // raw text after '?', or empty
  std::vector<std::pair<std::string, std::string>> headers;  // any case, arrival order
  std::string_view body;
};

// Why a request is refused; protocol/ renders each kind as the service's own error.
enum class AuthFailure {
  kMissing,     // no Authorization header and no X-Amz-Algorithm query parameter
  kIncomplete,  // an Authorization header or presigned query that lacks a part
  kUnknownKey,  // the access key id (or its session token) is not one the daemon knows
  kMismatch,    // the signature is wrong (message carries the canonical request AWS expected)
  kSkewed,      // X-Amz-Date is too far from the daemon's clock ("Signature expired: ...")
  kExpired,     // a presigned URL past X-Amz-Date + X-Amz-Expires
};

struct AuthError {
  AuthFailure kind;
  std::string message;
};

// Temporary credentials handed to execution environments (runtime::Environment): any access key
// id of the form ASIA + 16 hex digits, with this secret and this session token.
struct EnvironmentCredentials {
  std::string secret;
  std::string session_token;
};

struct VerifyRules {
  // The credential scope's service must be this one ("sns", "lambda").
  std::string_view service;
  // How far X-Amz-Date may be from the clock (SNS 15 min, Lambda 5 min, as AWS answers).
  int64_t max_skew_ns = 15LL * 60 * 1'000'000'000;
};

class SigV4Verifier {
 public:
  SigV4Verifier(std::map<std::string, std::string> secrets, EnvironmentCredentials environment,
                const common::Clock& clock);

  // nullopt when the request is signed by a known key and its signature matches.
  std::optional<AuthError> Verify(const SignedRequest& request, const VerifyRules& rules) const;

 private:
  std::optional<AuthError> Lookup(std::string_view access_key_id, std::string_view token,
                                  std::string* secret) const;

  const std::map<std::string, std::string> secrets_;
  const EnvironmentCredentials environment_;
  const common::Clock& clock_;
};

// The API the refused request was made to decides the error's code, status and window.
enum class SignedApi { kSns, kLambda, kSqs };
VerifyRules RulesFor(SignedApi api);
// AWS's answer to a refused request: SNS's awsQuery codes (MissingAuthenticationToken,
// IncompleteSignature, InvalidClientTokenId, SignatureDoesNotMatch, RequestExpired) or Lambda's
// x-amzn-ErrorTypes (MissingAuthenticationTokenException, IncompleteSignatureException,
// UnrecognizedClientException, InvalidSignatureException, RequestExpired).
common::ApiError ToApiError(const AuthError& error, SignedApi api);

// The pieces of the algorithm (common/sigv4_canonical.h, shared with the deployer's signer),
// by their names here for the verifier's tests.
using common::sigv4::CanonicalHeaderValue;
using common::sigv4::CanonicalQuery;
using common::sigv4::CanonicalUri;
using common::sigv4::Signature;
using common::sigv4::SigningKey;

}  // namespace offstage::protocol
