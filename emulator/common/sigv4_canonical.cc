// SigV4's canonical pieces (sigv4_canonical.h).
#include "emulator/common/sigv4_canonical.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "emulator/common/strings.h"

namespace offstage::common::sigv4 {
namespace {

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

}  // namespace

std::string CanonicalUri(std::string_view wire_path, bool single_encode) {
  if (wire_path.empty()) return "/";
  if (single_encode) return std::string(wire_path);
  std::string out;
  out.reserve(wire_path.size() + 16);
  size_t start = 0;
  while (true) {
    const size_t slash = wire_path.find('/', start);
    out += common::PercentEncode(wire_path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  return out;
}

std::string CanonicalQuery(std::string_view raw_query, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!raw_query.empty()) {
    for (std::string_view pair : common::Split(raw_query, '&')) {
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string_view raw_name = pair.substr(0, eq);
      const std::string_view raw_value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      auto name = common::PercentDecode(raw_name);
      auto value = common::PercentDecode(raw_value);
      // An undecodable escape is signed as sent (the client encoded it that way).
      std::string encoded_name = name ? common::PercentEncode(*name) : std::string(raw_name);
      if (!skip.empty() && name && *name == skip) continue;
      params.emplace_back(std::move(encoded_name),
                          value ? common::PercentEncode(*value) : std::string(raw_value));
    }
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view value) {
  value = TrimSpace(value);
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!in_space) out.push_back(' ');
      in_space = true;
    } else {
      out.push_back(c);
      in_space = false;
    }
  }
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  const std::string k_date = Hmac("AWS4" + std::string(secret), date);
  const std::string k_region = Hmac(k_date, region);
  const std::string k_service = Hmac(k_region, service);
  return Hmac(k_service, "aws4_request");
}

std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
  return Hex(Hmac(SigningKey(secret, date, region, service), string_to_sign));
}

}  // namespace offstage::common::sigv4
