// Code from templates (lambda_code.h).
#include "emulator/iac/lambda_code.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/common/api_error.h"
#include "emulator/common/strings.h"

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;
using resource::Text;

namespace {

common::Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::Fail(common::Internal("cannot read " + path.string()));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The local path the code names, if it names one (a string, or an asset's S3 location).
std::optional<fs::path> LocalPath(const ResourceContext& ctx, const json& code) {
  std::string where;
  if (code.is_string()) {
    where = code.get<std::string>();
  } else if (code.is_object()) {
    auto bucket = Text(code, "S3Bucket");
    auto key = Text(code, "S3Key");
    if (!bucket || !key || *bucket == "hot-reload" || !ctx.asset) return std::nullopt;
    auto asset = ctx.asset(*bucket, *key);
    if (!asset) return std::nullopt;
    where = *asset;
  } else {
    return std::nullopt;
  }
  fs::path path = where;
  if (path.is_relative()) path = ctx.base_dir / path;
  std::error_code ec;
  return fs::weakly_canonical(path, ec);
}

}  // namespace

common::Result<json> CodeFor(const ResourceContext& ctx, const json& code, const json& props,
                             const char* property) {
  auto local = [&](const fs::path& path) -> common::Result<json> {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      return json{{"S3Bucket", "hot-reload"}, {"S3Key", path.string()}};
    }
    if (fs::is_regular_file(path, ec) && path.extension() == ".zip") {
      auto bytes = ReadFile(path);
      if (!bytes) return common::Fail(bytes.error());
      return json{{"ZipFile", common::Base64Encode(*bytes)}};
    }
    return common::Fail(resource::Invalid(
        ctx, std::string(property) + ": " + path.string() +
                 " is not a directory or a .zip file (offstage runs code from local paths)"));
  };
  if (code.is_string()) return local(*LocalPath(ctx, code));
  if (!code.is_object()) {
    return common::Fail(
        resource::Invalid(ctx, std::string("#/") + property + ": expected type: JSONObject"));
  }
  if (auto zip = Text(code, "ZipFile")) {
    // Inline source: CloudFormation writes it as index.js or index.py.
    const std::string runtime = Text(props, "Runtime").value_or("");
    const std::string file = runtime.starts_with("python") ? "index.py" : "index.js";
    const fs::path dir =
        ctx.code_dir / (ctx.logical_id + "-" + common::Sha256Hex(file + "\n" + *zip).substr(0, 16));
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream out(dir / file, std::ios::binary | std::ios::trunc);
    out << *zip;
    if (!out) {
      return common::Fail(common::Internal("cannot write inline code into " + dir.string()));
    }
    return json{{"S3Bucket", "hot-reload"}, {"S3Key", dir.string()}};
  }
  auto bucket = Text(code, "S3Bucket");
  auto key = Text(code, "S3Key");
  if (bucket && key) {
    if (*bucket == "hot-reload") return json{{"S3Bucket", *bucket}, {"S3Key", *key}};
    if (auto path = LocalPath(ctx, code)) return local(*path);
    return common::Fail(resource::Invalid(
        ctx, std::string(property) + ": s3://" + *bucket + "/" + *key +
                 " is not a local asset; offstage has no S3: give a local path, or deploy the "
                 "CDK cloud assembly (cdk.out) or the serverless package, whose assets map to "
                 "local files (docs/iac.md)"));
  }
  if (code.contains("ImageUri")) {
    return common::Fail(resource::Invalid(
        ctx, std::string(property) + ".ImageUri: container images are not emulated; give a "
                                     "local code path (docs/iac.md)"));
  }
  return common::Fail(resource::Invalid(
      ctx, std::string("#/") + property + ": ZipFile, S3Bucket and S3Key, or a local path"));
}

json CodeKey(const json& api_code) {
  if (api_code.is_object() && api_code.contains("ZipFile") && api_code["ZipFile"].is_string()) {
    return json{{"ZipFileSha256", common::Sha256Hex(api_code["ZipFile"].get<std::string>())}};
  }
  return api_code;
}

json CodeFingerprint(const ResourceContext& ctx, const json& code) {
  auto path = LocalPath(ctx, code);
  std::error_code ec;
  if (!path || !fs::is_regular_file(*path, ec)) return nullptr;
  auto bytes = ReadFile(*path);
  if (!bytes) return nullptr;
  return common::Sha256Hex(*bytes);
}

json ResourceFingerprint(std::string_view type, const ResourceContext& ctx, const json& props) {
  if (!props.is_object()) return nullptr;
  if (type == "AWS::Lambda::Function") return CodeFingerprint(ctx, props.value("Code", json()));
  if (type == "AWS::Lambda::LayerVersion") {
    return CodeFingerprint(ctx, props.value("Content", json()));
  }
  return nullptr;
}

}  // namespace offstage::iac
