// The dashboard's files (emulator/protocol/dashboard/: index.html, app.js, app.css), compiled
// into the binary at build time by cmake/embed_assets.cmake, so `offstage serve` serves them
// under /_offstage/ with nothing installed beside it and no network (docs/dashboard.md).
// Immutable data; safe on any thread.
#pragma once

#include <optional>
#include <string_view>

namespace offstage::protocol {

struct DashboardAsset {
  std::string_view content_type;
  std::string_view body;
};

// The file called `name` (no directory), or nullopt.
std::optional<DashboardAsset> FindDashboardAsset(std::string_view name);

}  // namespace offstage::protocol
