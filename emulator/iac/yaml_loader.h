// Reading a template's text: JSON, or YAML with CloudFormation's short-form tags (`!Ref X`,
// `!GetAtt A.B`, `!Sub ...`), into one JSON document in the long form (`{"Ref": "X"}`,
// `{"Fn::GetAtt": ["A", "B"]}`), so everything after reading sees one shape. YAML is parsed by
// yaml-cpp (Debian's libyaml-cpp-dev), not by hand. Pure functions: any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "emulator/common/result.h"

namespace offstage::iac {

// `name` prefixes error messages (a file path). An unknown `!Tag`, a syntax error or a map key
// given twice is an error naming its line and column.
common::Result<nlohmann::json> LoadTemplateText(std::string_view text, std::string_view name);

}  // namespace offstage::iac
