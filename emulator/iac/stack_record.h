// The stack's record (what the deployer keeps in SQLite and answers for `offstage stacks`):
// a resource as a JSON object (logical id, type, physical id, Ref and attributes, properties,
// the handler's state, status, note, retain), read back as a Current, and the one-line events a
// deploy or destroy prints. Also the sweep of a stack's inline code directories. Pure, except
// the sweep (files): any thread.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/iac/resource_types.h"

namespace offstage::iac {

nlohmann::json ResourceJson(const std::string& id, const std::string& type, const Current& c,
                            const std::string& status, std::string_view note, bool retain);
Current CurrentOf(const nlohmann::json& resource);
// "CREATE_COMPLETE  Topic  AWS::SNS::Topic  arn:..."
std::string Line(const std::string& what, const std::string& id, const std::string& type,
                 const std::string& detail);
// Removes the inline code directories under `dir` (lambda_code.h) that no resource in `keep`
// runs from: what a deploy replaced, or a stack's when it is destroyed.
void SweepInlineCode(const std::filesystem::path& dir, const std::vector<nlohmann::json>& keep);

}  // namespace offstage::iac
