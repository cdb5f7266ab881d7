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
#include "staged_rows.h"
#include "table_state.h"
#include "wal_log.h"
#include "tessera/config.h"
#include "tessera/database.h"
#include "tessera/error.h"
#include "tessera/plugin_registry.h"

namespace tessera::detail {

// One table's uncommitted changes: the final state of every key touched,
// and the values of unique indexes those rows claim.
struct TableChanges {
  std::shared_ptr<TableState> table;
  StagedRows rows;
  std::vector<StagedClaims> unique_claims;  // per index of the table; used for unique ones
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
  OpenOptions options;
  FileSystem* fs = &FileSystem::posix();
  PluginRegistry registry;
  int lock_fd = -1;
  bool closed = false;
  std::unique_ptr<WalWriter> wal;
  RecoveryReport recovery;
  // Set when a write, sync or checkpoint failed: from then on the database
  // refuses writes until reopened, rather than pretend data is safe.
  std::string failure;
  // The oldest log record that could not be replayed because its table is
  // unavailable; the log is kept from there on. 0: none.
  Lsn pending_lsn = 0;

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
  // A new, empty, loaded table with its plugins and indexes; not yet on disk.
  std::shared_ptr<TableState> new_table_state(const std::string& name, const Schema& schema, const TableConfig& cfg);
  // Writes a new table's files and metadata, then adds it to the catalog.
  // REQUIRES: the writer lock.
  void persist_new_table(const std::shared_ptr<TableState>& t);
  void write_catalog();

  // Logs the changes and makes them visible; returns the log record's LSN.
  // The caller then releases the writer lock and calls finish_commit.
  // REQUIRES: the writer lock.
  Lsn commit(std::vector<TableChanges>& changes);
  // Waits until the commit is durable (sharing the sync with concurrent
  // committers), then checkpoints if the log has grown past its limit.
  void finish_commit(Lsn lsn);
  void check_writable() const;  // throws kReadOnly after a failure
  // Logs a create/drop marker durably. REQUIRES: the writer lock.
  void log_marker(std::string payload);

  void recover();
  void replay(const WalRecord& record);
  // REQUIRES: the writer lock.
  void checkpoint_locked();
  void checkpoint_table(TableState& t, Lsn lsn);
};

// A failed write or sync leaves what is on disk unknown: refuse writes
// until reopened, as after a failed commit or checkpoint.
template <class F>
void failing_on_io(DatabaseImpl& db, F&& body) {
  try {
    body();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kIO && db.failure.empty()) db.failure = e.what();
    throw;
  }
}

}  // namespace tessera::detail
