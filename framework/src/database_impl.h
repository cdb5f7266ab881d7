// The engine behind tessera::Database: the open catalog, the tables, the
// writer lock and the commit path.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalog.h"
#include "file_system.h"
#include "table_state.h"
#include "tessera/config.h"
#include "tessera/database.h"
#include "tessera/plugin_registry.h"

namespace tessera::detail {

// One table's uncommitted changes: the final state of every key touched
// (nullopt: deleted), and the UNIQUE values those new rows claim.
struct TableChanges {
  std::shared_ptr<TableState> table;
  std::unordered_map<Value, std::optional<Record>, ValueHash> rows;
  std::vector<std::unordered_map<Value, Value, ValueHash>> unique_claims;  // per column: value -> key
};

struct DatabaseImpl;

// The database's single-writer lock, held by a transaction (or a single
// call) for its whole life. Remembers the owning thread so that a second
// writer on the same thread is refused instead of deadlocking.
class WriterLock {
 public:
  WriterLock() = default;
  explicit WriterLock(DatabaseImpl& db);
  WriterLock(WriterLock&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  WriterLock& operator=(WriterLock&& other) noexcept {
    release();
    db_ = std::exchange(other.db_, nullptr);
    return *this;
  }
  ~WriterLock() { release(); }
  void release();

 private:
  DatabaseImpl* db_ = nullptr;
};

struct DatabaseImpl {
  std::filesystem::path dir;
  Config config;
  FileSystem* fs = &FileSystem::posix();
  PluginRegistry registry;
  int lock_fd = -1;
  bool closed = false;

  // Writers (transactions and single calls) hold this for their lifetime.
  std::mutex write_mu;
  std::atomic<std::thread::id> writer_thread{};

  mutable std::shared_mutex catalog_mu;  // guards tables and catalog
  std::map<std::string, std::shared_ptr<TableState>, std::less<>> tables;
  CatalogMeta catalog;

  ~DatabaseImpl();

  void open();
  void check_open() const;
  std::shared_ptr<TableState> find_table(std::string_view name) const;  // throws kNotFound
  // A table ready for reads and writes (loaded, plugins present).
  std::shared_ptr<TableState> usable_table(std::string_view name);
  std::shared_ptr<TableState> load_table_state(const std::string& name);
  void write_catalog();

  // Makes the changes visible. REQUIRES: the writer lock.
  void commit(std::vector<TableChanges>& changes);
  // REQUIRES: the writer lock.
  void save_locked();
};

}  // namespace tessera::detail
