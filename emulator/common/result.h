// Result<T>: std::expected<T, ApiError>, the return type of every fallible call that crosses
// a layer. Header only, no state.
#pragma once

#include <expected>

#include "emulator/common/api_error.h"

namespace offstage::common {

template <typename T>
using Result = std::expected<T, ApiError>;

using Status = Result<void>;

inline std::unexpected<ApiError> Fail(ApiError error) { return std::unexpected(std::move(error)); }
inline std::unexpected<ApiError> Fail(ErrorCode code, std::string message) {
  return std::unexpected(ApiError{code, std::move(message)});
}

}  // namespace offstage::common
