// LambdaService's versions and aliases (issue #17): PublishVersion, ListVersionsByFunction,
// DeleteFunction of one version, Create/Get/Update/Delete/ListAliases, and the resolution of a
// qualifier ($LATEST, a version number, an alias: one weighted choice per invocation when it
// routes to two versions). A version is an immutable snapshot kept inside its function (one
// row, one FunctionStore::Update for every change); it has its own environments (the pool keys
// them by the version's ARN). AWS's errors and messages as recorded against AWS (LocalStack's
// snapshots). Thread model: any HTTP worker thread; changes through FunctionStore::Update.
#include <charconv>
#include <random>

#include "emulator/common/arn.h"
#include "emulator/common/strings.h"
#include "emulator/lambda/lambda_service.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

constexpr int kPageSize = 50;
constexpr std::string_view kAliasPattern = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";

bool IsNumber(std::string_view s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
}

bool IsAliasName(std::string_view s) {
  if (s.empty() || s.size() > 128 || s.find_first_not_of("0123456789") == std::string::npos) {
    return false;
  }
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

// A double as Java prints it in AWS's validation messages: 2.0, -1.0, 0.25.
std::string JavaDouble(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string out(buf, ec == std::errc() ? end : buf);
  if (out.find_first_of(".eE") == std::string::npos) out += ".0";
  return out;
}

std::unexpected<common::ApiError> RevisionMismatch() {
  return Fail(ErrorCode::kLambdaPreconditionFailed,
              "The Revision Id provided does not match the latest Revision Id. Call the "
              "GetFunction/GetAlias API to retrieve the latest Revision Id");
}

// The checks of an alias's routing that need no state (AWS answers these before lookups).
Status CheckRouting(const std::map<std::string, double>& weights, const std::string& primary) {
  if (weights.size() > 1) {
    return InvalidParameterValueError(
        "Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  for (const auto& [version, weight] : weights) {
    if (!IsNumber(version)) {
      return Fail(ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value '{" + version + "=" + JavaDouble(weight) +
                      "}' at 'routingConfig.additionalVersionWeights' failed to satisfy "
                      "constraint: Map keys must satisfy constraint: [Member must have length "
                      "less than or equal to 1024, Member must have length greater than or "
                      "equal to 1, Member must satisfy regular expression pattern: [0-9]+]");
    }
    if (!(weight >= 0.0 && weight <= 1.0)) {
      return Fail(ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value '{" + version + "=" + JavaDouble(weight) +
                      "}' at 'routingConfig.additionalVersionWeights' failed to satisfy "
                      "constraint: Map value must satisfy constraint: [Member must have value "
                      "less than or equal to 1.0, Member must have value greater than or equal "
                      "to 0.0, Member must not be null]");
    }
    if (primary == "$LATEST") {
      return InvalidParameterValueError(
          "$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (version == primary) {
      return InvalidParameterValueError("Invalid function version " + version +
                                        ". Function version " + version +
                                        " is already included in routing configuration.");
    }
  }
  return {};
}

Status CheckVersionName(const std::string& version) {
  if (version == "$LATEST" || IsNumber(version)) return {};
  return Fail(ErrorCode::kLambdaValidation,
              "1 validation error detected: Value '" + version +
                  "' at 'functionVersion' failed to satisfy constraint: Member must satisfy "
                  "regular expression pattern: (\\$LATEST|[0-9]+)");
}

Status CheckAliasName(const std::string& name) {
  if (IsAliasName(name)) return {};
  return Fail(ErrorCode::kLambdaValidation,
              "1 validation error detected: Value '" + name +
                  "' at 'name' failed to satisfy constraint: Member must satisfy regular "
                  "expression pattern: " +
                  std::string(kAliasPattern));
}

Result<std::optional<int>> MaxItems(std::optional<int> max_items) {
  if (max_items && (*max_items < 1 || *max_items > 10000)) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + std::to_string(*max_items) +
                    "' at 'maxItems' failed to satisfy constraint: Member must have value "
                    "between 1 and 10000");
  }
  return max_items;
}

double Uniform() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

std::string LambdaService::QualifierOf(const std::string& arn) {
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  size_t pos = 0;
  for (int colons = 0; colons < 7; ++colons) {
    pos = arn.find(':', pos);
    if (pos == std::string::npos) return "";
    ++pos;
  }
  return arn.substr(pos);
}

std::string LambdaService::UnqualifiedOf(const std::string& arn) {
  const std::string qualifier = QualifierOf(arn);
  return qualifier.empty() ? arn : arn.substr(0, arn.size() - qualifier.size() - 1);
}

bool LambdaService::CodeInUse(const Function& f, const std::string& dir, const Function* except) {
  if (f.code.dir == dir) return true;
  for (const auto& [number, version] : f.versions) {
    if (version.get() != except && version->code.dir == dir) return true;
  }
  return false;
}

Result<Function> LambdaService::VersionOf(const Function& latest, const std::string& qualifier,
                                          bool choose) const {
  if (qualifier.empty() || qualifier == "$LATEST") return latest;
  std::string number = qualifier;
  if (!IsNumber(qualifier)) {
    auto alias = latest.aliases.find(qualifier);
    if (alias == latest.aliases.end()) return FunctionNotFoundError(latest.arn, qualifier);
    number = alias->second.function_version;
    const auto& weights = alias->second.additional_version_weights;
    if (choose && !weights.empty() && Uniform() < weights.begin()->second) {
      number = weights.begin()->first;
    }
    if (number == "$LATEST") return latest;
  }
  const Function* version = latest.Version(number);
  if (!version) return FunctionNotFoundError(latest.arn, qualifier);
  Function out = *version;
  // What belongs to the function, not to a version.
  out.tags = latest.tags;
  out.reserved_concurrency = latest.reserved_concurrency;
  out.event_invoke_config = latest.event_invoke_config;
  return out;
}

Result<Resolved> LambdaService::GetFunctionAt(const RequestContext& ctx, const std::string& name,
                                              const std::string& qualifier_param) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, qualifier_param, qualifier);
  if (!arn) return Fail(arn.error());
  auto latest = Find(*arn);
  if (!latest) return Fail(latest.error());
  auto version = VersionOf(*latest, qualifier, /*choose=*/false);
  if (!version) return Fail(version.error());
  return Resolved{std::move(*version), qualifier.empty() ? *arn : *arn + ":" + qualifier};
}

Result<Function> LambdaService::PublishVersion(const RequestContext& ctx, const std::string& name,
                                               const std::optional<std::string>& code_sha256,
                                               const std::optional<std::string>& description,
                                               const std::optional<std::string>& revision_id) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  if (description && description->size() > 256) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value at 'description' failed to satisfy "
                "constraint: Member must have length less than or equal to 256");
  }
  std::optional<Function> published;
  auto changed = functions_.Update(*arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f) return FunctionNotFoundError(*arn);
    if (code_sha256 && *code_sha256 != f->code.sha256) {
      return InvalidParameterValueError(
          "CodeSHA256 (" + *code_sha256 + ") is different from current CodeSHA256 in $LATEST (" +
          f->code.sha256 + "). Please try again with the CodeSHA256 in $LATEST.");
    }
    if (revision_id && *revision_id != f->revision_id) return RevisionMismatch();
    // Nothing changed since the last version (no update at all, or updates that left the code
    // and configuration as they were): AWS answers that version again.
    const std::string snapshot = f->Snapshot();
    if (!f->versions.empty()) {
      const Function& last = *f->versions.rbegin()->second;
      if (last.latest_revision == f->revision_id ||
          (!last.latest_snapshot.empty() && last.latest_snapshot == snapshot)) {
        published = last;
        return false;
      }
    }
    Function version = *f;
    version.versions.clear();
    version.aliases.clear();
    version.urls.clear();
    version.last_version = 0;
    version.tags.clear();
    version.policy_json.clear();
    version.policy_revision.clear();
    version.reserved_concurrency.reset();
    version.event_invoke_config.reset();
    version.qualified_policies.clear();
    version.qualified_invoke_configs.clear();
    const int number = f->last_version + 1;
    version.version = std::to_string(number);
    if (description) version.description = *description;
    version.revision_id = ids_.Uuid();
    // Above any generation the pool saw under this version's ARN (a deleted function's version
    // of the same number): its environments would be stopped on release otherwise.
    version.generation = std::max<uint64_t>(1, pool_.generation(version.VersionArn()) + 1);
    f->last_version = number;
    f->revision_id = ids_.Uuid();  // publishing changes $LATEST's RevisionId, as on AWS
    version.latest_revision = f->revision_id;
    version.latest_snapshot = snapshot;
    published = version;
    f->versions.emplace(number, std::make_shared<const Function>(std::move(version)));
    return true;
  });
  if (!changed) return Fail(changed.error());
  return std::move(*published);
}

Result<LambdaService::VersionPage> LambdaService::ListVersionsByFunction(
    const RequestContext& ctx, const std::string& name, const std::optional<std::string>& marker,
    std::optional<int> max_items) {
  auto limit = MaxItems(max_items);
  if (!limit) return Fail(limit.error());
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto latest = Find(*arn);
  if (!latest) return Fail(latest.error());
  size_t start = 0;
  if (marker && !marker->empty()) {
    auto decoded = common::Base64Decode(*marker);
    if (!decoded || !IsNumber(*decoded))
      return InvalidParameterValueError("Invalid Marker: " + *marker);
    start = std::stoul(*decoded);
  }
  std::vector<Function> all;
  Function head = *latest;
  head.versions.clear();
  head.aliases.clear();
  all.push_back(std::move(head));
  for (const auto& [number, version] : latest->versions) all.push_back(*version);
  VersionPage page;
  const size_t size = static_cast<size_t>(std::min(limit->value_or(kPageSize), kPageSize));
  for (size_t i = start; i < all.size(); ++i) {
    if (page.versions.size() == size) {
      page.next_marker = common::Base64Encode(std::to_string(i));
      break;
    }
    page.versions.push_back(std::move(all[i]));
  }
  return page;
}

Status LambdaService::DeleteVersion(const std::string& arn, const std::string& number) {
  if (!IsNumber(number)) {
    return InvalidParameterValueError("Deletion of aliases is not currently supported.");
  }
  std::optional<Function> removed;
  auto changed = functions_.Update(
      arn,
      [&](std::optional<Function>& f) -> Result<bool> {
        if (!f) return FunctionNotFoundError(arn);
        const Function* version = f->Version(number);
        if (!version) return false;  // deleting a version that is not there is not an error
        std::string users;
        for (const auto& [name, alias] : f->aliases) {
          if (alias.function_version == number ||
              alias.additional_version_weights.contains(number)) {
            users += (users.empty() ? "" : ", ") + name;
          }
        }
        if (!users.empty()) {
          return Fail(ErrorCode::kLambdaResourceConflict,
                      "Unable to delete version because the following aliases reference it: [" +
                          users + "]");
        }
        removed = *version;
        f->versions.erase(std::stoi(number));
        f->qualified_policies.erase(number);
        f->qualified_invoke_configs.erase(number);
        return true;
      },
      [&](const Result<FunctionStore::Change>& settled) {
        if (!settled || !removed || !settled->after) return;
        pool_.Retire(removed->VersionArn(), removed->generation + 1);
        if (!CodeInUse(*settled->after, removed->code.dir, nullptr)) {
          code_store_.Remove(removed->code);
        }
      });
  if (!changed) return Fail(changed.error());
  return {};
}

Result<std::pair<Alias, std::string>> LambdaService::CreateAlias(const RequestContext& ctx,
                                                                 const std::string& name,
                                                                 const std::string& alias_name,
                                                                 const AliasInput& in) {
  if (auto status = CheckAliasName(alias_name); !status) return Fail(status.error());
  if (!in.function_version) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value null at 'functionVersion' failed to satisfy "
                "constraint: Member must not be null");
  }
  if (auto status = CheckVersionName(*in.function_version); !status) return Fail(status.error());
  const auto weights = in.weights.value_or(std::map<std::string, double>{});
  if (auto status = CheckRouting(weights, *in.function_version); !status) {
    return Fail(status.error());
  }
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  const std::string alias_arn = *arn + ":" + alias_name;
  std::optional<Alias> created;
  auto changed = functions_.Update(*arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f) return FunctionNotFoundError(*arn, *in.function_version);
    if (f->aliases.contains(alias_name)) {
      return Fail(ErrorCode::kLambdaResourceConflict, "Alias already exists: " + alias_arn);
    }
    if (*in.function_version != "$LATEST" && !f->Version(*in.function_version)) {
      return FunctionNotFoundError(*arn, *in.function_version);
    }
    for (const auto& [version, weight] : weights) {
      if (!f->Version(version)) return FunctionNotFoundError(*arn, version);
    }
    Alias alias{alias_name, *in.function_version, in.description.value_or(""), weights,
                ids_.Uuid()};
    created = alias;
    f->aliases.emplace(alias_name, std::move(alias));
    return true;
  });
  if (!changed) return Fail(changed.error());
  return std::make_pair(std::move(*created), alias_arn);
}

Result<std::pair<Alias, std::string>> LambdaService::GetAlias(const RequestContext& ctx,
                                                              const std::string& name,
                                                              const std::string& alias_name) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto f = Find(*arn);
  if (!f) return Fail(f.error());
  const std::string alias_arn = *arn + ":" + alias_name;
  auto alias = f->aliases.find(alias_name);
  if (alias == f->aliases.end()) {
    return Fail(ErrorCode::kLambdaResourceNotFound, "Cannot find alias arn: " + alias_arn);
  }
  return std::make_pair(alias->second, alias_arn);
}

Result<std::pair<Alias, std::string>> LambdaService::UpdateAlias(const RequestContext& ctx,
                                                                 const std::string& name,
                                                                 const std::string& alias_name,
                                                                 const AliasInput& in) {
  if (in.function_version) {
    if (auto status = CheckVersionName(*in.function_version); !status) {
      return Fail(status.error());
    }
  }
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  const std::string alias_arn = *arn + ":" + alias_name;
  std::optional<Alias> updated;
  auto changed = functions_.Update(*arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f) return FunctionNotFoundError(*arn);
    auto it = f->aliases.find(alias_name);
    if (it == f->aliases.end()) {
      return Fail(ErrorCode::kLambdaResourceNotFound, "Alias not found: " + alias_arn);
    }
    Alias alias = it->second;
    if (in.revision_id && *in.revision_id != alias.revision_id) return RevisionMismatch();
    if (in.function_version) alias.function_version = *in.function_version;
    if (in.description) alias.description = *in.description;
    if (in.weights) alias.additional_version_weights = *in.weights;
    if (auto status = CheckRouting(alias.additional_version_weights, alias.function_version);
        !status) {
      return Fail(status.error());
    }
    if (alias.function_version != "$LATEST" && !f->Version(alias.function_version)) {
      return FunctionNotFoundError(*arn, alias.function_version);
    }
    for (const auto& [version, weight] : alias.additional_version_weights) {
      if (!f->Version(version)) return FunctionNotFoundError(*arn, version);
    }
    alias.revision_id = ids_.Uuid();  // every update, even one that changes nothing
    updated = alias;
    it->second = std::move(alias);
    return true;
  });
  if (!changed) return Fail(changed.error());
  return std::make_pair(std::move(*updated), alias_arn);
}

Status LambdaService::DeleteAlias(const RequestContext& ctx, const std::string& name,
                                  const std::string& alias_name) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto changed = functions_.Update(*arn, [&](std::optional<Function>& f) -> Result<bool> {
    if (!f) return FunctionNotFoundError(*arn);
    if (f->aliases.erase(alias_name) == 0) return false;  // a missing alias: not an error
    f->urls.erase(alias_name);                // its function URL goes with it, as on AWS
    f->qualified_policies.erase(alias_name);  // and its resource policy and invoke config
    f->qualified_invoke_configs.erase(alias_name);
    return true;
  });
  if (!changed) return Fail(changed.error());
  return {};
}

Result<LambdaService::AliasPage> LambdaService::ListAliases(
    const RequestContext& ctx, const std::string& name,
    const std::optional<std::string>& function_version, const std::optional<std::string>& marker,
    std::optional<int> max_items) {
  auto limit = MaxItems(max_items);
  if (!limit) return Fail(limit.error());
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  auto f = Find(*arn);
  if (!f) return Fail(f.error());
  std::string start;
  if (marker && !marker->empty()) {
    auto decoded = common::Base64Decode(*marker);
    if (!decoded) return InvalidParameterValueError("Invalid Marker: " + *marker);
    start = *decoded;
  }
  AliasPage page;
  const size_t size = static_cast<size_t>(std::min(limit->value_or(kPageSize), kPageSize));
  for (auto it = f->aliases.lower_bound(start); it != f->aliases.end(); ++it) {
    if (function_version && it->second.function_version != *function_version) continue;
    if (page.aliases.size() == size) {
      page.next_marker = common::Base64Encode(it->first);
      break;
    }
    page.aliases.emplace_back(it->second, *arn + ":" + it->first);
  }
  return page;
}

}  // namespace offstage::lambda
