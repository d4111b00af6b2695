// Lambda input validation with AWS's exceptions and messages (§4 of the wire reference and the
// botocore model's constraints). Pure functions, safe on any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "emulator/common/result.h"

namespace offstage::lambda {

// A function name as the API accepts it: name, name:qualifier, a partial ARN
// (account:function:name) or a full ARN.
struct FunctionRef {
  std::string name;
  std::string qualifier;  // empty when none
  std::string region;     // empty unless given in an ARN
  std::string account;    // empty unless given
};

// The FunctionName shapes of botocore's Lambda model: kNamespaced (GetFunction, Invoke,
// DeleteFunction, permissions, ...) allows '.' in the name; kPlain (CreateFunction, Update*,
// *FunctionConcurrency) does not, so no function can be named "." or "..".
enum class NameShape { kNamespaced, kPlain };
common::Result<FunctionRef> ParseFunctionRef(std::string_view text, std::string_view member,
                                             NameShape shape = NameShape::kNamespaced);
common::Status ValidateNewFunctionName(std::string_view name);
common::Status ValidateRuntime(std::string_view runtime);
common::Status ValidateRole(std::string_view role);
common::Status ValidateTimeout(int timeout);
common::Status ValidateMemory(int memory);
common::Status ValidateVariables(const std::map<std::string, std::string>& variables);
bool IsSupportedRuntime(std::string_view runtime);

}  // namespace offstage::lambda
