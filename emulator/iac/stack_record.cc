// The stack's record (stack_record.h).
#include "emulator/iac/stack_record.h"

#include <set>

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;

json ResourceJson(const std::string& id, const std::string& type, const Current& c,
                  const std::string& status, std::string_view note, bool retain) {
  json out = {{"logical_id", id},
              {"type", type},
              {"physical_id", c.physical_id},
              {"ref", c.values.ref},
              {"attributes", c.values.attributes},
              {"properties", c.properties},
              {"state", c.state},
              {"status", status}};
  if (!note.empty()) out["note"] = std::string(note);
  if (retain) out["retain"] = true;
  return out;
}

Current CurrentOf(const json& resource) {
  Current c;
  c.physical_id = resource.value("physical_id", "");
  c.values.ref = resource.value("ref", json());
  c.values.attributes = resource.value("attributes", json::object());
  c.properties = resource.value("properties", json::object());
  c.state = resource.value("state", json::object());
  return c;
}

std::string Line(const std::string& what, const std::string& id, const std::string& type,
                 const std::string& detail) {
  return what + "  " + id + "  " + type + (detail.empty() ? "" : "  " + detail);
}

void SweepInlineCode(const fs::path& dir, const std::vector<json>& keep) {
  std::set<std::string> used;
  for (const json& r : keep) {
    const json code = r.value("state", json::object()).value("code", json());
    if (code.is_object() && code.value("S3Bucket", json()) == "hot-reload" &&
        code.value("S3Key", json()).is_string()) {
      used.insert(code["S3Key"].get<std::string>());
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> unused;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!used.contains(entry.path().string())) unused.push_back(entry.path());
  }
  for (const fs::path& path : unused) fs::remove_all(path, ec);
  if (used.empty()) fs::remove(dir, ec);
}

}  // namespace offstage::iac
