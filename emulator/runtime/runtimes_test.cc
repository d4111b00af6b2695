#include "emulator/runtime/runtimes.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace offstage::runtime {
namespace {

// A temporary directory of fake interpreters; the probe answers from `versions`.
struct FakeMachine {
  std::string dir;
  std::map<std::string, std::string> versions;  // path -> what `--version` prints

  FakeMachine() {
    char tmpl[] = "/tmp/offstage-runtimes-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~FakeMachine() { std::filesystem::remove_all(dir); }

  std::string Add(const std::string& relative, const std::string& version_output) {
    const std::string path = dir + "/" + relative;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), 0755);
    versions[path] = version_output;
    return path;
  }

  RuntimeResolver Resolver(std::map<std::string, std::string> paths = {}) {
    ResolverOptions options;
    options.runtimes_dir = dir + "/cache";
    options.search_path = dir + "/bin";
    options.paths = std::move(paths);
    return RuntimeResolver(options, [this](const std::string& path) {
      auto it = versions.find(path);
      return it == versions.end() ? std::string() : it->second;
    });
  }
};

}  // namespace

TEST_CASE("the runtime table has AWS's current runtimes and dates") {
  REQUIRE(FindRuntime("python3.14") != nullptr);
  REQUIRE(FindRuntime("nodejs24.x") != nullptr);
  CHECK(FindRuntime("java21") == nullptr);
  const RuntimeInfo* node20 = FindRuntime("nodejs20.x");
  REQUIRE(node20 != nullptr);
  CHECK(node20->deprecated == "2026-04-30");
  CHECK(node20->block_create == "2027-07-29");
  CHECK(node20->block_update == "2027-08-31");
  for (const auto& info : Runtimes()) {
    CHECK(info.deprecated <= info.block_create);
    CHECK(info.block_create <= info.block_update);
  }
}

TEST_CASE("Reached compares ISO dates and includes the day itself") {
  CHECK(Reached("2026-04-30", "2026-04-30"));
  CHECK(Reached("2026-04-30", "2026-12-04"));
  CHECK_FALSE(Reached("2027-07-29", "2026-12-04"));
  CHECK_FALSE(Reached("", "2026-12-04"));
  CHECK(IsoDate(0) == "1970-01-01");
  CHECK(IsoDate(1'780'000'000'000'000'000) == "2026-05-28");
}

TEST_CASE("a Node runtime runs on the exact build from the runtimes cache") {
  FakeMachine m;
  m.Add("bin/node", "v20.20.2\n");
  const std::string node22 = m.Add("cache/node_modules/node22/bin/node", "v22.23.5\n");
  Resolution r = m.Resolver().Resolve("nodejs22.x");
  CHECK(r.found);
  CHECK(r.exact);
  CHECK(r.path == node22);
  CHECK(r.version == "22.23.5");
  CHECK(r.source == "runtimes cache");
  CHECK(r.Warning().empty());
}

TEST_CASE("without its build a Node runtime runs on the nearest node and says so") {
  FakeMachine m;
  const std::string host = m.Add("bin/node", "v20.20.2\n");
  Resolution r = m.Resolver().Resolve("nodejs22.x");
  CHECK(r.found);
  CHECK_FALSE(r.exact);
  CHECK(r.path == host);
  CHECK(r.Describe() == "Node.js 20.20.2");
  CHECK(r.Warning().find("declares Node.js 22, but this function runs on Node.js 20.20.2") !=
        std::string::npos);
  CHECK(r.Warning().find("offstage runtimes install nodejs22.x") != std::string::npos);
  // The host's node 20 is exact for nodejs20.x.
  CHECK(m.Resolver().Resolve("nodejs20.x").exact);
}

TEST_CASE("a Python runtime takes the exact interpreter or else the nearest that runs") {
  FakeMachine m;
  m.Add("bin/python3", "Python 3.11.7\n");
  const std::string py311 = m.Add("bin/python3.11", "Python 3.11.7\n");
  m.Add("bin/python3.13", "");  // a pyenv shim with no 3.13 selected: fails to run
  const std::string py39 = m.Add("bin/python3.9", "Python 3.9.18\n");
  Resolution r313 = m.Resolver().Resolve("python3.13");
  CHECK(r313.found);
  CHECK_FALSE(r313.exact);
  CHECK(r313.path == py311);
  CHECK(r313.Warning().find("declares Python 3.13, but this function runs on Python 3.11.7") !=
        std::string::npos);
  Resolution r39 = m.Resolver().Resolve("python3.9");
  CHECK(r39.exact);
  CHECK(r39.path == py39);
  // 3.10 is as near to 3.9 as to 3.11: the newer wins.
  CHECK(m.Resolver().Resolve("python3.10").path == py311);
}

TEST_CASE("--runtime-path maps a runtime to an interpreter whatever else is installed") {
  FakeMachine m;
  m.Add("bin/python3.12", "Python 3.12.1\n");
  const std::string mine = m.Add("elsewhere/python", "Python 3.12.9\n");
  Resolution r = m.Resolver({{"python3.12", mine}}).Resolve("python3.12");
  CHECK(r.exact);
  CHECK(r.path == mine);
  CHECK(r.version == "3.12.9");
  CHECK(r.source == "--runtime-path");
  Resolution other = m.Resolver({{"python3.13", mine}}).Resolve("python3.13");
  CHECK(other.found);
  CHECK_FALSE(other.exact);
  CHECK(other.Warning().find("from --runtime-path") != std::string::npos);
}

TEST_CASE("with nothing installed it is not found and OS-only runtimes need none") {
  FakeMachine m;
  Resolution r = m.Resolver().Resolve("python3.14");
  CHECK_FALSE(r.found);
  CHECK(r.Warning().find("no Python interpreter was found") != std::string::npos);
  Resolution provided = m.Resolver().Resolve("provided.al2023");
  CHECK(provided.found);
  CHECK(provided.exact);
  CHECK(provided.Warning().empty());
  CHECK_FALSE(m.Resolver().Resolve("java21").found);
}

}  // namespace offstage::runtime
