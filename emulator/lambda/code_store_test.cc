#include "emulator/lambda/code_store.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace offstage::lambda {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string name;
  std::string content;  // a link's target for links
  mode_t mode = S_IFREG | 0644;
};

// Builds a zip in memory with libzip (Unix modes in the external attributes, as `zip -y` does).
std::string MakeZip(const std::vector<Entry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(nullptr, 0, 0, &error);
  REQUIRE(source != nullptr);
  zip_t* archive = zip_open_from_source(source, ZIP_TRUNCATE, &error);
  REQUIRE(archive != nullptr);
  zip_source_keep(source);
  for (const Entry& e : entries) {
    zip_int64_t index;
    if (S_ISDIR(e.mode)) {
      index = zip_dir_add(archive, e.name.c_str(), ZIP_FL_ENC_UTF_8);
    } else {
      zip_source_t* data = zip_source_buffer(archive, e.content.data(), e.content.size(), 0);
      index = zip_file_add(archive, e.name.c_str(), data, ZIP_FL_ENC_UTF_8);
    }
    REQUIRE(index >= 0);
    zip_file_set_external_attributes(archive, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX,
                                     static_cast<zip_uint32_t>(e.mode) << 16);
  }
  REQUIRE(zip_close(archive) == 0);
  REQUIRE(zip_source_open(source) == 0);
  REQUIRE(zip_source_seek(source, 0, SEEK_END) == 0);
  const zip_int64_t size = zip_source_tell(source);
  REQUIRE(zip_source_seek(source, 0, SEEK_SET) == 0);
  std::string out(static_cast<size_t>(size), '\0');
  REQUIRE(zip_source_read(source, out.data(), static_cast<zip_uint64_t>(size)) == size);
  zip_source_close(source);
  zip_source_free(source);
  return out;
}

struct TempRoot {
  TempRoot() {
    char pattern[] = "/tmp/offstage-code-test-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

}  // namespace

TEST_CASE("ExtractZip keeps files, modes and inner links") {
  TempRoot root;
  CodeStore store((root.path / "code").string());
  auto code = store.ExtractZip("f", MakeZip({{"app.py", "x = 1\n"},
                                             {"bootstrap", "#!/bin/sh\n", S_IFREG | 0755},
                                             {"lib/", "", S_IFDIR | 0755},
                                             {"lib/link", "../app.py", S_IFLNK | 0777}}));
  REQUIRE(code.has_value());
  const fs::path dir = code->dir;
  CHECK(fs::exists(dir / "app.py"));
  CHECK((fs::status(dir / "bootstrap").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK(fs::is_symlink(dir / "lib" / "link"));
  CHECK(fs::equivalent(dir / "lib" / "link", dir / "app.py"));
}

// Regression: each link's text was checked lexically against its own entry name only, so a
// chain of ".." links, each one level deeper through the previous one, climbed out of the
// function's directory and a file entry written through it landed outside (anywhere, with
// enough links).
TEST_CASE("ExtractZip refuses a chain of links that climbs out of the code directory") {
  TempRoot root;
  CodeStore store((root.path / "code").string());
  auto code = store.ExtractZip("f", MakeZip({{"a/", "", S_IFDIR | 0755},
                                             {"a/b", "..", S_IFLNK | 0777},
                                             {"a/b/c", "..", S_IFLNK | 0777},
                                             {"a/b/c/d", "..", S_IFLNK | 0777},
                                             {"a/b/c/d/escaped", "owned\n"}}));
  REQUIRE_FALSE(code.has_value());
  CHECK(code.error().message.find("points outside the function's directory") != std::string::npos);
  for (const auto& entry : fs::recursive_directory_iterator(root.path)) {
    CHECK_MESSAGE(entry.path().filename() != "escaped", entry.path().string());
  }
}

TEST_CASE("Merge: layers merged in order, a later layer's file winning, built once") {
  TempRoot root;
  CodeStore store((root.path / "code").string());
  CodeStore layers((root.path / "code" / ".layers").string());
  auto first = layers.ExtractZip("a", MakeZip({{"nodejs/node_modules/x/index.js", "first"},
                                               {"bin/tool", "#!/bin/sh\n", S_IFREG | 0755},
                                               {"lib", "bin", S_IFLNK | 0777},
                                               {"only-first.txt", "1"}}));
  auto second = layers.ExtractZip(
      "b", MakeZip({{"nodejs/node_modules/x/index.js", "second"}, {"lib/libz.so", "z"}}));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  // One layer is its own merge: nothing is built.
  CHECK(store.Merge({first->dir}).value() == first->dir);
  auto merged = store.Merge({first->dir, second->dir});
  REQUIRE(merged.has_value());
  const fs::path dir = *merged;
  CHECK(dir.parent_path() == root.path / "code" / ".opt");
  auto read = [](const fs::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(read(dir / "nodejs/node_modules/x/index.js") == "second");
  CHECK(read(dir / "only-first.txt") == "1");
  CHECK((fs::status(dir / "bin" / "tool").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);
  // The first layer's link "lib" gave way to the second layer's directory "lib".
  CHECK_FALSE(fs::is_symlink(dir / "lib"));
  CHECK(read(dir / "lib" / "libz.so") == "z");
  // The other order is another merge, with the other winner; the same order is reused.
  auto reversed = store.Merge({second->dir, first->dir});
  REQUIRE(reversed.has_value());
  CHECK(*reversed != *merged);
  CHECK(read(fs::path(*reversed) / "nodejs/node_modules/x/index.js") == "first");
  CHECK(fs::is_symlink(fs::path(*reversed) / "lib"));
  CHECK(store.Merge({first->dir, second->dir}).value() == *merged);
  for (const auto& entry : fs::directory_iterator(dir.parent_path())) {
    CHECK_MESSAGE(entry.path().string().find(".tmp") == std::string::npos, entry.path().string());
  }
}

}  // namespace offstage::lambda
