// Function: a Lambda function's configuration, code and resource data as the Lambda service
// keeps it, plus the typed inputs of the control API. Plain values; the JSON here is
// offstage's own storage format (snake_case), not the wire shape, which protocol/ renders.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/request_context.h"
#include "emulator/common/result.h"
#include "emulator/lambda/code_store.h"

namespace offstage::lambda {

using common::RequestContext;
using common::Result;
using common::Status;

// PutFunctionEventInvokeConfig: how asynchronous invocations of the function are retried and
// where their results go. Unset members take AWS's defaults (2 retries, 6 hours).
struct EventInvokeConfig {
  std::optional<int> max_retry_attempts;
  std::optional<int> max_event_age_seconds;
  std::optional<std::string> on_success;
  std::optional<std::string> on_failure;
  int64_t last_modified_ns = 0;
};

// A resource policy (AddPermission): its statements as a JSON array and its revision id.
struct ResourcePolicy {
  std::string statements;
  std::string revision;
};

// An alias: a name for one published version (or $LATEST), optionally sending a share of the
// invocations to one additional version (RoutingConfig.AdditionalVersionWeights).
struct Alias {
  std::string name;
  std::string function_version;  // "$LATEST" or a version number
  std::string description;
  std::map<std::string, double> additional_version_weights;  // at most one entry
  std::string revision_id;
};

// A function URL's CORS configuration (applied by the daemon as AWS applies it).
struct UrlCors {
  bool allow_credentials = false;
  std::vector<std::string> allow_headers;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_origins;
  std::vector<std::string> expose_headers;
  std::optional<int> max_age;
};

// A function URL: served by the daemon at http://<url_id>.lambda-url.<region>.localhost:<port>/
// and at http://<host>:<port>/lambda-url/<url_id>/ (function_url_server.h).
struct UrlConfig {
  std::string url_id;              // 32 lowercase letters and digits, as AWS's
  std::string qualifier;           // "" ($LATEST) or an alias name
  std::string auth_type = "NONE";  // NONE | AWS_IAM
  std::optional<UrlCors> cors;
  std::string invoke_mode = "BUFFERED";
  int64_t created_ns = 0;
  int64_t last_modified_ns = 0;
};

// A layer version a function uses, as it was when the function took it (layer versions never
// change, and a function keeps running one deleted after it took it, as on AWS).
struct LayerRef {
  std::string arn;  // the layer version's ARN
  int64_t code_size = 0;
  int64_t unzipped = 0;
  std::string dir;  // its extracted content
};

struct Function {
  std::string name;
  std::string arn;  // unqualified
  std::string region;
  std::string account;
  std::string runtime;
  std::string role;
  std::string handler;
  std::string description;
  int timeout = 3;
  int memory = 128;
  int ephemeral_storage = 512;
  std::map<std::string, std::string> variables;
  std::string tracing_mode = "PassThrough";
  std::vector<std::string> architectures = {"x86_64"};
  std::string package_type = "Zip";
  std::optional<std::string> dead_letter_target;
  std::string log_format = "Text";
  std::string log_group;
  std::optional<std::string> kms_key_arn;
  std::vector<LayerRef> layers;  // in order: a later layer's files win in /opt
  // What /opt holds: the one layer's directory, or the layers merged in order (CodeStore::
  // MergeLayers); "" without layers.
  std::string opt_dir;
  StoredCode code;
  std::map<std::string, std::string> tags;
  std::string policy_json;  // JSON array of statements; "" when none
  std::string policy_revision;
  std::optional<int> reserved_concurrency;
  std::optional<EventInvokeConfig> event_invoke_config;
  int64_t created_ns = 0;
  int64_t last_modified_ns = 0;
  std::string revision_id;
  uint64_t generation = 1;  // bumped by every code or configuration change
  // "$LATEST", or the number of a published version: an immutable snapshot of $LATEST's code
  // and configuration (it has no versions or aliases of its own).
  std::string version = "$LATEST";
  // On $LATEST only: the published versions by number (shared, never changed once made), the
  // aliases by name, and the last version number given (numbers are never reused).
  std::map<int, std::shared_ptr<const Function>> versions;
  std::map<std::string, Alias> aliases;
  int last_version = 0;
  // On a version: $LATEST's RevisionId once it was published. While $LATEST still has it,
  // nothing changed, and publishing again answers this version.
  std::string latest_revision;
  // On a version: $LATEST's code and configuration when it was published (Snapshot()). AWS
  // publishes no new version while they are the same, whatever the updates in between.
  std::string latest_snapshot;
  // On $LATEST only: its function URLs, by qualifier ("" for the unqualified one).
  std::map<std::string, UrlConfig> urls;
  // On $LATEST only: the resource policies and event invoke configs of its versions and
  // aliases, by qualifier (a version number or an alias name). AWS keeps each apart from the
  // function's own (policy_json, event_invoke_config) and from each other.
  std::map<std::string, ResourcePolicy> qualified_policies;
  std::map<std::string, EventInvokeConfig> qualified_invoke_configs;

  // The ARN of this version: unqualified for $LATEST, "<arn>:<number>" for a version.
  std::string VersionArn() const { return version == "$LATEST" ? arn : arn + ":" + version; }
  // The published version `number`, or null.
  const Function* Version(const std::string& number) const;

  // What a published version freezes of this function: its code digest and configuration, as
  // one comparable string.
  std::string Snapshot() const;

  std::string ToJson() const;
  static Result<Function> FromJson(const std::string& text);
};

struct CodeInput {
  std::optional<std::string> zip_file;  // raw bytes (base64-decoded by protocol/)
  std::optional<std::string> s3_bucket;
  std::optional<std::string> s3_key;
  std::optional<std::string> s3_object_version;
  std::optional<std::string> image_uri;
  bool empty() const { return !zip_file && !s3_bucket && !s3_key && !image_uri; }
};

// Every member optional: CreateFunction fills defaults, UpdateFunctionConfiguration merges.
struct ConfigInput {
  std::optional<std::string> role;
  std::optional<std::string> handler;
  std::optional<std::string> description;
  std::optional<std::string> runtime;
  std::optional<int> timeout;
  std::optional<int> memory;
  std::optional<int> ephemeral_storage;
  std::optional<std::map<std::string, std::string>> variables;
  std::optional<std::string> tracing_mode;
  std::optional<std::string> dead_letter_target;  // "" clears
  std::optional<std::vector<std::string>> layers;
  std::optional<std::vector<std::string>> architectures;
  std::optional<std::string> kms_key_arn;
  std::optional<std::string> log_format;
  std::optional<std::string> log_group;
  std::optional<std::string> revision_id;
};

struct CreateFunctionInput {
  std::string name;
  ConfigInput config;
  CodeInput code;
  std::map<std::string, std::string> tags;
  std::optional<std::string> package_type;
};

struct PermissionInput {
  std::string statement_id;
  std::string action;
  std::string principal;
  std::optional<std::string> source_arn;
  std::optional<std::string> source_account;
  std::optional<std::string> event_source_token;
  std::optional<std::string> principal_org_id;
  std::optional<std::string> revision_id;
  std::string qualifier;  // the Qualifier parameter: a version's or an alias's own policy
};

struct AccountSettings {
  int64_t total_code_size = 0;
  int function_count = 0;
  int unreserved_concurrency = 1000;
};

}  // namespace offstage::lambda
