// CodeStore: where function code lives. A Code.ZipFile is checked and extracted with libzip
// into <root>/<function>/<digest>/ (path traversal, links leaving the tree and oversize archives
// refused with AWS's errors); a local directory (Code.S3Bucket=hot-reload, S3Key=/abs/path) runs
// in place; a function's layers are merged into one directory for /opt. Owned by the Lambda
// service. Thread model: stateless apart from `root_`; distinct
// functions extract into distinct directories, and the service serialises changes per function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::lambda {

struct StoredCode {
  std::string dir;         // LAMBDA_TASK_ROOT
  std::string sha256;      // base64 of SHA-256 of the zip (or of the path for a directory)
  int64_t size = 0;        // zip bytes (0 for a directory)
  int64_t unzipped = 0;    // bytes of the extracted files (0 for a directory)
  bool local_dir = false;  // hot reload: runs in place
};

inline constexpr int64_t kMaxZippedBytes = 50LL * 1024 * 1024;
inline constexpr int64_t kMaxUnzippedBytes = 262'144'000;

class CodeStore {
 public:
  explicit CodeStore(std::string root) : root_(std::move(root)) {}

  common::Result<StoredCode> ExtractZip(const std::string& function_name,
                                        std::string_view zip_bytes);
  common::Result<StoredCode> LocalDirectory(const std::string& path);
  // One directory holding `dirs` merged in order (a later directory's file replaces an earlier
  // one's), as Lambda merges a function's layers into /opt: <root>/.opt/<digest of the list>,
  // made of hard links (copies across file systems), built once and reused. A single directory
  // is its own merge.
  common::Result<std::string> Merge(const std::vector<std::string>& dirs) const;
  // Removes an extracted directory (never a local one), and its function's directory when that
  // is left empty.
  void Remove(const StoredCode& code);
  // A cheap fingerprint of a local directory's files (sizes and modification times), for hot
  // reload; skips node_modules and dot-directories.
  static std::string Fingerprint(const std::string& dir);

 private:
  std::string root_;
};

}  // namespace offstage::lambda
