// EnumName/ParseEnum: an enum's values and their one spelling, as a constexpr table of
// (value, name) pairs, looked up both ways. Used where an enum is stored or written by name
// (storage's event and delivery states, telemetry's span schema). Header only; pure.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace offstage::common {

// The name of `value` in `table`, or "unknown" when the table lacks it.
template <typename Table, typename Enum>
constexpr std::string_view EnumName(const Table& table, Enum value) {
  for (const auto& [known, name] : table) {
    if (known == value) return name;
  }
  return "unknown";
}

// The value named `name` in `table`, or nullopt.
template <typename Enum, typename Table>
constexpr std::optional<Enum> ParseEnum(const Table& table, std::string_view name) {
  for (const auto& [value, known] : table) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace offstage::common
