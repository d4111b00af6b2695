#include "emulator/protocol/sigv4.h"

#include <time.h>

#include <algorithm>
#include <cctype>

#include "emulator/common/sigv4_canonical.h"
#include "emulator/common/strings.h"

namespace offstage::protocol {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr int64_t kNanos = 1'000'000'000;

// Constant-time comparison of two signatures.
bool SameSignature(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// "20150830T123600Z" -> seconds since the epoch.
std::optional<int64_t> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  tm parts{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y%m%dT%H%M%SZ", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&parts));
}

// RFC 1123 "Sun, 30 Aug 2015 12:36:00 GMT" (the Date header) -> seconds since the epoch.
std::optional<int64_t> ParseHttpDate(std::string_view text) {
  tm parts{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&parts));
}

std::string FormatAmzDate(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

bool IsEnvironmentKey(std::string_view id) {
  if (id.size() != 20 || !common::StartsWith(id, "ASIA")) return false;
  return std::all_of(id.begin() + 4, id.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'F');
  });
}

// The parts of a signature, from an Authorization header or a presigned query.
struct Parts {
  bool presigned = false;
  std::string credential;
  std::string signed_headers;
  std::string signature;
  std::string date;     // ISO 8601 basic ("20150830T123600Z"), as signed
  std::string token;    // X-Amz-Security-Token, if any
  std::string expires;  // presigned only
};

std::string IncompleteHeaderMessage(const Parts& parts, std::string_view authorization) {
  std::string message;
  if (parts.credential.empty()) message += "Authorization header requires 'Credential' parameter. ";
  if (parts.signature.empty()) message += "Authorization header requires 'Signature' parameter. ";
  if (parts.signed_headers.empty()) {
    message += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (parts.date.empty()) {
    message +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  message += "Authorization=";
  message += authorization;
  return message;
}

const std::string* FindHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (name.size() == lower_name.size() && common::ToLower(name) == lower_name) return &value;
  }
  return nullptr;
}

// Decoded query parameters (first value of each name), for the presigned X-Amz-* names.
std::map<std::string, std::string> QueryMap(std::string_view raw) {
  std::map<std::string, std::string> out;
  if (raw.empty()) return out;
  for (std::string_view pair : common::Split(raw, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = common::PercentDecode(pair.substr(0, eq));
    auto value = common::PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (name && value) out.emplace(*name, *value);
  }
  return out;
}

}  // namespace

std::optional<CredentialScope> ParseCredentialScope(std::string_view authorization) {
  if (!common::StartsWith(authorization, kAlgorithm)) return std::nullopt;
  const size_t pos = authorization.find("Credential=");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view rest = authorization.substr(pos + 11);
  const size_t end = rest.find_first_of(", ");
  rest = rest.substr(0, end);
  auto parts = common::Split(rest, '/');
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty() || parts[2].empty()) {
    return std::nullopt;
  }
  return CredentialScope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                         std::string(parts[3])};
}

VerifyRules RulesFor(SignedApi api) {
  // SNS allows 15 minutes of clock skew; Lambda's API answers "... - 5 min." (docs/security.md).
  if (api == SignedApi::kLambda) return VerifyRules{"lambda", 5LL * 60 * kNanos};
  if (api == SignedApi::kSqs) return VerifyRules{"sqs", 15LL * 60 * kNanos};
  return VerifyRules{"sns", 15LL * 60 * kNanos};
}

common::ApiError ToApiError(const AuthError& error, SignedApi api) {
  using common::ErrorCode;
  const bool lambda = api == SignedApi::kLambda;
  ErrorCode code = ErrorCode::kSignatureDoesNotMatch;
  std::string message = error.message;
  switch (error.kind) {
    case AuthFailure::kMissing:
      code = lambda ? ErrorCode::kLambdaMissingAuthenticationToken
                    : ErrorCode::kMissingAuthenticationToken;
      if (lambda) message = "Missing Authentication Token";
      break;
    case AuthFailure::kIncomplete:
      code = lambda ? ErrorCode::kLambdaIncompleteSignature : ErrorCode::kIncompleteSignature;
      break;
    case AuthFailure::kUnknownKey:
      code = lambda ? ErrorCode::kLambdaUnrecognizedClient : ErrorCode::kInvalidClientTokenId;
      break;
    case AuthFailure::kMismatch:
    case AuthFailure::kSkewed:
      code = lambda ? ErrorCode::kLambdaInvalidSignature : ErrorCode::kSignatureDoesNotMatch;
      break;
    case AuthFailure::kExpired:
      code = ErrorCode::kRequestExpired;
      break;
  }
  return common::ApiError{code, std::move(message)};
}

SigV4Verifier::SigV4Verifier(std::map<std::string, std::string> secrets,
                             EnvironmentCredentials environment, const common::Clock& clock)
    : secrets_(std::move(secrets)), environment_(std::move(environment)), clock_(clock) {}

std::optional<AuthError> SigV4Verifier::Lookup(std::string_view access_key_id,
                                               std::string_view token, std::string* secret) const {
  if (auto it = secrets_.find(std::string(access_key_id)); it != secrets_.end()) {
    *secret = it->second;
    return std::nullopt;
  }
  if (IsEnvironmentKey(access_key_id) && !environment_.secret.empty() &&
      token == environment_.session_token) {
    *secret = environment_.secret;
    return std::nullopt;
  }
  return AuthError{AuthFailure::kUnknownKey,
                   "The security token included in the request is invalid."};
}

std::optional<AuthError> SigV4Verifier::Verify(const SignedRequest& request,
                                               const VerifyRules& rules) const {
  Parts parts;
  const std::string* authorization = FindHeader(request.headers, "authorization");
  const std::map<std::string, std::string> query = QueryMap(request.query);
  if (authorization == nullptr && query.count("X-Amz-Algorithm") == 0) {
    return AuthError{AuthFailure::kMissing, "Request is missing Authentication Token"};
  }
  if (authorization != nullptr) {
    std::string_view text = common::TrimSpace(*authorization);
    const size_t space = text.find(' ');
    const std::string_view algorithm = text.substr(0, space);
    if (algorithm == kAlgorithm && space != std::string_view::npos) {
      for (std::string_view item : common::Split(text.substr(space + 1), ',')) {
        item = common::TrimSpace(item);
        const size_t eq = item.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view key = item.substr(0, eq);
        const std::string value(common::TrimSpace(item.substr(eq + 1)));
        if (key == "Credential") parts.credential = value;
        if (key == "SignedHeaders") parts.signed_headers = value;
        if (key == "Signature") parts.signature = value;
      }
    }
    if (const std::string* date = FindHeader(request.headers, "x-amz-date")) {
      parts.date = common::TrimSpace(*date);
    } else if (const std::string* http_date = FindHeader(request.headers, "date")) {
      if (auto seconds = ParseHttpDate(common::TrimSpace(*http_date)))
        parts.date = FormatAmzDate(*seconds);
    }
    if (const std::string* token = FindHeader(request.headers, "x-amz-security-token")) {
      parts.token = common::TrimSpace(*token);
    }
    if (algorithm != kAlgorithm || parts.credential.empty() || parts.signature.empty() ||
        parts.signed_headers.empty() || parts.date.empty()) {
      return AuthError{AuthFailure::kIncomplete, IncompleteHeaderMessage(parts, text)};
    }
  } else {
    parts.presigned = true;
    auto get = [&](const char* name) {
      auto it = query.find(name);
      return it == query.end() ? std::string() : it->second;
    };
    std::string message;
    for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                             "X-Amz-SignedHeaders"}) {
      if (get(name).empty()) {
        message += "AWS query-string parameters must include '";
        message += name;
        message += "'. ";
      }
    }
    if (!message.empty()) {
      return AuthError{AuthFailure::kIncomplete,
                       message + "Re-examine the query-string parameters."};
    }
    if (get("X-Amz-Algorithm") != kAlgorithm) {
      return AuthError{AuthFailure::kIncomplete,
                       "Unsupported AWS 'algorithm': '" + get("X-Amz-Algorithm") + "'"};
    }
    parts.credential = get("X-Amz-Credential");
    parts.signed_headers = get("X-Amz-SignedHeaders");
    parts.signature = get("X-Amz-Signature");
    parts.date = get("X-Amz-Date");
    parts.token = get("X-Amz-Security-Token");
    parts.expires = get("X-Amz-Expires");
  }

  const auto scope = common::Split(parts.credential, '/');
  if (scope.size() != 5) {
    return AuthError{AuthFailure::kIncomplete,
                     "Credential must have exactly 5 slash-delimited elements, e.g. "
                     "keyid/date/region/service/term, got '" +
                         parts.credential + "'"};
  }
  std::string secret;
  if (auto unknown = Lookup(scope[0], parts.token, &secret)) return unknown;

  const auto signed_at = ParseAmzDate(parts.date);
  if (!signed_at) {
    return AuthError{AuthFailure::kIncomplete, "Date must be in ISO-8601 'basic format'. Got '" +
                                                   parts.date +
                                                   "'. See http://en.wikipedia.org/wiki/ISO_8601"};
  }
  const int64_t now = clock_.NowNanos() / kNanos;
  const int64_t skew = rules.max_skew_ns / kNanos;
  const std::string skew_text = std::to_string(skew / 60) + " min.";
  if (parts.presigned && !parts.expires.empty()) {
    int64_t expires = -1;
    if (parts.expires.size() <= 9 &&
        std::all_of(parts.expires.begin(), parts.expires.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      expires = std::stoll(parts.expires);
    }
    if (expires < 0 || expires > 604800) {
      return AuthError{AuthFailure::kIncomplete,
                       "X-Amz-Expires must be a number of seconds from 0 to 604800 (a week); "
                       "got '" +
                           parts.expires + "'"};
    }
    if (now > *signed_at + expires) {
      return AuthError{AuthFailure::kExpired, "Request has expired."};
    }
  } else if (*signed_at < now - skew) {
    return AuthError{AuthFailure::kSkewed, "Signature expired: " + parts.date +
                                               " is now earlier than " + FormatAmzDate(now - skew) +
                                               " (" + FormatAmzDate(now) + " - " + skew_text + ")"};
  }
  if (*signed_at > now + skew) {
    return AuthError{AuthFailure::kSkewed, "Signature not yet current: " + parts.date +
                                               " is still later than " + FormatAmzDate(now + skew) +
                                               " (" + FormatAmzDate(now) + " + " + skew_text + ")"};
  }
  if (scope[4] != "aws4_request") {
    return AuthError{AuthFailure::kMismatch,
                     "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                         std::string(scope[4]) + "'."};
  }
  if (scope[3] != rules.service) {
    return AuthError{AuthFailure::kMismatch, "Credential should be scoped to correct service: '" +
                                                 std::string(rules.service) + "'. "};
  }
  if (scope[1] != std::string_view(parts.date).substr(0, 8)) {
    return AuthError{AuthFailure::kMismatch,
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                     "date from HTTP: '" +
                         std::string(scope[1]) + "' != '" + parts.date.substr(0, 8) + "', from '" +
                         parts.date + "'."};
  }

  // Canonical headers, in SignedHeaders order (clients send them sorted, lower case).
  std::string canonical_headers;
  bool host_signed = false;
  for (std::string_view name : common::Split(parts.signed_headers, ';')) {
    const std::string lower = common::ToLower(name);
    if (lower == "host" || lower == ":authority") host_signed = true;
    std::string joined;
    bool first = true;
    for (const auto& [header, value] : request.headers) {
      if (header.size() != lower.size() || common::ToLower(header) != lower) continue;
      if (!first) joined.push_back(',');
      joined += CanonicalHeaderValue(value);
      first = false;
    }
    canonical_headers += lower + ":" + joined + "\n";
  }
  if (!host_signed) {
    return AuthError{AuthFailure::kIncomplete,
                     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."};
  }

  // The payload hash: x-amz-content-sha256 when sent (UNSIGNED-PAYLOAD, STREAMING-... or the
  // hex digest, which must then be the body's), else the body's digest. A presigned URL signs
  // UNSIGNED-PAYLOAD (botocore, the JS SDK) unless it names X-Amz-Content-Sha256.
  const std::string body_hash = common::Sha256Hex(request.body);
  std::vector<std::string> payload_hashes;
  if (const std::string* declared = FindHeader(request.headers, "x-amz-content-sha256")) {
    const std::string value(common::TrimSpace(*declared));
    const bool literal = value == kUnsignedPayload || common::StartsWith(value, "STREAMING-");
    if (!literal && value != body_hash) {
      return AuthError{AuthFailure::kMismatch,
                       "The provided 'x-amz-content-sha256' header does not match what was "
                       "computed."};
    }
    payload_hashes.push_back(value);
  } else if (parts.presigned) {
    auto it = query.find("X-Amz-Content-Sha256");
    payload_hashes.push_back(it != query.end() ? it->second : std::string(kUnsignedPayload));
    if (it == query.end()) payload_hashes.push_back(body_hash);
  } else {
    payload_hashes.push_back(body_hash);
  }

  const std::string scope_text = std::string(scope[1]) + "/" + std::string(scope[2]) + "/" +
                                 std::string(scope[3]) + "/aws4_request";
  const std::string prefix =
      std::string(request.method) + "\n" + CanonicalUri(request.path, rules.service == "s3") +
      "\n" + CanonicalQuery(request.query, parts.presigned ? "X-Amz-Signature" : "") + "\n" +
      canonical_headers + "\n" + parts.signed_headers + "\n";
  std::string first_canonical;
  std::string first_string_to_sign;
  for (const std::string& payload_hash : payload_hashes) {
    const std::string canonical = prefix + payload_hash;
    const std::string string_to_sign = std::string(kAlgorithm) + "\n" + parts.date + "\n" +
                                       scope_text + "\n" + common::Sha256Hex(canonical);
    const std::string expected = Signature(secret, scope[1], scope[2], scope[3], string_to_sign);
    if (SameSignature(expected, parts.signature)) return std::nullopt;
    if (first_canonical.empty()) {
      first_canonical = canonical;
      first_string_to_sign = string_to_sign;
    }
  }
  return AuthError{AuthFailure::kMismatch,
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method. Consult the "
                   "service documentation for details.\n\nThe Canonical String for this request "
                   "should have been\n'" +
                       first_canonical + "'\n\nThe String-to-Sign should have been\n'" +
                       first_string_to_sign + "'\n"};
}

}  // namespace offstage::protocol
