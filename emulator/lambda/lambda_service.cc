// LambdaService's control plane: loading the function table, creating, reading, listing,
// updating (code and configuration) and deleting functions, storing their code, validating
// their configuration and their runtime's deprecation. Invocation is in invoke.cc, the
// asynchronous side and FunctionEventInvokeConfig in async_invoke.cc, concurrency, permissions
// and tags in resources.cc, replays in replay.cc; the function table itself is a FunctionStore
// (function_store.h). Thread model: any HTTP worker thread; every change goes through
// FunctionStore::Update, committed before memory changes (lambda_service.h).
#include "emulator/lambda/lambda_service.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

#include "emulator/common/arn.h"
#include "emulator/common/strings.h"
#include "emulator/lambda/validation.h"

namespace offstage::lambda {
namespace {

using common::ErrorCode;
using common::Fail;

constexpr int kPageSize = 50;

}  // namespace

LambdaService::LambdaService(LambdaOptions options, LambdaPeers peers, storage::Writer& writer,
                             runtime::Pool& pool, telemetry::Recorder& recorder,
                             const common::Clock& clock, common::IdGenerator& ids,
                             common::Logger& log)
    : options_(std::move(options)),
      writer_(writer),
      pool_(pool),
      recorder_(recorder),
      clock_(clock),
      ids_(ids),
      log_(log),
      code_store_(options_.code_root),
      layer_code_(options_.code_root + "/.layers"),
      functions_(writer, log),
      layers_(writer, log),
      hot_reload_(clock),
      publisher_(peers.topics),
      queues_(peers.queues),
      finalizer_(peers.finalizer),
      queue_(options_.async, writer, recorder, clock, log) {}

void LambdaService::Interrupt() {
  {
    common::MutexLock lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

LambdaService::~LambdaService() {
  Interrupt();
  queue_.RequestStop();
  pool_.StopAll();
  queue_.Stop();
}

Status LambdaService::Load() {
  if (auto status = layers_.Load(); !status) return status;
  return functions_.Load();
}

Status LambdaService::StartAsync() {
  queue_.Start(this);
  return queue_.Load();
}

size_t LambdaService::function_count() const { return functions_.size(); }

Result<std::string> LambdaService::ResolveArn(const RequestContext& ctx, const std::string& name,
                                              std::string_view member, std::string* qualifier,
                                              NameShape shape) const {
  auto ref = ParseFunctionRef(name, member, shape);
  if (!ref) return Fail(ref.error());
  if (qualifier) *qualifier = ref->qualifier;
  return common::FunctionArn(ref->region.empty() ? ctx.region : ref->region,
                             ref->account.empty() ? ctx.account : ref->account, ref->name);
}

Result<std::string> LambdaService::ResolveArn(const RequestContext& ctx, const std::string& name,
                                              const std::string& qualifier_param,
                                              std::string& qualifier) const {
  auto arn = ResolveArn(ctx, name, "functionName", &qualifier);
  if (!arn) return arn;
  if (!qualifier_param.empty()) {
    if (!qualifier.empty() && qualifier != qualifier_param) {
      return InvalidParameterValueError(
          "The derived qualifier from the function name does not match the specified "
          "qualifier.");
    }
    qualifier = qualifier_param;
  }
  return arn;
}

Result<Function> LambdaService::UpdateFunction(const std::string& arn,
                                               const std::function<Status(Function&)>& change) {
  auto changed = functions_.Update(
      arn,
      [&](std::optional<Function>& f) -> Result<bool> {
        if (!f) return FunctionNotFoundError(arn);
        if (auto status = change(*f); !status) return Fail(status.error());
        return true;
      },
      [&](const Result<FunctionStore::Change>& settled) {
        if (settled) RetireReplaced(*settled);
      });
  if (!changed) return Fail(changed.error());
  return std::move(*changed->after);
}

void LambdaService::RetireReplaced(const FunctionStore::Change& change) {
  // Code or configuration changed: the environments of the old one are recycled.
  if (change.generation_steps > 0 && change.after) {
    pool_.Retire(change.after->arn, change.after->generation);
  }
}

Result<StoredCode> LambdaService::StoreCode(const std::string& function_name,
                                            const CodeInput& code) {
  if (code.image_uri) {
    return InvalidParameterValueError(
        "offstage does not run container images (Code.ImageUri); use a zip file "
        "or a local directory");
  }
  if (code.zip_file) {
    if (code.s3_bucket || code.s3_key) {
      return InvalidParameterValueError(
          "Please do not provide other FunctionCode parameters when providing a "
          "ZipFile.");
    }
    return code_store_.ExtractZip(function_name, *code.zip_file);
  }
  if (code.s3_bucket && *code.s3_bucket == "hot-reload" && code.s3_key) {
    return code_store_.LocalDirectory(*code.s3_key);
  }
  if (code.s3_bucket || code.s3_key) {
    return InvalidParameterValueError(
        "offstage does not emulate S3: give Code.ZipFile, or a local directory "
        "with Code.S3Bucket=hot-reload and Code.S3Key=/absolute/path");
  }
  return InvalidParameterValueError("Please provide a source for function code.");
}

Status LambdaService::ApplyConfig(Function& f, const ConfigInput& c, bool creating) const {
  // AWS checks the request's constraints first and answers all their violations in one
  // ValidationException; only then the rules that need more than the request
  // (InvalidParameterValueException, AccessDeniedException). Members in the model's order.
  std::vector<std::string> violations;
  std::optional<common::ApiError> other;
  if (c.role) Collect(ValidateRole(*c.role), violations, other);
  if (creating && !c.role) {
    violations.push_back(
        "Value null at 'role' failed to satisfy constraint: Member must not be "
        "null");
  }
  if (c.handler && (c.handler->empty() || c.handler->size() > 128)) {
    violations.push_back(Violation(*c.handler, "handler",
                                   "Member must satisfy regular expression pattern: [^\\s]+"));
  }
  if (c.description && c.description->size() > 256) {
    violations.push_back(
        "Value at 'description' failed to satisfy constraint: Member must have length less "
        "than or equal to 256");
  }
  if (c.timeout) Collect(ValidateTimeout(*c.timeout), violations, other);
  if (c.memory) Collect(ValidateMemory(*c.memory), violations, other);
  if (c.variables) Collect(ValidateVariables(*c.variables), violations, other);
  if (c.tracing_mode && *c.tracing_mode != "Active" && *c.tracing_mode != "PassThrough") {
    violations.push_back(Violation(*c.tracing_mode, "tracingConfig.mode",
                                   "Member must satisfy enum value set: [Active, PassThrough]"));
  }
  if (c.architectures) {
    std::string listed = "[";
    for (size_t i = 0; i < c.architectures->size(); ++i) {
      listed += (i ? ", " : "") + (*c.architectures)[i];
    }
    listed += "]";
    if (c.architectures->empty()) {
      violations.push_back(
          Violation(listed, "architectures", "Member must have length greater than or equal to 1"));
    } else if (c.architectures->size() > 1) {
      violations.push_back(
          Violation(listed, "architectures", "Member must have length less than or equal to 1"));
    } else if ((*c.architectures)[0] != "x86_64" && (*c.architectures)[0] != "arm64") {
      violations.push_back(Violation(listed, "architectures",
                                     "Member must satisfy constraint: [Member must satisfy enum "
                                     "value set: [x86_64, arm64], Member must not be null]"));
    }
  }
  if (c.ephemeral_storage && *c.ephemeral_storage < 512) {
    violations.push_back(Violation(std::to_string(*c.ephemeral_storage), "ephemeralStorage.size",
                                   "Member must have value greater than or equal to 512"));
  } else if (c.ephemeral_storage && *c.ephemeral_storage > 10240) {
    violations.push_back(Violation(std::to_string(*c.ephemeral_storage), "ephemeralStorage.size",
                                   "Member must have value less than or equal to 10240"));
  }
  if (c.log_format && *c.log_format != "Text" && *c.log_format != "JSON") {
    violations.push_back(Violation(*c.log_format, "loggingConfig.logFormat",
                                   "Member must satisfy enum value set: [JSON, Text]"));
  }
  if (auto status = Violations(violations); !status) return status;
  if (other) return Fail(*other);

  if (c.role) {
    if (auto status = ValidateRoleAccount(*c.role, f.account); !status) return status;
    f.role = *c.role;
  }
  if (c.runtime) {
    if (auto status = ValidateRuntime(*c.runtime); !status) return status;
    f.runtime = *c.runtime;
  }
  if (c.handler) f.handler = *c.handler;
  if (creating && (f.runtime.empty() || f.handler.empty())) {
    return InvalidParameterValueError(
        "Runtime and Handler are mandatory parameters for functions created with "
        "deployment packages.");
  }
  if (auto status = CheckLifecycle(f, creating); !status) return status;
  if (c.description) f.description = *c.description;
  if (c.timeout) f.timeout = *c.timeout;
  if (c.memory) f.memory = *c.memory;
  if (c.ephemeral_storage) f.ephemeral_storage = *c.ephemeral_storage;
  if (c.variables) f.variables = *c.variables;
  if (c.tracing_mode) f.tracing_mode = *c.tracing_mode;
  if (c.dead_letter_target) {
    if (c.dead_letter_target->empty()) {
      f.dead_letter_target.reset();
    } else {
      auto arn = common::ParseArn(*c.dead_letter_target);
      if (!arn || (arn->service != "sns" && arn->service != "sqs")) {
        return InvalidParameterValueError(
            "The provided target ARN " + *c.dead_letter_target +
            " is invalid: a dead-letter queue must be an SQS queue or an SNS "
            "topic.");
      }
      f.dead_letter_target = *c.dead_letter_target;
    }
  }
  if (c.architectures) f.architectures = *c.architectures;
  if (c.layers) {
    if (auto status = ResolveLayers(f, *c.layers); !status) return status;
  }
  if (c.kms_key_arn) {
    if (c.kms_key_arn->empty()) {
      f.kms_key_arn.reset();
    } else {
      f.kms_key_arn = *c.kms_key_arn;
    }
  }
  if (c.log_format) f.log_format = *c.log_format;
  if (c.log_group) f.log_group = *c.log_group;
  return {};
}

Result<Function> LambdaService::CreateFunction(const RequestContext& ctx, CreateFunctionInput in) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, in.name, "functionName", &qualifier, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  if (!qualifier.empty()) {
    return InvalidParameterValueError(
        "A function name given to CreateFunction cannot have a qualifier: " + in.name);
  }
  if (in.package_type && *in.package_type != "Zip") {
    return InvalidParameterValueError("offstage does not run container images (PackageType " +
                                      *in.package_type + "); use a zip file or a local directory");
  }
  Function f;
  f.arn = *arn;
  f.name = common::ParseArn(*arn)->resource.substr(9);  // after "function:"
  f.region = common::ParseArn(*arn)->region;
  f.account = common::ParseArn(*arn)->account;
  f.log_group = "/aws/lambda/" + f.name;
  f.tags = in.tags;
  if (auto status = ApplyConfig(f, in.config, /*creating=*/true); !status) {
    return Fail(status.error());
  }
  // In one change, from the check to the commit: no other change of the function can come
  // between.
  std::optional<StoredCode> extracted;
  auto created = functions_.Update(
      *arn,
      [&](std::optional<Function>& existing) -> Result<bool> {
        if (existing) {
          return Fail(ErrorCode::kLambdaResourceConflict, "Function already exist: " + f.name);
        }
        auto code = StoreCode(f.name, in.code);
        if (!code) return Fail(code.error());
        if (auto status = CombinedSize(f.layers, code->unzipped); !status) {
          code_store_.Remove(*code);
          return Fail(status.error());
        }
        extracted = *code;
        f.code = std::move(*code);
        f.created_ns = f.last_modified_ns = clock_.NowNanos();
        f.revision_id = ids_.Uuid();
        // Above the generation the pool has seen under this ARN (a deleted function's, which
        // DeleteFunction retired): else the new function's environments would all be stopped on
        // release, and every invocation would be a cold start.
        f.generation = std::max<uint64_t>(1, pool_.generation(f.arn) + 1);
        existing = std::move(f);
        return true;
      },
      [&](const Result<FunctionStore::Change>& settled) {
        // The commit failed (nothing fails after the extraction): a retry extracts it again.
        if (!settled && extracted) code_store_.Remove(*extracted);
      });
  if (!created) return Fail(created.error());
  return std::move(*created->after);
}

Result<Function> LambdaService::GetFunction(const RequestContext& ctx, const std::string& name,
                                            const std::string& qualifier) {
  auto resolved = GetFunctionAt(ctx, name, qualifier);
  if (!resolved) return Fail(resolved.error());
  return std::move(resolved->function);
}

Result<LambdaService::FunctionPage> LambdaService::ListFunctions(
    const RequestContext& ctx, const std::optional<std::string>& marker,
    std::optional<int> max_items) {
  if (max_items && (*max_items < 1 || *max_items > 10000)) {
    return Fail(ErrorCode::kLambdaValidation,
                "1 validation error detected: Value '" + std::to_string(*max_items) +
                    "' at 'maxItems' failed to satisfy constraint: Member must have value "
                    "between 1 and 10000");
  }
  const int limit = std::min(max_items.value_or(kPageSize), kPageSize);
  std::string start;
  if (marker && !marker->empty()) {
    auto decoded = common::Base64Decode(*marker);
    if (!decoded) return InvalidParameterValueError("Invalid Marker: " + *marker);
    start = *decoded;
  }
  const std::string prefix = "arn:aws:lambda:" + ctx.region + ":" + ctx.account + ":function:";
  return functions_.Read([&](const std::map<std::string, Function>& functions) {
    FunctionPage page;
    for (auto it = functions.lower_bound(start.empty() ? prefix : start);
         it != functions.end() && it->first.starts_with(prefix); ++it) {
      if (static_cast<int>(page.functions.size()) == limit) {
        page.next_marker = common::Base64Encode(it->first);
        break;
      }
      page.functions.push_back(it->second);
    }
    return page;
  });
}

Result<Function> LambdaService::UpdateFunctionCode(const RequestContext& ctx,
                                                   const std::string& name, CodeInput code,
                                                   std::optional<std::string> revision_id,
                                                   bool dry_run) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  // The extraction is inside the change, and the removal of the code it replaces is in its
  // settling: another update of the same code cannot replace or remove the directory this one
  // extracted before it is committed, nor have its own removed after.
  std::optional<Function> preview;      // a dry run's answer
  std::optional<StoredCode> extracted;  // the new code, once extracted
  std::string old_dir;
  bool new_in_use = false;  // $LATEST or a version runs the extracted directory already
  auto updated = functions_.Update(
      *arn,
      [&](std::optional<Function>& f) -> Result<bool> {
        if (!f) return FunctionNotFoundError(*arn);
        if (revision_id && *revision_id != f->revision_id) {
          return Fail(ErrorCode::kLambdaPreconditionFailed,
                      "The Revision Id provided does not match the latest Revision Id. Call the "
                      "GetFunction/GetAlias API to retrieve the latest Revision Id");
        }
        if (auto status = CheckLifecycle(*f, /*creating=*/false); !status) {
          return Fail(status.error());
        }
        auto stored = StoreCode(f->name, code);
        if (!stored) return Fail(stored.error());
        old_dir = f->code.dir;
        // A published version may run the very archive just extracted (the same digest):
        // then it is not this update's to remove.
        new_in_use = CodeInUse(*f, stored->dir, nullptr);
        if (auto status = CombinedSize(f->layers, stored->unzipped); !status) {
          if (!stored->local_dir && !new_in_use) code_store_.Remove(*stored);
          return Fail(status.error());
        }
        if (dry_run) {
          preview = *f;
          preview->code = *stored;
          if (!stored->local_dir && !new_in_use) code_store_.Remove(*stored);
          return false;
        }
        extracted = *stored;
        f->code = std::move(*stored);
        f->last_modified_ns = clock_.NowNanos();
        f->revision_id = ids_.Uuid();
        ++f->generation;
        return true;
      },
      [&](const Result<FunctionStore::Change>& settled) {
        if (!extracted) return;  // refused before the extraction, or a dry run
        if (!settled) {
          // The commit failed: the old code stays (its environments too); the new is removed
          // unless it is the same.
          if (!new_in_use) code_store_.Remove(*extracted);
          return;
        }
        RetireReplaced(*settled);
        // The replaced code goes, unless a published version still runs it.
        if (old_dir != extracted->dir && !CodeInUse(*settled->after, old_dir, nullptr)) {
          code_store_.Remove(settled->before->code);
        }
      });
  if (!updated) return Fail(updated.error());
  if (preview) return std::move(*preview);
  return std::move(*updated->after);
}

Result<Function> LambdaService::UpdateFunctionConfiguration(const RequestContext& ctx,
                                                            const std::string& name,
                                                            ConfigInput config) {
  auto arn = ResolveArn(ctx, name, "functionName", nullptr, NameShape::kPlain);
  if (!arn) return Fail(arn.error());
  return UpdateFunction(*arn, [&](Function& f) -> Status {
    if (config.revision_id && *config.revision_id != f.revision_id) {
      return Fail(ErrorCode::kLambdaPreconditionFailed,
                  "The Revision Id provided does not match the latest Revision Id. Call the "
                  "GetFunction/GetAlias API to retrieve the latest Revision Id");
    }
    if (auto status = ApplyConfig(f, config, /*creating=*/false); !status) return status;
    f.last_modified_ns = clock_.NowNanos();
    f.revision_id = ids_.Uuid();
    ++f.generation;  // the environments of the old configuration are retired
    return {};
  });
}

Status LambdaService::DeleteFunction(const RequestContext& ctx, const std::string& name,
                                     const std::string& qualifier_param) {
  std::string qualifier;
  auto arn = ResolveArn(ctx, name, "functionName", &qualifier);
  if (!arn) return Fail(arn.error());
  if (qualifier.empty()) qualifier = qualifier_param;
  if (qualifier == "$LATEST") {
    return InvalidParameterValueError(
        "$LATEST version cannot be deleted without deleting the function.");
  }
  if (!qualifier.empty()) {
    if (!Find(*arn)) return FunctionNotFoundError(*arn);
    return DeleteVersion(*arn, qualifier);
  }
  // Committed first: a failed delete leaves the function, its code and its environments.
  auto deleted = functions_.Update(
      *arn,
      [&](std::optional<Function>& f) -> Result<bool> {
        if (!f) return FunctionNotFoundError(*arn);
        f.reset();
        return true;
      },
      [&](const Result<FunctionStore::Change>& settled) {
        if (!settled) return;
        const Function& removed = *settled->before;
        hot_reload_.Forget(removed.arn);
        pool_.Retire(removed.arn, removed.generation + 1);
        std::set<std::string> dirs{removed.code.dir};
        code_store_.Remove(removed.code);
        for (const auto& [number, version] : removed.versions) {
          pool_.Retire(version->VersionArn(), version->generation + 1);
          if (dirs.insert(version->code.dir).second) code_store_.Remove(version->code);
        }
      });
  if (!deleted) return Fail(deleted.error());
  return {};
}

Status LambdaService::CheckLifecycle(const Function& f, bool creating) const {
  const runtime::RuntimeInfo* info = runtime::FindRuntime(f.runtime);
  if (!info) return {};
  const std::string today = runtime::IsoDate(clock_.NowNanos());
  if (!runtime::Reached(info->deprecated, today)) return {};
  const std::string_view block = creating ? info->block_create : info->block_update;
  if (options_.strict_runtimes && runtime::Reached(block, today)) {
    // AWS's answer once the runtime is blocked for this operation.
    return InvalidParameterValueError(
        "The runtime parameter of " + f.runtime +
        " is no longer supported for creating or updating AWS Lambda functions. "
        "We recommend you use a supported runtime while creating or updating "
        "functions.");
  }
  log_.Warn("offstage: WARNING: " + std::string(creating ? "creating" : "updating") + " function " +
            f.name + " with runtime " + f.runtime + ", which AWS deprecated on " +
            std::string(info->deprecated) + ". AWS blocks creating functions with it from " +
            std::string(info->block_create) + " and updating them from " +
            std::string(info->block_update) +
            (options_.strict_runtimes ? "." : "; --strict-runtimes refuses it after those dates."));
  return {};
}

runtime::Resolution LambdaService::ResolveRuntime(const std::string& runtime) const {
  if (options_.resolver) return options_.resolver->Resolve(runtime);
  runtime::Resolution plain;
  plain.runtime = runtime;
  plain.found = plain.exact = true;  // no resolver: whatever node and python3 PATH has
  return plain;
}

}  // namespace offstage::lambda
