// A function's Code (or a layer's Content) as a template gives it, turned into what the Lambda
// API takes: a local directory (run in place, hot-reloaded: Code.S3Bucket=hot-reload), a local
// .zip (sent as ZipFile), inline ZipFile source (written as index.js or index.py, as
// CloudFormation names it, into a directory of its own per content under the stack's code
// directory, so an old and a new version never share one), or an S3 location a CDK or
// serverless asset maps to a local path. Any thread (the deployer's).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "emulator/common/result.h"
#include "emulator/iac/resource_types.h"

namespace offstage::iac {

// `code` is the property `property` ("Code", "Content") of a resource whose properties are
// `props` (the runtime names an inline file).
common::Result<nlohmann::json> CodeFor(const ResourceContext& ctx, const nlohmann::json& code,
                                       const nlohmann::json& props, const char* property);

// What CodeFor's answer is kept as in the stack (a .zip as its digest, not its bytes), and
// compared by to know whether the code changed.
nlohmann::json CodeKey(const nlohmann::json& api_code);

// The content of a local .zip the code names (its SHA-256), so a rebuilt archive at the same
// path is a change; null for anything else (directories hot-reload on their own).
nlohmann::json CodeFingerprint(const ResourceContext& ctx, const nlohmann::json& code);

// The fingerprint of a resource's code by its type (a function's Code, a layer's Content);
// null for other types. The deployer keeps it with the resource: a resource whose properties
// are unchanged but whose fingerprint moved is updated (a layer: replaced).
nlohmann::json ResourceFingerprint(std::string_view type, const ResourceContext& ctx,
                                   const nlohmann::json& props);

}  // namespace offstage::iac
