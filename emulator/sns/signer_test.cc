// Unit tests of sns::Signer's key file: created owner-only, reused across restarts, and a corrupt
// one refused rather than replaced (issue #15). Single-threaded.
#include "emulator/sns/signer.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace offstage::sns {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/offstage-signer-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

mode_t ModeOf(const std::string& path) {
  struct stat info;
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

TEST_CASE("the signing key file is created readable by its owner only, and reused") {
  TempDir dir;
  const std::string path = dir.path + "/sns-signing.pem";
  std::string certificate;
  {
    Signer signer(path);
    REQUIRE(signer.Load().has_value());  // nothing stored yet: nothing made at startup
    CHECK_FALSE(std::filesystem::exists(path));
    auto pem = signer.CertificatePem();
    REQUIRE(pem.has_value());
    certificate = *pem;
  }
  CHECK(ModeOf(path) == 0600);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  Signer again(path);
  REQUIRE(again.Load().has_value());
  auto pem = again.CertificatePem();
  REQUIRE(pem.has_value());
  CHECK(*pem == certificate);
}

TEST_CASE("a world-readable key file from an earlier version is tightened to 0600") {
  TempDir dir;
  const std::string path = dir.path + "/sns-signing.pem";
  {
    Signer signer(path);
    REQUIRE(signer.CertificatePem().has_value());
  }
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  Signer again(path);
  REQUIRE(again.Load().has_value());
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("a corrupt key file is refused at Load and never replaced") {
  TempDir dir;
  const std::string path = dir.path + "/sns-signing.pem";
  std::string stored;
  {
    Signer signer(path);
    REQUIRE(signer.CertificatePem().has_value());
    stored = Slurp(path);
  }
  SUBCASE("garbage") { Write(path, "not a key\n"); }
  SUBCASE("empty") { Write(path, ""); }
  SUBCASE("truncated") { Write(path, stored.substr(0, stored.size() / 2)); }
  SUBCASE("the key without its certificate") {
    Write(path, stored.substr(0, stored.find("-----BEGIN CERTIFICATE")));
  }
  const std::string damaged = Slurp(path);
  Signer signer(path);
  auto loaded = signer.Load();
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().message.find(path) != std::string::npos);
  CHECK(loaded.error().message.find("corrupt") != std::string::npos);
  // Later uses fail the same way; the file is left as it was.
  CHECK_FALSE(signer.Sign("text", "1").has_value());
  CHECK_FALSE(signer.CertificatePem().has_value());
  CHECK(Slurp(path) == damaged);
}

TEST_CASE("a key file belonging to another certificate is refused") {
  TempDir dir;
  const std::string first = dir.path + "/first.pem";
  const std::string second = dir.path + "/second.pem";
  {
    Signer a(first);
    Signer b(second);
    REQUIRE(a.CertificatePem().has_value());
    REQUIRE(b.CertificatePem().has_value());
  }
  const std::string a = Slurp(first);
  const std::string b = Slurp(second);
  const std::string key_of_a = a.substr(0, a.find("-----BEGIN CERTIFICATE"));
  const std::string cert_of_b = b.substr(b.find("-----BEGIN CERTIFICATE"));
  Write(first, key_of_a + cert_of_b);
  Signer mixed(first);
  CHECK_FALSE(mixed.Load().has_value());
}

TEST_CASE("an in-memory signer has no file") {
  Signer signer("");
  CHECK(signer.Load().has_value());
  CHECK(signer.CertificatePem().has_value());
}

}  // namespace
}  // namespace offstage::sns
