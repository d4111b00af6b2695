// Layer: a Lambda layer as the Lambda service keeps it: its published versions (immutable
// archives of code for /opt, with their compatible runtimes and architectures, license and
// resource policy) and the last version number it gave (numbers are never reused, even after a
// deletion). Plain values; the JSON is offstage's own storage format (snake_case), not the wire
// shape, which protocol/ renders. Safe on any thread as values are.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/lambda/code_store.h"

namespace offstage::lambda {

struct LayerVersion {
  int version = 0;
  std::string description;
  std::vector<std::string> compatible_runtimes;
  std::vector<std::string> compatible_architectures;
  // Whether Publish gave the lists (AWS answers them then, even empty, and omits them else).
  bool compatible_runtimes_set = false;
  bool compatible_architectures_set = false;
  std::string license_info;
  int64_t created_ns = 0;
  StoredCode code;          // extracted: what /opt holds for it
  std::string policy_json;  // JSON array of statements; "" when none
  std::string policy_revision;
};

struct Layer {
  std::string name;
  std::string arn;  // arn:aws:lambda:<region>:<account>:layer:<name>
  std::string region;
  std::string account;
  int last_version = 0;
  std::map<int, LayerVersion> versions;  // the versions not deleted
  int64_t created_ns = 0;

  std::string VersionArn(int version) const { return arn + ":" + std::to_string(version); }

  std::string ToJson() const;
  static common::Result<Layer> FromJson(const std::string& text);
};

// Input of PublishLayerVersion.
struct LayerInput {
  std::optional<std::string> zip_file;  // raw bytes (base64-decoded by protocol/)
  std::optional<std::string> s3_bucket;
  std::optional<std::string> s3_key;
  std::optional<std::string> s3_object_version;
  std::string description;
  std::optional<std::vector<std::string>> compatible_runtimes;
  std::optional<std::vector<std::string>> compatible_architectures;
  std::string license_info;
};

// Input of AddLayerVersionPermission.
struct LayerPermissionInput {
  std::string statement_id;
  std::string action;
  std::string principal;
  std::optional<std::string> organization_id;
  std::optional<std::string> revision_id;
};

// A layer version as an answer shows it: the layer's ARN beside the version.
struct LayerVersionView {
  std::string layer_arn;
  std::string version_arn;
  LayerVersion version;
};

}  // namespace offstage::lambda
