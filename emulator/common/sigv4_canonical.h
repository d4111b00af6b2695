// SigV4's canonical pieces (AWS's "Signature Version 4" documentation): the canonical URI,
// query and header value, the derived signing key and the signature. One implementation for the
// verifier of `serve --verify-signatures` (protocol/sigv4.h) and the signer of the deployer's
// own requests (iac/aws_api.h). Pure functions: any thread.
#pragma once

#include <string>
#include <string_view>

namespace offstage::common::sigv4 {

// Canonical URI: non-S3 services encode each segment of the wire path again (double
// encoding); S3 (single_encode) uses the wire path as it is.
std::string CanonicalUri(std::string_view wire_path, bool single_encode);
// Canonical query: decoded, re-encoded (RFC 3986), sorted by name then value; `skip` (the
// presigned X-Amz-Signature) left out.
std::string CanonicalQuery(std::string_view raw_query, std::string_view skip = {});
// Trimmed, inner whitespace runs folded to one space.
std::string CanonicalHeaderValue(std::string_view value);
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);
// Hex HMAC-SHA256 of string_to_sign under the derived signing key.
std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);

}  // namespace offstage::common::sigv4
