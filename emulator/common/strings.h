// Leaf string utilities: strict percent-decoding, base64, UTF-8 validation, hashing.
// Pure functions, safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offstage::common {

// Decodes application/x-www-form-urlencoded text ('+' is a space). Returns nullopt on a '%'
// not followed by two hex digits.
std::optional<std::string> FormDecode(std::string_view in);
// Decodes a percent-encoded URI component ('+' stays '+').
std::optional<std::string> PercentDecode(std::string_view in);
// RFC 3986 encoding: unreserved characters kept, everything else %XX.
std::string PercentEncode(std::string_view in);

std::string Base64Encode(std::string_view bytes);
// Strict standard base64 (padding required); nullopt on anything else.
std::optional<std::string> Base64Decode(std::string_view text);

bool IsValidUtf8(std::string_view text);
// `text` cut to at most `max_bytes` followed by "..." when longer, never inside a UTF-8
// sequence (a cut one is backed off to its first byte).
std::string ShortenUtf8(std::string_view text, size_t max_bytes);

std::string Sha256Hex(std::string_view bytes);
std::string Sha256Base64(std::string_view bytes);

std::vector<std::string_view> Split(std::string_view text, char sep);
// `text` without leading and trailing whitespace (isspace).
std::string_view TrimSpace(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);
bool EndsWith(std::string_view text, std::string_view suffix);
std::string ToLower(std::string_view text);

// "250ms", "30s", "2m", "24h", "7d" -> nanoseconds; nullopt on anything else (no sign, no
// fraction, at most 9 digits).
std::optional<int64_t> ParseDurationNs(std::string_view text);

}  // namespace offstage::common
