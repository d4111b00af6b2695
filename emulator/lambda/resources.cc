// LambdaService's resource operations: reserved concurrency, the resource policy
// (AddPermission / RemovePermission / GetPolicy), tags and account settings. Thread model: any
// HTTP worker thread; changes go through UpdateFunction (FunctionStore::Update: one at a time,
// committed before memory changes), sums read the store's table under its mutex.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/lambda/validation.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;
using nlohmann::json;

constexpr int kAccountConcurrency = 1000;
constexpr int kMinUnreserved = 100;

}  // namespace

Result<int> LambdaService::PutFunctionConcurrency(const RequestContext& ctx,
                                                  const std::string& name, int reserved) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  if (reserved < 0) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + std::to_string(reserved) +
                    "' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member "
                    "must have value greater than or equal to 0");
  }
  auto updated = UpdateFunction(*arn, [&](Function& f) -> Status {
    // Inside the change: no other reservation changes before this one is committed.
    if (kAccountConcurrency - ReservedByOthers(f.arn) - reserved < kMinUnreserved) {
      return InvalidParameterValueError(
          "Specified ReservedConcurrentExecutions for function decreases account's "
          "UnreservedConcurrentExecution below its minimum value of [100].");
    }
    f.reserved_concurrency = reserved;
    return {};
  });
  if (!updated) return Fail(updated.error());
  return reserved;
}

int LambdaService::ReservedByOthers(const std::string& arn) const {
  return functions_.Read([&](const std::map<std::string, Function>& functions) {
    int others = 0;
    for (const auto& [other_arn, other] : functions) {
      if (other_arn != arn && other.reserved_concurrency) others += *other.reserved_concurrency;
    }
    return others;
  });
}

Result<std::optional<int>> LambdaService::GetFunctionConcurrency(const RequestContext& ctx,
                                                                 const std::string& name) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto function = Find(*arn);
  if (!function) return Fail(function.error());
  return function->reserved_concurrency;
}

Status LambdaService::DeleteFunctionConcurrency(const RequestContext& ctx,
                                                const std::string& name) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto updated = UpdateFunction(*arn, [](Function& f) -> Status {
    f.reserved_concurrency.reset();
    return {};
  });
  if (!updated) return Fail(updated.error());
  return {};
}

Result<std::string> LambdaService::AddPermission(const RequestContext& ctx, const std::string& name,
                                                 const PermissionInput& in) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, in.qualifier, qualifier);
  if (!arn) return Fail(arn.error());
  if (auto status = ValidateQualifier(qualifier); !status) return Fail(status.error());
  static const std::regex kSid{R"(([a-zA-Z0-9-_.]+))"};
  if (in.statement_id.size() > 100 || !std::regex_match(in.statement_id, kSid)) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + in.statement_id +
                    "' at 'statementId' failed to satisfy constraint: Member must satisfy "
                    "regular expression pattern: ([a-zA-Z0-9-_.]+)");
  }
  if (qualifier == "$LATEST") {
    return InvalidParameterValueError("We currently do not support adding policies for $LATEST.");
  }
  json principal;
  if (in.principal == "*") {
    principal = "*";
  } else if (in.principal.find(".amazonaws.com") != std::string::npos) {
    principal = {{"Service", in.principal}};
  } else if (in.principal.size() == 12 &&
             in.principal.find_first_not_of("0123456789") == std::string::npos) {
    principal = {{"AWS", "arn:aws:iam::" + in.principal + ":root"}};
  } else {
    principal = {{"AWS", in.principal}};
  }
  // A version's or an alias's policy names its qualified ARN (AWS's recorded statements).
  nlohmann::ordered_json statement = {
      {"Sid", in.statement_id},
      {"Effect", "Allow"},
      {"Principal", principal},
      {"Action", in.action},
      {"Resource", qualifier.empty() ? *arn : *arn + ":" + qualifier}};
  nlohmann::ordered_json condition = nlohmann::ordered_json::object();
  if (in.source_arn) condition["ArnLike"] = {{"AWS:SourceArn", *in.source_arn}};
  if (in.source_account) condition["StringEquals"] = {{"AWS:SourceAccount", *in.source_account}};
  if (in.principal_org_id) {
    condition["StringEquals"]["aws:PrincipalOrgID"] = *in.principal_org_id;
  }
  if (in.event_source_token) {
    condition["StringEquals"]["lambda:EventSourceToken"] = *in.event_source_token;
  }
  if (!condition.empty()) statement["Condition"] = condition;
  auto updated = UpdateFunction(*arn, [&](Function& f) -> Status {
    if (!qualifier.empty()) {
      if (auto status = CheckQualifier(f, qualifier); !status) return status;
    }
    ResourcePolicy unqualified{f.policy_json, f.policy_revision};
    ResourcePolicy& policy = qualifier.empty() ? unqualified : f.qualified_policies[qualifier];
    if (in.revision_id && *in.revision_id != policy.revision && !policy.revision.empty()) {
      return Fail(ErrorCode::kLambdaPreconditionFailed,
                  "The Revision Id provided does not match the latest Revision Id. Call the "
                  "GetPolicy API to retrieve the latest Revision Id");
    }
    nlohmann::ordered_json statements = policy.statements.empty()
                                            ? nlohmann::ordered_json::array()
                                            : nlohmann::ordered_json::parse(policy.statements);
    for (const auto& existing : statements) {
      if (existing.value("Sid", "") == in.statement_id) {
        return Fail(ErrorCode::kLambdaResourceConflict,
                    "The statement id (" + in.statement_id +
                        ") provided already exists. Please provide a new statement id, or "
                        "remove the existing statement.");
      }
    }
    statements.push_back(statement);
    policy.statements = statements.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    policy.revision = ids_.Uuid();
    if (qualifier.empty()) {
      f.policy_json = policy.statements;
      f.policy_revision = policy.revision;
    }
    return {};
  });
  if (!updated) return Fail(updated.error());
  return statement.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

Status LambdaService::RemovePermission(const RequestContext& ctx, const std::string& name,
                                       const std::string& statement_id,
                                       const std::string& qualifier_param) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, qualifier_param, qualifier);
  if (!arn) return Fail(arn.error());
  if (auto status = ValidateQualifier(qualifier); !status) return status;
  if (qualifier == "$LATEST") qualifier.clear();
  auto updated = UpdateFunction(*arn, [&](Function& f) -> Status {
    if (!qualifier.empty()) {
      if (auto status = CheckQualifier(f, qualifier); !status) return status;
    }
    ResourcePolicy unqualified{f.policy_json, f.policy_revision};
    ResourcePolicy& policy = qualifier.empty() ? unqualified : f.qualified_policies[qualifier];
    if (policy.statements.empty()) {
      return Fail(ErrorCode::kLambdaResourceNotFound,
                  "No policy is associated with the given resource.");
    }
    nlohmann::ordered_json statements = nlohmann::ordered_json::parse(policy.statements);
    const size_t before = statements.size();
    statements.erase(
        std::remove_if(statements.begin(), statements.end(),
                       [&](const auto& s) { return s.value("Sid", "") == statement_id; }),
        statements.end());
    if (statements.size() == before) {
      return Fail(ErrorCode::kLambdaResourceNotFound,
                  "Statement " + statement_id + " is not found in resource policy.");
    }
    policy.statements =
        statements.empty() ? "" : statements.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    policy.revision = ids_.Uuid();
    if (qualifier.empty()) {
      f.policy_json = policy.statements;
      f.policy_revision = policy.revision;
    } else if (policy.statements.empty()) {
      f.qualified_policies.erase(qualifier);
    }
    return {};
  });
  if (!updated) return Fail(updated.error());
  return {};
}

Result<std::pair<std::string, std::string>> LambdaService::GetPolicy(
    const RequestContext& ctx, const std::string& name, const std::string& qualifier_param) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, qualifier_param, qualifier);
  if (!arn) return Fail(arn.error());
  if (auto status = ValidateQualifier(qualifier); !status) return Fail(status.error());
  if (qualifier == "$LATEST") qualifier.clear();
  auto function = Find(*arn);
  if (!function) return Fail(function.error());
  ResourcePolicy policy{function->policy_json, function->policy_revision};
  if (!qualifier.empty()) {
    auto it = function->qualified_policies.find(qualifier);
    policy = it == function->qualified_policies.end() ? ResourcePolicy{} : it->second;
  }
  if (policy.statements.empty()) {
    return Fail(ErrorCode::kLambdaResourceNotFound, "The resource you requested does not exist.");
  }
  nlohmann::ordered_json document = {
      {"Version", "2012-10-17"},
      {"Id", "default"},
      {"Statement", nlohmann::ordered_json::parse(policy.statements)}};
  return std::make_pair(document.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                        policy.revision);
}

Status LambdaService::ValidateQualifier(const std::string& qualifier) {
  // botocore's NumericLatestPublishedOrAliasQualifier: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+
  bool ok = !qualifier.empty() && qualifier.size() <= 128;
  for (char c : qualifier) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '$') {
      ok = false;
    }
  }
  if (qualifier.empty() || ok) return {};
  return Fail(
      ErrorCode::kLambdaValidation,
      "1 validation error detected: " + Violation(qualifier.substr(0, 256), "qualifier",
                                                  "Member must satisfy regular expression pattern: "
                                                  "\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"));
}

Status LambdaService::CheckQualifier(const Function& f, const std::string& qualifier) {
  if (!qualifier.empty() && qualifier.find_first_not_of("0123456789") == std::string::npos) {
    if (f.Version(qualifier) == nullptr) return FunctionNotFoundError(f.arn, qualifier);
    return {};
  }
  if (f.aliases.count(qualifier) == 0) {
    return Fail(ErrorCode::kLambdaResourceNotFound,
                "Cannot find alias arn: " + f.arn + ":" + qualifier);
  }
  return {};
}

Status LambdaService::TagResource(const RequestContext& ctx, const std::string& arn,
                                  const std::map<std::string, std::string>& tags) {
  auto resolved = ResolveArn(ctx, arn, "resource", nullptr);
  if (!resolved) return Fail(resolved.error());
  auto updated = UpdateFunction(*resolved, [&](Function& f) -> Status {
    for (const auto& [key, value] : tags) f.tags[key] = value;
    // Refused as a whole: the copy is dropped, none of the tags applies.
    if (f.tags.size() > 50) {
      return InvalidParameterValueError("Number of tags exceeds resource tag limit.");
    }
    return {};
  });
  if (!updated) return Fail(updated.error());
  return {};
}

Status LambdaService::UntagResource(const RequestContext& ctx, const std::string& arn,
                                    const std::vector<std::string>& keys) {
  auto resolved = ResolveArn(ctx, arn, "resource", nullptr);
  if (!resolved) return Fail(resolved.error());
  auto updated = UpdateFunction(*resolved, [&](Function& f) -> Status {
    for (const auto& key : keys) f.tags.erase(key);
    return {};
  });
  if (!updated) return Fail(updated.error());
  return {};
}

Result<std::map<std::string, std::string>> LambdaService::ListTags(const RequestContext& ctx,
                                                                   const std::string& arn) {
  auto resolved = ResolveArn(ctx, arn, "resource", nullptr);
  if (!resolved) return Fail(resolved.error());
  auto function = Find(*resolved);
  if (!function) return Fail(function.error());
  return function->tags;
}

AccountSettings LambdaService::GetAccountSettings(const RequestContext& ctx) const {
  return functions_.Read([&](const std::map<std::string, Function>& functions) {
    AccountSettings settings;
    int reserved = 0;
    for (const auto& [arn, f] : functions) {
      if (f.region != ctx.region || f.account != ctx.account) continue;
      ++settings.function_count;
      settings.total_code_size += f.code.size;
      if (f.reserved_concurrency) reserved += *f.reserved_concurrency;
    }
    settings.unreserved_concurrency = kAccountConcurrency - reserved;
    return settings;
  });
}

}  // namespace offstage::lambda
