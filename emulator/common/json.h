// Depth-limited JSON parsing for untrusted text (request bodies, policies, payloads, the config
// file). nlohmann's parser itself is iterative, but the code that walks a parsed document
// (filter policies, dump(), copies) recurses once per level, so a document nested ~20,000 deep
// overflows the stack; every untrusted parse goes through here first. And the one way a
// document is serialised (kReplaceInvalidUtf8). Pure, any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace offstage::common {

// Every dump() in emulator/ passes this (scripts/check-json-dump.py, ctest lint/json-dump):
// nlohmann's default throws type_error.316 on bytes that are not UTF-8, and client bytes reach
// many documents (names, tags, endpoints, headers, a function's output); a throw on a
// background thread ends the daemon. Such bytes are written as U+FFFD instead.
inline constexpr nlohmann::json::error_handler_t kReplaceInvalidUtf8 =
    nlohmann::json::error_handler_t::replace;

// Deeper than this, a document is rejected as if it were not JSON. Jackson (the JVM parser
// behind AWS's services) rejects documents nested deeper than 1000 by default.
inline constexpr int kMaxJsonDepth = 1000;

// True when no array or object in `text` is nested more than `max_depth` deep. Brackets inside
// strings do not count; text that is not JSON is scanned as far as it goes. Linear, no recursion.
bool JsonDepthWithin(std::string_view text, int max_depth = kMaxJsonDepth);

// What a caller reports (after its own "failed to parse JSON. "-style prefix) when
// JsonDepthWithin fails with the default limit; Jackson's wording.
std::string JsonTooDeepDetail();

// nlohmann's parse without exceptions: a discarded value when `text` is not JSON or is nested
// deeper than `max_depth`.
template <typename Json = nlohmann::json>
Json ParseJson(std::string_view text, int max_depth = kMaxJsonDepth) {
  if (!JsonDepthWithin(text, max_depth)) return Json(Json::value_t::discarded);
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace offstage::common
