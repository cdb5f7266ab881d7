// The one seam through which the engine touches files. Production uses the
// POSIX implementation; tests substitute one that injects faults (failing the
// Nth write, fsync or rename) or forgets unsynced data (power loss).
//
// Every method throws Error(kIO) naming the operation and the path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/io.h"

namespace tessera::detail {

namespace fs = std::filesystem;

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual void append(const void* data, size_t size) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual void sync() = 0;
  virtual void close() = 0;
  virtual uint64_t size() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates or truncates path for writing.
  virtual std::unique_ptr<WritableFile> create(const fs::path& path) = 0;
  // Opens path for appending at its end (created if absent).
  virtual std::unique_ptr<WritableFile> open_append(const fs::path& path) = 0;
  virtual std::unique_ptr<ByteSource> open_read(const fs::path& path) = 0;
  virtual std::string read_all(const fs::path& path) = 0;

  virtual void rename(const fs::path& from, const fs::path& to) = 0;
  virtual void remove(const fs::path& path) = 0;      // no error when absent
  virtual void remove_all(const fs::path& path) = 0;  // a folder and its contents
  virtual void create_directories(const fs::path& path) = 0;
  // Makes the folder's entries (creations, renames, removals) durable.
  virtual void sync_dir(const fs::path& dir) = 0;
  virtual void truncate(const fs::path& path, uint64_t size) = 0;

  virtual bool exists(const fs::path& path) = 0;
  virtual uint64_t file_size(const fs::path& path) = 0;
  // Names of the entries of a folder, sorted.
  virtual std::vector<std::string> list(const fs::path& dir) = 0;

  // The process-wide POSIX implementation.
  static FileSystem& posix();
};

// Writes bytes to path so that a crash leaves either the old or the new
// content: write path.tmp, fsync it, rename over path, fsync the folder.
void write_file_atomic(FileSystem& fs, const fs::path& path, std::string_view bytes);

// A ByteSink writing to a WritableFile (not owned).
class FileSink final : public ByteSink {
 public:
  explicit FileSink(WritableFile& file) : file_(file) {}
  void write(const void* data, size_t size) override { file_.append(data, size); }

 private:
  WritableFile& file_;
};

}  // namespace tessera::detail
