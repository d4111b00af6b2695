// The access keys serve --verify-signatures accepts: --credentials FILE (AWS's shared
// credentials INI format, the ~/.aws/credentials file) and repeatable --access-key ID:SECRET
// (docs/security.md). Called once by app::Daemon at start, on the main thread; pure apart from
// reading the file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::app {

// Every profile's aws_access_key_id -> aws_secret_access_key in INI text; an error when a
// profile names one without the other, or when there is none.
common::Result<std::map<std::string, std::string>> ParseCredentialsIni(std::string_view text,
                                                                       const std::string& origin);

// The keys of --credentials (may be empty: none) and --access-key ID:SECRET items together.
common::Result<std::map<std::string, std::string>> LoadAccessKeys(
    const std::string& credentials_file, const std::vector<std::string>& access_keys);

}  // namespace offstage::app
