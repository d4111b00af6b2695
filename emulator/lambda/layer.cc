// Layer's storage format (layer.h). Stateless; safe on any thread.
#include "emulator/lambda/layer.h"

#include <nlohmann/json.hpp>

#include "emulator/common/json.h"

namespace offstage::lambda {

using nlohmann::json;

std::string Layer::ToJson() const {
  json versions_json = json::array();
  for (const auto& [number, v] : versions) {
    versions_json.push_back({{"version", v.version},
                             {"description", v.description},
                             {"compatible_runtimes", v.compatible_runtimes},
                             {"compatible_architectures", v.compatible_architectures},
                             {"runtimes_set", v.compatible_runtimes_set},
                             {"architectures_set", v.compatible_architectures_set},
                             {"license_info", v.license_info},
                             {"created_ns", v.created_ns},
                             {"code",
                              {{"dir", v.code.dir},
                               {"sha256", v.code.sha256},
                               {"size", v.code.size},
                               {"unzipped", v.code.unzipped},
                               {"local_dir", v.code.local_dir}}},
                             {"policy", v.policy_json},
                             {"policy_revision", v.policy_revision}});
  }
  const json out = {{"last_version", last_version}, {"versions", versions_json}};
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

common::Result<Layer> Layer::FromJson(const std::string& text) {
  try {
    const json in = json::parse(text);
    Layer layer;
    layer.last_version = in.at("last_version");
    for (const json& v : in.at("versions")) {
      LayerVersion version;
      version.version = v.at("version");
      version.description = v.value("description", "");
      version.compatible_runtimes = v.value("compatible_runtimes", std::vector<std::string>{});
      version.compatible_architectures =
          v.value("compatible_architectures", std::vector<std::string>{});
      version.compatible_runtimes_set = v.value("runtimes_set", false);
      version.compatible_architectures_set = v.value("architectures_set", false);
      version.license_info = v.value("license_info", "");
      version.created_ns = v.at("created_ns");
      const json& code = v.at("code");
      version.code.dir = code.at("dir");
      version.code.sha256 = code.at("sha256");
      version.code.size = code.at("size");
      version.code.unzipped = code.value("unzipped", int64_t{0});
      version.code.local_dir = code.value("local_dir", false);
      version.policy_json = v.value("policy", "");
      version.policy_revision = v.value("policy_revision", "");
      layer.versions.emplace(version.version, std::move(version));
    }
    return layer;
  } catch (const std::exception& e) {
    return common::Fail(common::Internal(std::string("stored layer is unreadable: ") + e.what()));
  }
}

}  // namespace offstage::lambda
