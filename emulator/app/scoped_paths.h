// Scoped ownership of what the daemon holds on disk, so that destroying the Daemon releases it
// in member order (its destruction is its shutdown): DataDirLock, the exclusive lock of a data
// directory (one daemon per directory), released last; CodeRoot, the directory function code
// is extracted into, removed when it was a temporary one (--ephemeral) once every environment
// is gone. Thread model: built and destroyed on the main thread; read-only in between.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "emulator/common/result.h"

namespace offstage::app {

class DataDirLock {
 public:
  // Locks `path` (created if missing), or fails when another process holds it.
  static common::Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& path) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (fd >= 0) close(fd);
      return common::Fail(common::Internal("cannot lock " + path));
    }
    return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
  }
  ~DataDirLock() { close(fd_); }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

class CodeRoot {
 public:
  // A temporary directory, removed with the CodeRoot.
  static common::Result<std::unique_ptr<CodeRoot>> Temporary() {
    char pattern[] = "/tmp/offstage-code-XXXXXX";
    if (!mkdtemp(pattern)) return common::Fail(common::Internal("cannot create a code directory"));
    return std::unique_ptr<CodeRoot>(new CodeRoot(pattern, /*remove=*/true));
  }
  // `dir` (made absolute, created if missing), kept.
  static std::unique_ptr<CodeRoot> Kept(const std::string& dir) {
    const std::string path = std::filesystem::absolute(dir).string();
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    return std::unique_ptr<CodeRoot>(new CodeRoot(path, /*remove=*/false));
  }
  ~CodeRoot() {
    if (!remove_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  CodeRoot(const CodeRoot&) = delete;
  CodeRoot& operator=(const CodeRoot&) = delete;
  const std::string& path() const { return path_; }

 private:
  CodeRoot(std::string path, bool remove) : path_(std::move(path)), remove_(remove) {}
  std::string path_;
  bool remove_;
};

}  // namespace offstage::app
