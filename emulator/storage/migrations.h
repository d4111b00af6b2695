// The numbered schema migrations, applied in order by Database::Open. Never edit a shipped
// migration: append a new one. Pure data.
#pragma once

#include <span>
#include <string_view>

namespace offstage::storage {

std::span<const std::string_view> Migrations();

}  // namespace offstage::storage
