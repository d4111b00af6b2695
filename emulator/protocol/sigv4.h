// Reads the SigV4 credential scope from an Authorization header (§7.1 of
// ../shared/reference/aws-wire-protocol.md). Signatures are not verified (as most emulators):
// the scope gives region, service and the access key id that attributes a call to its caller.
// Pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace offstage::protocol {

struct CredentialScope {
  std::string access_key_id;
  std::string date;
  std::string region;
  std::string service;
};

std::optional<CredentialScope> ParseCredentialScope(std::string_view authorization);

}  // namespace offstage::protocol
