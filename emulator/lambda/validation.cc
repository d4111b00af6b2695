// Lambda input validation and the errors shared by the Lambda service (validation.h). Pure
// functions over constant tables, safe on any thread.
#include "emulator/lambda/validation.h"

#include <array>
#include <regex>
#include <set>

#include "emulator/common/arn.h"
#include "emulator/runtime/runtimes.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

// botocore's NamespacedFunctionName (GetFunction, Invoke, DeleteFunction, ...) allows dots in
// the name; its FunctionName (CreateFunction, UpdateFunctionCode, ...) does not.
constexpr std::string_view kFunctionNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
constexpr std::string_view kPlainFunctionNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";

// Reserved variables Lambda sets itself (§5.2).
const std::set<std::string_view> kReservedKeys = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

auto ValidationError(std::string_view value, std::string_view member, std::string_view rule) {
  return Fail(ErrorCode::kLambdaValidation,
              "1 validation error detected: Value '" + std::string(value) + "' at '" +
                  std::string(member) + "' failed to satisfy constraint: " + std::string(rule));
}

}  // namespace

common::Result<FunctionRef> ParseFunctionRef(std::string_view text, std::string_view member,
                                             NameShape shape) {
  static const std::regex namespaced{std::string(kFunctionNamePattern)};
  static const std::regex plain{std::string(kPlainFunctionNamePattern)};
  const std::string_view rule =
      shape == NameShape::kNamespaced ? kFunctionNamePattern : kPlainFunctionNamePattern;
  std::match_results<std::string_view::const_iterator> match;
  if (text.empty() || text.size() > 170 ||
      !std::regex_match(text.begin(), text.end(), match,
                        shape == NameShape::kNamespaced ? namespaced : plain)) {
    return ValidationError(text, member,
                           "Member must satisfy regular expression pattern: " + std::string(rule));
  }
  FunctionRef ref;
  ref.name = match[7].str();
  ref.qualifier = match[9].matched ? match[9].str() : "";
  if (match[3].matched) {
    std::string region = match[3].str();
    ref.region = region.substr(0, region.size() - 1);
  }
  if (match[5].matched) {
    std::string account = match[5].str();
    ref.account = account.substr(0, account.size() - 1);
  }
  // "acct:function:name" without the arn: prefix is the partial form; a bare "name:qual" is a
  // qualified name. Anything that names the account must also say "function:".
  if (!ref.account.empty() && !match[6].matched) {
    return ValidationError(text, member,
                           "Member must satisfy regular expression pattern: " + std::string(rule));
  }
  if (ref.name.size() > 64) {
    return ValidationError(text, member, "Member must have length less than or equal to 64");
  }
  return ref;
}

common::Status ValidateNewFunctionName(std::string_view name) {
  static const std::regex pattern{R"([a-zA-Z0-9-_]{1,64})"};
  if (name.size() > 64 || !std::regex_match(name.begin(), name.end(), pattern)) {
    return ValidationError(name, "functionName",
                           "Member must satisfy regular expression pattern: "
                           "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
                           "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  }
  return {};
}

// Runtimes offstage runs: AWS's table in runtime/runtimes.cc (deprecated ones included).
bool IsSupportedRuntime(std::string_view runtime) {
  return runtime::FindRuntime(runtime) != nullptr;
}

common::Status ValidateRuntime(std::string_view runtime) {
  if (IsSupportedRuntime(runtime)) return {};
  static const std::set<std::string_view> kAwsOnly = {"java8.al2", "java11",  "java17",   "java21",
                                                      "dotnet6",   "dotnet8", "ruby3.2",  "ruby3.3",
                                                      "ruby3.4",   "java25",  "dotnet10", "go1.x"};
  if (kAwsOnly.contains(runtime)) {
    return InvalidParameterValueError(
        "offstage cannot run the runtime " + std::string(runtime) +
        " on this machine; supported: nodejs14.x-nodejs24.x, python3.7-python3.14, "
        "provided, provided.al2, provided.al2023");
  }
  // Since late 2018 AWS answers an unknown runtime with InvalidParameterValueException and
  // this wording (aws-cli#3789; LocalStack's recordings).
  return InvalidParameterValueError(
      "Value " + std::string(runtime) +
      " at 'runtime' failed to satisfy constraint: Member must satisfy enum value "
      "set: [nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9, python3.10, "
      "python3.11, python3.12, python3.13, python3.14, provided, provided.al2, "
      "provided.al2023, "
      "java8.al2, java11, java17, java21, dotnet8, ruby3.2, ruby3.3, ruby3.4] or be "
      "a valid ARN");
}

common::Status ValidateRole(std::string_view role) {
  static const std::regex pattern{
      R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)"};
  // Bounded before the regular expression (libstdc++'s matcher recurses per character).
  if (role.size() > 2048 || !std::regex_match(role.begin(), role.end(), pattern)) {
    return ValidationError(role, "role",
                           "Member must satisfy regular expression pattern: "
                           "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  }
  return {};
}

common::Status ValidateRoleAccount(std::string_view role, std::string_view account) {
  // arn:PARTITION:iam::ACCOUNT:role/NAME, already of ValidateRole's shape.
  const auto parsed = common::ParseArn(role);
  if (parsed && !account.empty() && parsed->account != account) {
    return Fail(ErrorCode::kLambdaAccessDenied, "Cross-account pass role is not allowed.");
  }
  return {};
}

std::string Violation(std::string_view value, std::string_view member, std::string_view rule) {
  return "Value '" + std::string(value) + "' at '" + std::string(member) +
         "' failed to satisfy constraint: " + std::string(rule);
}

void Collect(const common::Status& status, std::vector<std::string>& violations,
             std::optional<common::ApiError>& other) {
  if (status) return;
  constexpr std::string_view kPrefix = "1 validation error detected: ";
  const common::ApiError& error = status.error();
  if (error.code == ErrorCode::kLambdaValidation && error.message.starts_with(kPrefix)) {
    violations.push_back(error.message.substr(kPrefix.size()));
  } else if (!other) {
    other = error;
  }
}

common::Status Violations(const std::vector<std::string>& violations) {
  if (violations.empty()) return {};
  std::string message =
      std::to_string(violations.size()) +
      (violations.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < violations.size(); ++i) {
    message += (i ? "; " : "") + violations[i];
  }
  return Fail(ErrorCode::kLambdaValidation, std::move(message));
}

common::Status ValidateTimeout(int timeout) {
  if (timeout < 1) {
    return ValidationError(std::to_string(timeout), "timeout",
                           "Member must have value greater than or equal to 1");
  }
  if (timeout > 900) {
    return ValidationError(std::to_string(timeout), "timeout",
                           "Member must have value less than or equal to 900");
  }
  return {};
}

common::Status ValidateMemory(int memory) {
  if (memory < 128) {
    return ValidationError(std::to_string(memory), "memorySize",
                           "Member must have value greater than or equal to 128");
  }
  if (memory > 10240) {
    return ValidationError(std::to_string(memory), "memorySize",
                           "Member must have value less than or equal to 10240");
  }
  return {};
}

common::Status ValidateVariables(const std::map<std::string, std::string>& variables) {
  std::string reserved;
  size_t total = 0;
  static const std::regex key_pattern{R"([a-zA-Z]([a-zA-Z0-9_])+)"};
  for (const auto& [key, value] : variables) {
    if (kReservedKeys.contains(key)) reserved += (reserved.empty() ? "" : ", ") + key;
    if (key.size() > 1024 || !std::regex_match(key, key_pattern)) {
      return ValidationError(key, "environment.variables",
                             "Member must satisfy regular expression pattern: "
                             "[a-zA-Z]([a-zA-Z0-9_])+");
    }
    total += key.size() + value.size();
  }
  if (!reserved.empty()) {
    return InvalidParameterValueError(
        "Lambda was unable to configure your environment variables because the "
        "environment variables you have provided contains reserved keys that are "
        "currently not supported for modification. Reserved keys used in this request: " +
        reserved);
  }
  if (total > 4096) {
    return InvalidParameterValueError(
        "Lambda was unable to configure your environment variables because the "
        "environment variables you have provided exceeded the 4KB limit. String "
        "measured: " +
        std::to_string(total));
  }
  return {};
}

std::unexpected<common::ApiError> FunctionNotFoundError(std::string_view arn,
                                                        std::string_view qualifier) {
  std::string message = "Function not found: " + std::string(arn);
  if (!qualifier.empty()) message += ":" + std::string(qualifier);
  return Fail(ErrorCode::kLambdaResourceNotFound, std::move(message));
}

std::unexpected<common::ApiError> InvalidParameterValueError(std::string_view message) {
  return Fail(ErrorCode::kLambdaInvalidParameterValue, std::string(message));
}

}  // namespace offstage::lambda
