#include "emulator/protocol/sigv4.h"

#include "emulator/common/strings.h"

namespace offstage::protocol {

std::optional<CredentialScope> ParseCredentialScope(std::string_view authorization) {
  if (!common::StartsWith(authorization, "AWS4-HMAC-SHA256")) return std::nullopt;
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

}  // namespace offstage::protocol
