// LambdaService's layers (issue #17, item 3): PublishLayerVersion, GetLayerVersion(ByArn),
// ListLayers, ListLayerVersions, DeleteLayerVersion, Add/RemoveLayerVersionPermission,
// GetLayerVersionPolicy, and the resolution of a function's Layers (at most 5 versions of
// distinct layers, that exist, within the 250 MB unzipped limit with the function's code),
// merged in order into the directory its environments see as /opt. A layer version is
// immutable; a function keeps the versions it took even after they are deleted, as on AWS.
// AWS's errors and messages as recorded against AWS. Thread model: any HTTP worker thread;
// changes through LayerStore::Update.
#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/runtime/runtimes.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

constexpr int kPageSize = 50;
constexpr size_t kMaxLayers = 5;
constexpr std::string_view kLayerNamePattern =
    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";
constexpr std::string_view kLayerVersionArnPattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:"
    "layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

bool IsWord(std::string_view s, std::string_view extra = "-_") {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsDigits(std::string_view s, size_t min, size_t max) {
  return s.size() >= min && s.size() <= max &&
         s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "arn:P:lambda:R:A:layer:N" split into its parts, if it has that shape.
struct LayerArnParts {
  std::string region;
  std::string account;
  std::string name;
  std::string version;  // "" when the ARN names the layer, not one version
};

std::optional<LayerArnParts> SplitLayerArn(std::string_view text, bool with_version) {
  const std::vector<std::string_view> parts = common::Split(text, ':');
  if (parts.size() != (with_version ? 8u : 7u) || parts[0] != "arn" || !IsWord(parts[1], "-") ||
      parts[2] != "lambda" || !IsWord(parts[3], "-") || !IsDigits(parts[4], 12, 12) ||
      parts[5] != "layer" || !IsWord(parts[6])) {
    return std::nullopt;
  }
  if (with_version && !IsDigits(parts[7], 1, 18)) return std::nullopt;
  return LayerArnParts{std::string(parts[3]), std::string(parts[4]), std::string(parts[6]),
                       with_version ? std::string(parts[7]) : ""};
}

std::unexpected<common::ApiError> NotFound() {
  return Fail(ErrorCode::kLambdaResourceNotFound, "The resource you requested does not exist.");
}

Result<int> VersionNumber(std::string_view text) {
  if (common::StartsWith(text, "-") ||
      (IsDigits(text, 1, 18) && std::stoll(std::string(text)) < 1)) {
    return InvalidParameterValueError("Layer Version Cannot be less than 1");
  }
  if (!IsDigits(text, 1, 9)) return NotFound();
  return std::stoi(std::string(text));
}

std::unexpected<common::ApiError> NoSuchVersion(const std::string& layer_arn, int number) {
  return Fail(ErrorCode::kLambdaResourceNotFound,
              "Layer version " + layer_arn + ":" + std::to_string(number) + " does not exist.");
}

Result<std::optional<int>> PageSize(std::optional<int> max_items) {
  if (max_items && (*max_items < 1 || *max_items > 50)) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + std::to_string(*max_items) +
                    "' at 'maxItems' failed to satisfy constraint: Member must have value "
                    "between 1 and 50");
  }
  return max_items;
}

// `plural`: Publish's members (compatibleRuntimes); the List actions' are singular.
Status CheckCompatibility(const std::optional<std::vector<std::string>>& runtimes,
                          const std::optional<std::vector<std::string>>& architectures,
                          bool plural = true) {
  const std::string runtimes_member = plural ? "compatibleRuntimes" : "compatibleRuntime";
  const std::string archs_member = plural ? "compatibleArchitectures" : "compatibleArchitecture";
  auto shown = [&](const std::vector<std::string>& list) {
    return plural ? "[" + Join(list, ", ") + "]" : Join(list, ", ");
  };
  std::vector<std::string> violations;
  if (runtimes) {
    if (runtimes->size() > 15) {
      violations.push_back(Violation(shown(*runtimes), runtimes_member,
                                     "Member must have length less than or equal to 15"));
    }
    for (const std::string& runtime : *runtimes) {
      if (!runtime::FindRuntime(runtime)) {
        std::vector<std::string> ids;
        for (const auto& info : runtime::Runtimes()) ids.emplace_back(info.id);
        violations.push_back(
            Violation(shown(*runtimes), runtimes_member,
                      "Member must satisfy enum value set: [" + Join(ids, ", ") + "]"));
        break;
      }
    }
  }
  if (architectures) {
    if (architectures->size() > 2) {
      violations.push_back(Violation(shown(*architectures), archs_member,
                                     "Member must have length less than or equal to 2"));
    }
    for (const std::string& arch : *architectures) {
      if (arch != "x86_64" && arch != "arm64") {
        violations.push_back(
            Violation(shown(*architectures), archs_member,
                      plural ? "Member must satisfy constraint: [Member must satisfy enum value "
                               "set: [x86_64, arm64], Member must not be null]"
                             : "Member must satisfy enum value set: [x86_64, arm64]"));
        break;
      }
    }
  }
  return Violations(violations);
}

// The List actions' filter: its page size (MaxItems 1-50) once its runtime and architecture
// are AWS's enum values.
Result<std::optional<int>> CheckFilter(const LayerFilter& filter) {
  auto limit = PageSize(filter.max_items);
  if (!limit) return Fail(limit.error());
  if (auto status = CheckCompatibility(
          filter.runtime.empty() ? std::nullopt
                                 : std::optional<std::vector<std::string>>({filter.runtime}),
          filter.architecture.empty()
              ? std::nullopt
              : std::optional<std::vector<std::string>>({filter.architecture}),
          /*plural=*/false);
      !status) {
    return Fail(status.error());
  }
  return limit;
}

bool Matches(const LayerVersion& v, const std::string& runtime, const std::string& architecture) {
  auto has = [](const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  return (runtime.empty() || has(v.compatible_runtimes, runtime)) &&
         (architecture.empty() || has(v.compatible_architectures, architecture));
}

}  // namespace

Result<std::string> LambdaService::LayerArnOf(const RequestContext& ctx,
                                              const std::string& name) const {
  if (name.size() > 140) {
    return Fail(ErrorCode::kLambdaValidation,
                Violation(name, "layerName", "Member must have length less than or equal to 140")
                    .insert(0, "1 validation error detected: "));
  }
  if (common::StartsWith(name, "arn:")) {
    if (SplitLayerArn(name, false)) return name;
  } else if (IsWord(name)) {
    return "arn:aws:lambda:" + ctx.region + ":" + ctx.account + ":layer:" + name;
  }
  return Fail(ErrorCode::kLambdaValidation,
              "1 validation error detected: " +
                  Violation(name, "layerName",
                            "Member must satisfy regular expression pattern: " +
                                std::string(kLayerNamePattern)));
}

LayerVersionView LambdaService::ViewOf(const Layer& layer, const LayerVersion& version) {
  return LayerVersionView{layer.arn, layer.VersionArn(version.version), version};
}

Result<LayerVersionView> LambdaService::PublishLayerVersion(const RequestContext& ctx,
                                                            const std::string& name,
                                                            const LayerInput& in) {
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  if (auto status = CheckCompatibility(in.compatible_runtimes, in.compatible_architectures);
      !status) {
    return Fail(status.error());
  }
  const LayerArnParts parts = *SplitLayerArn(*arn, false);
  Result<StoredCode> code = [&]() -> Result<StoredCode> {
    if (in.zip_file) {
      if (in.s3_bucket || in.s3_key) {
        return InvalidParameterValueError(
            "Please do not provide other LayerVersionContentInput parameters when providing a "
            "ZipFile.");
      }
      // Under the layer's region and account too: the same name elsewhere is another layer.
      return layer_code_.ExtractZip(parts.region + "/" + parts.account + "/" + parts.name,
                                    *in.zip_file);
    }
    if (in.s3_bucket && *in.s3_bucket == "hot-reload" && in.s3_key) {
      return code_store_.LocalDirectory(*in.s3_key);
    }
    if (in.s3_bucket || in.s3_key) {
      return InvalidParameterValueError(
          "offstage does not emulate S3: give Content.ZipFile, or a local directory with "
          "Content.S3Bucket=hot-reload and Content.S3Key=/absolute/path");
    }
    return InvalidParameterValueError("Please provide a source for layer content.");
  }();
  if (!code) return Fail(code.error());
  std::optional<LayerVersionView> published;
  auto changed = layers_.Update(*arn, [&](std::optional<Layer>& layer) -> Result<bool> {
    if (!layer) {
      layer.emplace();
      layer->name = parts.name;
      layer->arn = *arn;
      layer->region = parts.region;
      layer->account = parts.account;
      layer->created_ns = clock_.NowNanos();
    }
    LayerVersion v;
    v.version = ++layer->last_version;
    v.description = in.description;
    v.compatible_runtimes = in.compatible_runtimes.value_or(std::vector<std::string>{});
    v.compatible_architectures = in.compatible_architectures.value_or(std::vector<std::string>{});
    v.compatible_runtimes_set = in.compatible_runtimes.has_value();
    v.compatible_architectures_set = in.compatible_architectures.has_value();
    v.license_info = in.license_info;
    v.created_ns = clock_.NowNanos();
    v.code = *code;
    published = ViewOf(*layer, v);
    layer->versions.emplace(v.version, std::move(v));
    return true;
  });
  if (!changed) {
    // The archive's directory stays when a version (or a function) holds the same content.
    if (!code->local_dir && !LayerDirInUse(code->dir)) layer_code_.Remove(*code);
    return Fail(changed.error());
  }
  return *published;
}

Result<LayerVersionView> LambdaService::GetLayerVersion(const RequestContext& ctx,
                                                        const std::string& name,
                                                        const std::string& version) {
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  auto number = VersionNumber(version);
  if (!number) return Fail(number.error());
  auto layer = layers_.Find(*arn);
  if (!layer) return NotFound();
  auto it = layer->versions.find(*number);
  if (it == layer->versions.end()) return NotFound();
  return ViewOf(*layer, it->second);
}

Result<LayerVersionView> LambdaService::GetLayerVersionByArn(const RequestContext& ctx,
                                                             const std::string& version_arn) {
  auto parts = version_arn.size() <= 140 ? SplitLayerArn(version_arn, true) : std::nullopt;
  if (!parts) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: " +
                    Violation(version_arn, "arn",
                              "Member must satisfy regular expression pattern: " +
                                  std::string(kLayerVersionArnPattern)));
  }
  const std::string layer_arn = version_arn.substr(0, version_arn.rfind(':'));
  return GetLayerVersion(ctx, layer_arn, parts->version);
}

Result<LambdaService::LayerVersionPage> LambdaService::ListLayerVersions(
    const RequestContext& ctx, const std::string& name, const LayerFilter& filter) {
  auto limit = CheckFilter(filter);
  if (!limit) return Fail(limit.error());
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  LayerVersionPage page;
  auto layer = layers_.Find(*arn);
  if (!layer) return page;  // AWS lists no versions of a layer it does not know, no error
  std::vector<LayerVersionView> all;
  for (auto it = layer->versions.rbegin(); it != layer->versions.rend(); ++it) {
    if (Matches(it->second, filter.runtime, filter.architecture)) {
      all.push_back(ViewOf(*layer, it->second));
    }
  }
  // The marker names the version the next page starts at (newest first), not a position: a
  // version published or deleted between pages neither repeats nor hides one.
  int from = std::numeric_limits<int>::max();
  if (!filter.marker.empty()) {
    auto decoded = common::Base64Decode(filter.marker);
    if (!decoded || !IsDigits(*decoded, 1, 9)) {
      return InvalidParameterValueError("Invalid Marker: " + filter.marker);
    }
    from = std::stoi(*decoded);
  }
  const size_t size = static_cast<size_t>(limit->value_or(kPageSize));
  for (auto& view : all) {
    if (view.version.version > from) continue;
    if (page.versions.size() == size) {
      page.next_marker = common::Base64Encode(std::to_string(view.version.version));
      break;
    }
    page.versions.push_back(std::move(view));
  }
  return page;
}

Result<LambdaService::LayerPage> LambdaService::ListLayers(const RequestContext& ctx,
                                                           const LayerFilter& filter) {
  auto limit = CheckFilter(filter);
  if (!limit) return Fail(limit.error());
  std::vector<std::pair<Layer, LayerVersionView>> all =
      layers_.Read([&](const std::map<std::string, Layer>& layers) {
        std::vector<std::pair<Layer, LayerVersionView>> out;
        for (const auto& [arn, layer] : layers) {
          if (layer.region != ctx.region || layer.account != ctx.account) continue;
          for (auto it = layer.versions.rbegin(); it != layer.versions.rend(); ++it) {
            if (!Matches(it->second, filter.runtime, filter.architecture)) continue;
            Layer head = layer;
            head.versions.clear();
            out.emplace_back(std::move(head), ViewOf(layer, it->second));
            break;
          }
        }
        return out;
      });
  // The marker names the layer the next page starts at (by ARN, the list's order).
  std::string from;
  if (!filter.marker.empty()) {
    auto decoded = common::Base64Decode(filter.marker);
    if (!decoded || !SplitLayerArn(*decoded, false)) {
      return InvalidParameterValueError("Invalid Marker: " + filter.marker);
    }
    from = *decoded;
  }
  LayerPage page;
  const size_t size = static_cast<size_t>(limit->value_or(kPageSize));
  for (auto& entry : all) {
    if (entry.first.arn < from) continue;
    if (page.layers.size() == size) {
      page.next_marker = common::Base64Encode(entry.first.arn);
      break;
    }
    page.layers.push_back(std::move(entry));
  }
  return page;
}

Status LambdaService::DeleteLayerVersion(const RequestContext& ctx, const std::string& name,
                                         const std::string& version) {
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  auto number = VersionNumber(version);
  if (!number) return {};  // as AWS: deleting what is not there succeeds
  std::optional<LayerVersion> removed;
  auto changed = layers_.Update(*arn, [&](std::optional<Layer>& layer) -> Result<bool> {
    if (!layer) return false;
    auto it = layer->versions.find(*number);
    if (it == layer->versions.end()) return false;
    removed = it->second;
    layer->versions.erase(it);
    return true;  // the layer's row stays: its version numbers are never given again
  });
  if (!changed) return Fail(changed.error());
  // Its content stays while a function, or another layer version, still uses it.
  if (removed && !removed->code.local_dir && !LayerDirInUse(removed->code.dir)) {
    layer_code_.Remove(removed->code);
  }
  return {};
}

bool LambdaService::LayerDirInUse(const std::string& dir) const {
  const bool by_function = functions_.Read([&](const std::map<std::string, Function>& functions) {
    auto uses = [&](const Function& f) {
      return std::any_of(f.layers.begin(), f.layers.end(),
                         [&](const LayerRef& ref) { return ref.dir == dir; });
    };
    for (const auto& [arn, f] : functions) {
      if (uses(f)) return true;
      for (const auto& [number, version] : f.versions) {
        if (uses(*version)) return true;
      }
    }
    return false;
  });
  if (by_function) return true;
  return layers_.Read([&](const std::map<std::string, Layer>& layers) {
    for (const auto& [arn, layer] : layers) {
      for (const auto& [number, version] : layer.versions) {
        if (version.code.dir == dir) return true;
      }
    }
    return false;
  });
}

Result<std::pair<std::string, std::string>> LambdaService::AddLayerVersionPermission(
    const RequestContext& ctx, const std::string& name, const std::string& version,
    const LayerPermissionInput& in) {
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  std::vector<std::string> violations;
  if (in.statement_id.empty() || in.statement_id.size() > 100 || !IsWord(in.statement_id)) {
    violations.push_back(Violation(in.statement_id, "statementId",
                                   "Member must satisfy regular expression pattern: "
                                   "([a-zA-Z0-9-_]+)"));
  }
  if (in.action != "lambda:GetLayerVersion") {
    violations.push_back(Violation(in.action, "action",
                                   "Member must satisfy regular expression pattern: "
                                   "lambda:GetLayerVersion"));
  }
  const bool account_principal = IsDigits(in.principal, 12, 12);
  const bool root_principal = [&] {
    const auto parts = common::Split(in.principal, ':');
    return parts.size() == 6 && parts[0] == "arn" && common::StartsWith(parts[1], "aws") &&
           parts[2] == "iam" && parts[3].empty() && IsDigits(parts[4], 12, 12) &&
           parts[5] == "root";
  }();
  if (in.principal != "*" && !account_principal && !root_principal) {
    violations.push_back(Violation(in.principal, "principal",
                                   "Member must satisfy regular expression pattern: "
                                   "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root"));
  }
  if (in.organization_id) {
    const std::string& org = *in.organization_id;
    if (!(org.size() >= 12 && org.size() <= 34 && common::StartsWith(org, "o-") &&
          std::all_of(org.begin() + 2, org.end(), [](char c) {
            return std::islower(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c));
          }))) {
      violations.push_back(Violation(org, "organizationId",
                                     "Member must satisfy regular expression pattern: "
                                     "o-[a-z0-9]{10,32}"));
    }
  }
  if (auto status = Violations(violations); !status) return Fail(status.error());
  auto number = VersionNumber(version);
  if (!number) return Fail(number.error());
  nlohmann::ordered_json statement = {
      {"Sid", in.statement_id},
      {"Effect", "Allow"},
      {"Principal",
       in.principal == "*"
           ? nlohmann::ordered_json("*")
           : nlohmann::ordered_json{{"AWS", account_principal
                                                ? "arn:aws:iam::" + in.principal + ":root"
                                                : in.principal}}},
      {"Action", in.action},
      {"Resource", *arn + ":" + std::to_string(*number)}};
  if (in.organization_id) {
    statement["Condition"] = {{"StringEquals", {{"aws:PrincipalOrgID", *in.organization_id}}}};
  }
  std::string revision;
  auto changed = layers_.Update(*arn, [&](std::optional<Layer>& layer) -> Result<bool> {
    if (!layer) return NoSuchVersion(*arn, *number);
    auto it = layer->versions.find(*number);
    if (it == layer->versions.end()) return NoSuchVersion(*arn, *number);
    LayerVersion& v = it->second;
    if (in.revision_id && *in.revision_id != v.policy_revision) {
      return Fail(ErrorCode::kLambdaPreconditionFailed,
                  "The Revision Id provided does not match the latest Revision Id. Call the "
                  "GetLayerPolicy API to retrieve the latest Revision Id");
    }
    nlohmann::ordered_json statements = v.policy_json.empty()
                                            ? nlohmann::ordered_json::array()
                                            : nlohmann::ordered_json::parse(v.policy_json);
    for (const auto& existing : statements) {
      if (existing.value("Sid", "") == in.statement_id) {
        return Fail(ErrorCode::kLambdaResourceConflict,
                    "The statement id (" + in.statement_id +
                        ") provided already exists. Please provide a new statement id, or "
                        "remove the existing statement.");
      }
    }
    statements.push_back(statement);
    v.policy_json = statements.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    v.policy_revision = revision = ids_.Uuid();
    return true;
  });
  if (!changed) return Fail(changed.error());
  return std::make_pair(statement.dump(-1, ' ', false, common::kReplaceInvalidUtf8), revision);
}

Status LambdaService::RemoveLayerVersionPermission(const RequestContext& ctx,
                                                   const std::string& name,
                                                   const std::string& version,
                                                   const std::string& statement_id,
                                                   const std::optional<std::string>& revision_id) {
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  auto number = VersionNumber(version);
  if (!number) return Fail(number.error());
  auto changed = layers_.Update(*arn, [&](std::optional<Layer>& layer) -> Result<bool> {
    if (!layer) return NoSuchVersion(*arn, *number);
    auto it = layer->versions.find(*number);
    if (it == layer->versions.end()) return NoSuchVersion(*arn, *number);
    LayerVersion& v = it->second;
    if (revision_id && *revision_id != v.policy_revision) {
      return Fail(ErrorCode::kLambdaPreconditionFailed,
                  "The Revision Id provided does not match the latest Revision Id. Call the "
                  "GetLayerPolicy API to retrieve the latest Revision Id");
    }
    nlohmann::ordered_json statements = v.policy_json.empty()
                                            ? nlohmann::ordered_json::array()
                                            : nlohmann::ordered_json::parse(v.policy_json);
    const size_t before = statements.size();
    statements.erase(
        std::remove_if(statements.begin(), statements.end(),
                       [&](const auto& s) { return s.value("Sid", "") == statement_id; }),
        statements.end());
    if (statements.size() == before) {
      return Fail(ErrorCode::kLambdaResourceNotFound,
                  "Statement " + statement_id + " is not found in resource policy.");
    }
    v.policy_json =
        statements.empty() ? "" : statements.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    v.policy_revision = ids_.Uuid();
    return true;
  });
  if (!changed) return Fail(changed.error());
  return {};
}

Result<std::pair<std::string, std::string>> LambdaService::GetLayerVersionPolicy(
    const RequestContext& ctx, const std::string& name, const std::string& version) {
  auto arn = LayerArnOf(ctx, name);
  if (!arn) return Fail(arn.error());
  auto number = VersionNumber(version);
  if (!number) return Fail(number.error());
  auto view = GetLayerVersion(ctx, name, version);
  if (!view) return NoSuchVersion(*arn, *number);
  if (view->version.policy_json.empty()) {
    return Fail(ErrorCode::kLambdaResourceNotFound,
                "No policy is associated with the given resource.");
  }
  nlohmann::ordered_json policy = {
      {"Version", "2012-10-17"},
      {"Id", "default"},
      {"Statement", nlohmann::ordered_json::parse(view->version.policy_json)}};
  return std::make_pair(policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8),
                        view->version.policy_revision);
}

Status LambdaService::CombinedSize(const std::vector<LayerRef>& layers, int64_t code_unzipped) {
  int64_t total = code_unzipped;
  for (const LayerRef& layer : layers) total += layer.unzipped;
  if (total <= kMaxUnzippedBytes) return {};
  return InvalidParameterValueError(
      "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. "
      "The actual size is " +
      std::to_string(total) + " bytes.");
}

Status LambdaService::ResolveLayers(Function& f, const std::vector<std::string>& arns) const {
  std::vector<std::string> violations;
  for (const std::string& arn : arns) {
    if (arn.size() > 2048 || !SplitLayerArn(arn, true)) {
      violations.push_back(Violation(
          "[" + Join(arns, ", ") + "]", "layers",
          "Member must satisfy constraint: [Member must have length less than or equal to 2048, "
          "Member must have length greater than or equal to 1, Member must satisfy regular "
          "expression pattern: " +
              std::string(kLayerVersionArnPattern) + ", Member must not be null]"));
      break;
    }
  }
  if (auto status = Violations(violations); !status) return status;
  if (arns.size() > kMaxLayers) {
    return InvalidParameterValueError("Cannot reference more than 5 layers.");
  }
  std::vector<LayerRef> refs;
  for (size_t i = 0; i < arns.size(); ++i) {
    const std::string& arn = arns[i];
    const std::string layer_arn = arn.substr(0, arn.rfind(':'));
    for (size_t j = 0; j < i; ++j) {
      if (arns[j].substr(0, arns[j].rfind(':')) == layer_arn) {
        return InvalidParameterValueError(
            "Two different versions of the same layer are not allowed to be referenced in the "
            "same function. " +
            arns[j] + " and " + arn + " are versions of the same layer.");
      }
    }
    if (SplitLayerArn(arn, true)->region != f.region) {
      return InvalidParameterValueError(
          "Layers are not in the same region as the function. Layers are expected to be in "
          "region " +
          f.region + ".");
    }
    const int number = std::stoi(SplitLayerArn(arn, true)->version.substr(0, 9));
    auto layer = layers_.Find(layer_arn);
    const LayerVersion* version = nullptr;
    if (layer) {
      auto it = layer->versions.find(number);
      if (it != layer->versions.end()) version = &it->second;
    }
    if (!version) return InvalidParameterValueError("Layer version " + arn + " does not exist.");
    refs.push_back(LayerRef{arn, version->code.size, version->code.unzipped, version->code.dir});
  }
  if (auto status = CombinedSize(refs, f.code.unzipped); !status) return status;
  std::vector<std::string> dirs;
  for (const LayerRef& ref : refs) dirs.push_back(ref.dir);
  std::string opt_dir;
  if (!dirs.empty()) {
    auto merged = code_store_.Merge(dirs);
    if (!merged) return Fail(merged.error());
    opt_dir = *merged;
  }
  f.layers = std::move(refs);
  f.opt_dir = std::move(opt_dir);
  return {};
}

}  // namespace offstage::lambda
