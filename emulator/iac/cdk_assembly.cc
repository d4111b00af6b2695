// Reading a CDK cloud assembly (cdk_assembly.h).
#include "emulator/iac/cdk_assembly.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

common::Result<json> ReadJson(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return common::Fail(common::ErrorCode::kValidationError, "cannot read " + path.string());
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc = common::ParseJson(text.str());
  if (!doc.is_object()) {
    return common::Fail(common::ErrorCode::kValidationError,
                        path.string() + " is not a JSON object");
  }
  return doc;
}

}  // namespace

bool IsAssembly(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_regular_file(fs::path(dir) / "manifest.json", ec);
}

common::Result<Assembly> ReadAssemblyOrThrow(const std::string& dir);

common::Result<Assembly> ReadAssembly(const std::string& dir) {
  try {
    return ReadAssemblyOrThrow(dir);
  } catch (const json::exception& error) {
    return common::Fail(common::ErrorCode::kValidationError,
                        dir + ": the cloud assembly is not what cdk synth writes (" +
                            std::string(error.what()) + ")");
  }
}

common::Result<Assembly> ReadAssemblyOrThrow(const std::string& dir) {
  const fs::path root = fs::absolute(dir);
  auto manifest = ReadJson(root / "manifest.json");
  if (!manifest) return common::Fail(manifest.error());
  const json artifacts = manifest->value("artifacts", json::object());
  if (!artifacts.is_object()) {
    return common::Fail(common::ErrorCode::kValidationError,
                        (root / "manifest.json").string() + ": artifacts is not an object");
  }
  Assembly out;
  std::map<std::string, json> stacks;  // artifact id -> artifact
  for (const auto& [id, artifact] : artifacts.items()) {
    const std::string type = artifact.value("type", "");
    const json props = artifact.value("properties", json::object());
    if (type == "cdk:asset-manifest") {
      auto assets = ReadJson(root / props.value("file", ""));
      if (!assets) return common::Fail(assets.error());
      const json files = assets->value("files", json::object());
      for (const auto& [hash, file] : files.items()) {
        const std::string source = file.value("source", json::object()).value("path", "");
        if (source.empty()) continue;
        const json destinations = file.value("destinations", json::object());
        for (const auto& [dest, where] : destinations.items()) {
          const std::string key = where.value("objectKey", "");
          if (!key.empty()) out.assets[key] = (root / source).string();
        }
      }
    } else if (type == "aws:cloudformation:stack") {
      stacks[id] = artifact;
    }
  }
  if (stacks.empty()) {
    return common::Fail(common::ErrorCode::kValidationError,
                        root.string() + " is a cloud assembly with no stacks");
  }
  // Dependencies first (depth first over each stack's stack dependencies).
  std::set<std::string> done;
  std::set<std::string> visiting;
  std::function<common::Status(const std::string&)> visit =
      [&](const std::string& id) -> common::Status {
    if (done.contains(id)) return {};
    if (!visiting.insert(id).second) {
      return common::Fail(common::ErrorCode::kValidationError,
                          "the stacks of " + root.string() + " depend on each other (" + id + ")");
    }
    const json& artifact = stacks.at(id);
    for (const auto& dep : artifact.value("dependencies", json::array())) {
      if (dep.is_string() && stacks.contains(dep.get<std::string>())) {
        if (auto s = visit(dep.get<std::string>()); !s) return s;
      }
    }
    const json props = artifact.value("properties", json::object());
    AssemblyStack stack;
    stack.name = props.value("stackName", id);
    stack.template_file = (root / props.value("templateFile", "")).string();
    out.stacks.push_back(std::move(stack));
    done.insert(id);
    visiting.erase(id);
    return {};
  };
  for (const auto& [id, artifact] : stacks) {
    if (auto s = visit(id); !s) return common::Fail(s.error());
  }
  return out;
}

}  // namespace offstage::iac
