// A FileSystem for tests that injects I/O errors and simulates power loss.
//
// It wraps a real folder (root): every operation is done on the real files,
// so the code under test reads back what it wrote, while the FS keeps a model
// of what the disk has made durable.
//
// Fault injection: operations are counted by kind (Op). fail_nth() makes the
// Nth operation of a kind (or of any kind), counted from the call, throw
// Error(kIO) with EIO or ENOSPC, "... (injected)", without doing anything.
//
// Power-loss model (conservative: only what was explicitly made durable
// survives). The model works on inodes, like the kernel:
//   * a file's content survives as of its last successful WritableFile::sync()
//     (through any handle on that file); a file never synced survives empty;
//   * a folder's entries (names -> files or folders) survive as of its last
//     successful sync_dir(); creations, renames and removals made after that
//     are forgotten. A rename is two entry changes, one per folder: each
//     survives only if its own folder was synced (so an unsynced rename is
//     undone, and a cross-folder rename may leave the file in both places or
//     neither);
//   * a folder made by create_directories survives only if its parent was
//     synced afterwards; everything under a folder that does not survive is
//     gone;
//   * truncate() and create() over an existing file change the content only
//     as far as a later sync();
//   * whatever was in root when the FS was made (or reset) is durable.
// crash() rewrites the real folder to exactly what survives under this model.
// After crash() every operation (including on handles and readers opened
// before) throws until reset(), which takes the folder as it is then as the
// new durable baseline and clears counters, pending faults and the hook.
//
// Paths must lie under root. The model keeps file contents in memory: meant
// for small test folders. Thread-safe.
#pragma once

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

#include "file_system.h"

namespace tessera::test {

class FaultFs final : public detail::FileSystem {
 public:
  // kWrite: WritableFile::append. kSync: WritableFile::sync. kCreate:
  // create, open_append, create_directories. kRemove: remove, remove_all.
  // kAny: all of these.
  enum class Op { kAny, kWrite, kSync, kSyncDir, kRename, kCreate, kRemove, kTruncate };

  explicit FaultFs(std::filesystem::path root);
  ~FaultFs() override;

  // Operations of this kind attempted since construction or reset()
  // (failed ones included).
  uint64_t count(Op op) const;
  // The nth operation of kind op from now (1: the next one) fails with err.
  // persistent: every later one of that kind fails too (a dead disk).
  void fail_nth(Op op, uint64_t nth, int err = EIO, bool persistent = false);
  void clear_faults();
  // Called at the start of every WritableFile::sync(), outside the FS's
  // lock (tests use it to hold a sync while other threads work).
  void set_sync_hook(std::function<void(const std::filesystem::path&)> hook);

  void crash();
  void reset();
  bool crashed() const;
  const std::filesystem::path& root() const { return root_; }

  std::unique_ptr<detail::WritableFile> create(const std::filesystem::path& path) override;
  std::unique_ptr<detail::WritableFile> open_append(const std::filesystem::path& path) override;
  std::unique_ptr<ByteSource> open_read(const std::filesystem::path& path) override;
  std::string read_all(const std::filesystem::path& path) override;
  void rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  void remove(const std::filesystem::path& path) override;
  void remove_all(const std::filesystem::path& path) override;
  void create_directories(const std::filesystem::path& path) override;
  void sync_dir(const std::filesystem::path& dir) override;
  void truncate(const std::filesystem::path& path, uint64_t size) override;
  bool exists(const std::filesystem::path& path) override;
  uint64_t file_size(const std::filesystem::path& path) override;
  std::vector<std::string> list(const std::filesystem::path& dir) override;

  struct Model;  // the inode model, shared with open handles (fault_fs.cc)

 private:
  std::filesystem::path root_;
  std::shared_ptr<Model> model_;
};

}  // namespace tessera::test
