// Amazon Resource Names: parse and format "arn:partition:service:region:account:resource".
// Pure value type, safe on any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace offstage::common {

struct Arn {
  std::string partition;
  std::string service;
  std::string region;
  std::string account;
  std::string resource;  // everything after the fifth ':' (may itself contain ':')

  std::string ToString() const;
};

// Number of ':'-separated elements (AWS's "An ARN must have at least 6 elements, not N").
int ArnElementCount(std::string_view text);
// nullopt unless the text starts with "arn:" and has at least six elements.
std::optional<Arn> ParseArn(std::string_view text);

std::string TopicArn(std::string_view region, std::string_view account, std::string_view name);
std::string FunctionArn(std::string_view region, std::string_view account, std::string_view name);

}  // namespace offstage::common
