// Lambda input validation with AWS's exceptions and messages (§4 of the wire reference and the
// botocore model's constraints), and the errors the Lambda service builds in several places.
// Pure functions, safe on any thread.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
// The role's shape (ValidationException); a role of another account than `account` is
// AccessDeniedException, as AWS answers it (ValidateRoleAccount).
common::Status ValidateRole(std::string_view role);
common::Status ValidateRoleAccount(std::string_view role, std::string_view account);
common::Status ValidateTimeout(int timeout);
common::Status ValidateMemory(int memory);
common::Status ValidateVariables(const std::map<std::string, std::string>& variables);
bool IsSupportedRuntime(std::string_view runtime);

// One constraint violation as AWS words it: "Value 'V' at 'MEMBER' failed to satisfy
// constraint: RULE".
std::string Violation(std::string_view value, std::string_view member, std::string_view rule);
// Adds the violation a validator reported (a ValidationException) to `violations`; any other
// error is kept in `other` (the first one) to be answered after the schema's constraints.
void Collect(const common::Status& status, std::vector<std::string>& violations,
             std::optional<common::ApiError>& other);
// AWS's one ValidationException for all the violations of a request: "1 validation error
// detected: V" or "N validation errors detected: V1; V2". Success when there are none.
common::Status Violations(const std::vector<std::string>& violations);

// ResourceNotFoundException "Function not found: ARN", or "Function not found: ARN:QUALIFIER"
// when `qualifier` is not empty.
std::unexpected<common::ApiError> FunctionNotFoundError(std::string_view arn,
                                                        std::string_view qualifier = {});
// InvalidParameterValueException with `message`.
std::unexpected<common::ApiError> InvalidParameterValueError(std::string_view message);

}  // namespace offstage::lambda
