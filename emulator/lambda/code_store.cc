// CodeStore: extraction of Code.ZipFile archives into the code root and local (hot-reload)
// directories, with AWS's InvalidParameterValueException messages. Thread model: code_store.h.
#include "emulator/lambda/code_store.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "emulator/common/strings.h"
#include "emulator/lambda/validation.h"

namespace offstage::lambda {
namespace {

namespace fs = std::filesystem;
using common::ErrorCode;
using common::Fail;

auto BadZip() {
  return InvalidParameterValueError(
      "Could not unzip uploaded file. Please check your file, then try to upload again.");
}

auto EmptyZip() { return InvalidParameterValueError("Uploaded file must be a non-empty zip"); }

// A path the file system can hold: no component longer than NAME_MAX (255), the whole shorter
// than PATH_MAX (4096) with room for the code directory in front of it.
bool FitsFileSystem(const std::string& name) {
  if (name.size() > 3072) return false;
  for (std::string_view part : common::Split(name, '/')) {
    if (part.size() > 255) return false;
  }
  return true;
}

// ".tmp.<random>": a temporary directory's suffix no other call shares.
std::string TempSuffix() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, ".tmp.%016llx", static_cast<unsigned long long>(engine()));
  return buf;
}

// A relative path that stays inside the tree: no absolute path, no ".." component.
bool SafeRelative(const std::string& name) {
  if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos) return false;
  for (std::string_view part : common::Split(name, '/')) {
    if (part == "..") return false;
  }
  return true;
}

// `path` (made absolute through the real file system: links already created are followed) is
// `root` or below it. `root` must be canonical.
bool ResolvesInside(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return false;
  const fs::path rel = real.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

common::Result<StoredCode> CodeStore::ExtractZip(const std::string& function_name,
                                                 std::string_view zip_bytes) {
  if (static_cast<int64_t>(zip_bytes.size()) > kMaxZippedBytes) {
    return Fail(ErrorCode::kLambdaRequestTooLarge,
                "Request must be smaller than 70167211 bytes for the CreateFunction operation");
  }
  if (zip_bytes.empty()) return EmptyZip();
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
  if (!source) return BadZip();
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive) {
    zip_source_free(source);
    return BadZip();
  }
  std::unique_ptr<zip_t, decltype(&zip_discard)> zip(archive, zip_discard);
  const zip_int64_t entries = zip_get_num_entries(zip.get(), 0);
  if (entries <= 0) return EmptyZip();

  StoredCode code;
  code.sha256 = common::Sha256Base64(zip_bytes);
  code.size = static_cast<int64_t>(zip_bytes.size());
  const std::string digest = common::Sha256Hex(zip_bytes).substr(0, 16);
  const fs::path final_dir = fs::path(root_) / function_name / digest;
  const fs::path function_dir = fs::path(root_) / function_name;
  // Its own temporary tree: two requests extracting the same archive at once must not build
  // into one directory (one's cleanup would remove the other's progress).
  const fs::path temp_dir = function_dir / (digest + TempSuffix());
  std::error_code ec;
  fs::remove_all(temp_dir, ec);
  fs::create_directories(temp_dir, ec);
  // A failed extraction leaves nothing behind: not its temporary tree, nor the function's
  // directory when this made it (fs::remove removes only an empty directory).
  auto fail_with = [&](auto failure) {
    std::error_code ignored;
    fs::remove_all(temp_dir, ignored);
    fs::remove(function_dir, ignored);
    return failure;
  };
  if (ec) {
    return fail_with(
        Fail(common::Internal("cannot create " + temp_dir.string() + ": " + ec.message())));
  }
  const fs::path real_root = fs::canonical(temp_dir, ec);
  if (ec) {
    return fail_with(
        Fail(common::Internal("cannot resolve " + temp_dir.string() + ": " + ec.message())));
  }

  int64_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(zip.get(), static_cast<zip_uint64_t>(i), 0, &stat) != 0) {
      return fail_with(BadZip());
    }
    const std::string name = stat.name;
    if (!FitsFileSystem(name)) return fail_with(BadZip());
    if (!SafeRelative(name)) {
      return fail_with(InvalidParameterValueError("Could not unzip uploaded file: the entry '" +
                                                  name +
                                                  "' points outside the function's directory."));
    }
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    zip_file_get_external_attributes(zip.get(), static_cast<zip_uint64_t>(i), 0, &opsys,
                                     &attributes);
    const mode_t mode = opsys == ZIP_OPSYS_UNIX ? static_cast<mode_t>(attributes >> 16) : 0;
    const fs::path target = temp_dir / name;
    // The names are relative and ".."-free, but links extracted earlier are followed when the
    // entry is written: each link's real destination must stay inside (a chain "a/b" -> "..",
    // "a/b/c" -> "..", ... climbed out one level per link and wrote anywhere).
    if (!ResolvesInside(real_root, target.parent_path())) {
      return fail_with(InvalidParameterValueError("Could not unzip uploaded file: the entry '" +
                                                  name +
                                                  "' points outside the function's directory."));
    }
    if (name.back() == '/' || S_ISDIR(mode)) {
      fs::create_directories(target, ec);
      continue;
    }
    total += static_cast<int64_t>(stat.size);
    if (total > kMaxUnzippedBytes) {
      return fail_with(
          InvalidParameterValueError("Unzipped size must be smaller than 262144000 bytes"));
    }
    fs::create_directories(target.parent_path(), ec);
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(
        zip_fopen_index(zip.get(), static_cast<zip_uint64_t>(i), 0), zip_fclose);
    if (!file) return fail_with(BadZip());
    std::string content;
    char buf[65536];
    while (true) {
      const zip_int64_t got = zip_fread(file.get(), buf, sizeof buf);
      if (got < 0) return fail_with(BadZip());
      if (got == 0) break;
      content.append(buf, static_cast<size_t>(got));
      if (static_cast<int64_t>(content.size()) > kMaxUnzippedBytes) {
        return fail_with(
            InvalidParameterValueError("Unzipped size must be smaller than 262144000 bytes"));
      }
    }
    if (S_ISLNK(mode)) {
      // A link may point anywhere inside the tree, never out of it.
      const fs::path resolved = (fs::path(name).parent_path() / content).lexically_normal();
      if (fs::path(content).is_absolute() || !SafeRelative(resolved.string()) ||
          resolved.string().starts_with("..") ||
          !ResolvesInside(real_root, fs::weakly_canonical(target.parent_path(), ec) / content)) {
        return fail_with(InvalidParameterValueError("Could not unzip uploaded file: the link '" +
                                                    name +
                                                    "' points outside the function's directory."));
      }
      fs::create_symlink(content, target, ec);
      if (ec) return fail_with(BadZip());
      continue;
    }
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) return fail_with(Fail(common::Internal("cannot write " + target.string())));
    out.close();
    // Keep the archive's permission bits (a provided runtime's bootstrap must stay executable);
    // files without them get 0644, as Lambda's own extraction gives.
    const mode_t perms = (mode & 0777) != 0 ? (mode & 0777) | 0400 : 0644;
    chmod(target.c_str(), perms);
  }
  code.unzipped = total;
  // The same archive is in place already (its name is its digest): a published version may
  // be running it, so it is kept as it is rather than replaced under that version.
  if (fs::is_directory(final_dir, ec)) {
    fs::remove_all(temp_dir, ec);
    code.dir = final_dir.string();
    return code;
  }
  fs::rename(temp_dir, final_dir, ec);
  if (ec) {
    // Another extraction of the same archive got there first: the same files, kept.
    if (fs::is_directory(final_dir)) {
      fs::remove_all(temp_dir, ec);
      code.dir = final_dir.string();
      return code;
    }
    return fail_with(Fail(common::Internal("cannot move code into place: " + ec.message())));
  }
  code.dir = final_dir.string();
  return code;
}

common::Result<StoredCode> CodeStore::LocalDirectory(const std::string& path) {
  std::error_code ec;
  if (path.empty() || path[0] != '/') {
    return InvalidParameterValueError(
        "With Code.S3Bucket=hot-reload, Code.S3Key must be an absolute directory path, "
        "got '" +
        path + "'");
  }
  if (!fs::is_directory(path, ec)) {
    return InvalidParameterValueError("The local code directory " + path +
                                      " does not exist or is not a directory");
  }
  StoredCode code;
  code.dir = fs::canonical(path, ec).string();
  code.sha256 = common::Sha256Base64(code.dir);
  code.size = 0;
  code.local_dir = true;
  return code;
}

common::Result<std::string> CodeStore::Merge(const std::vector<std::string>& dirs) const {
  if (dirs.size() == 1) return dirs.front();
  std::string list;
  for (const std::string& dir : dirs) list += dir + '\n';
  const fs::path final_dir = fs::path(root_) / ".opt" / common::Sha256Hex(list).substr(0, 16);
  std::error_code ec;
  if (fs::is_directory(final_dir, ec)) return final_dir.string();
  const fs::path temp_dir = final_dir.string() + TempSuffix();
  fs::create_directories(temp_dir, ec);
  auto fail = [&](const std::string& what) {
    std::error_code ignored;
    fs::remove_all(temp_dir, ignored);
    return Fail(
        common::Internal("cannot merge the layers into " + final_dir.string() + ": " + what));
  };
  if (ec) return fail(ec.message());
  for (const std::string& dir : dirs) {
    fs::recursive_directory_iterator it(dir, ec);
    if (ec) return fail(dir + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return fail(dir + ": " + ec.message());
      const fs::path target = temp_dir / fs::path(it->path()).lexically_relative(dir);
      const fs::file_status status = it->symlink_status(ec);
      if (fs::is_directory(status)) {
        if (fs::is_symlink(fs::symlink_status(target, ec))) fs::remove(target, ec);
        fs::create_directories(target, ec);
        continue;
      }
      if (fs::is_directory(fs::symlink_status(target, ec))) fs::remove_all(target, ec);
      fs::remove(target, ec);
      if (fs::is_symlink(status)) {
        fs::copy_symlink(it->path(), target, ec);
      } else {
        fs::create_hard_link(it->path(), target, ec);
        if (ec) fs::copy_file(it->path(), target, ec);
      }
      if (ec) return fail(it->path().string() + ": " + ec.message());
    }
  }
  fs::rename(temp_dir, final_dir, ec);
  if (ec && !fs::is_directory(final_dir)) return fail(ec.message());
  fs::remove_all(temp_dir, ec);
  return final_dir.string();
}

void CodeStore::Remove(const StoredCode& code) {
  if (code.local_dir || code.dir.empty()) return;
  if (!code.dir.starts_with(root_)) return;
  std::error_code ec;
  fs::remove_all(code.dir, ec);
  // The function's directory too, once it holds no code (fs::remove removes only an empty one).
  const fs::path function_dir = fs::path(code.dir).parent_path();
  if (function_dir != fs::path(root_) && function_dir.string().starts_with(root_)) {
    fs::remove(function_dir, ec);
  }
}

std::string CodeStore::Fingerprint(const std::string& dir) {
  std::error_code ec;
  uint64_t hash = 1469598103934665603ULL;
  auto mix = [&](uint64_t value) {
    hash ^= value;
    hash *= 1099511628211ULL;
  };
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) &&
        (name == "node_modules" || name.starts_with(".") || name == "__pycache__")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    struct stat st {};
    if (stat(it->path().c_str(), &st) != 0) continue;
    mix(std::hash<std::string>{}(it->path().string()));
    mix(static_cast<uint64_t>(st.st_size));
    mix(static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ULL +
        static_cast<uint64_t>(st.st_mtim.tv_nsec));
  }
  return std::to_string(hash);
}

}  // namespace offstage::lambda
