// The database: a directory of tables, each stored by the plugins its
// configuration names.
//
//   auto db = tessera::Database::open("data", tessera::Config::from_file("tessera.json"));
//   auto users = db->create_table("users", tessera::Schema({...}));
//   tessera::Value id = users.insert({{"name", "Ann"}});
//   for (const tessera::Row& row : users.scan()) ...
//
// Every change happens inside a transaction; a single Table call is its own
// transaction. A commit is appended to the write-ahead log and, with
// durability.sync "full" (the default), synced before the call returns.
// Transactions are serialized (one writer at a time, like SQLite and LMDB);
// readers are never blocked by an open transaction and see only committed
// data (a concurrent reader may see a commit a moment before its own call
// has returned from the sync).
//
// Thread safety: Database, Table and Transaction handles may be used from
// several threads, except that one Transaction belongs to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/config.h"
#include "tessera/error.h"
#include "tessera/plugin_registry.h"
#include "tessera/query.h"
#include "tessera/row.h"
#include "tessera/schema.h"
#include "tessera/value.h"

namespace tessera {

class Database;
class Transaction;

namespace detail {
struct DatabaseImpl;
struct TableState;
class FileSystem;
}  // namespace detail

struct OpenOptions {
  // Open even when the write-ahead log is damaged before its tail: keep every
  // commit before the damage, drop the rest, and say so in recovery().
  bool salvage = false;
  // Tests substitute a fault-injecting file system here; null means POSIX.
  detail::FileSystem* file_system = nullptr;
};

// What opening the database found in its write-ahead log.
struct RecoveryReport {
  uint64_t replayed_commits = 0;  // commits after the last checkpoint, reapplied
  bool torn_tail = false;         // the log ended in a half-written record (dropped)
  bool salvaged = false;          // damage was found and cut off (salvage only)
  std::string damage;             // where and what, when damaged
  uint64_t dropped_records = 0;   // intact-looking records after the damage, dropped
  uint64_t dropped_bytes = 0;     // log bytes dropped from the damage on
};

// A secondary index to create on a table.
struct IndexDefinition {
  std::string name{};                // empty: "idx_<columns>" / "unique_<columns>"
  std::vector<std::string> columns{};  // one or more (several: a composite key)
  std::string type = "btree";        // an Index component: "hash", "btree", ...
  bool unique = false;
  nlohmann::json options = nlohmann::json::object();
};

struct IndexInfo {
  std::string name;
  std::vector<std::string> columns;
  std::string type;
  bool unique = false;
  bool implicit = false;  // made for a UNIQUE column; dropped only with it
  std::string plugin;
  std::string plugin_version;
};

// A handle to one table. Cheap to copy; valid while its Database is open.
class Table {
 public:
  const std::string& name() const;
  const Schema& schema() const;

  // Inserts one record and returns its primary key. An omitted column gets
  // its default (or NULL); an omitted auto-increment key gets the next id.
  // Throws Error(kConstraint) naming table, column and value, changing nothing.
  Value insert(const Fields& fields);
  // Positional form: one value per column, NULL for an auto-increment key
  // to be assigned.
  Value insert_record(Record record);

  std::optional<Row> get(const Value& primary_key) const;
  // Allocation-friendly form: fills out and returns true when found.
  bool get(const Value& primary_key, Record& out) const;

  // Returns false when no row has that key. Changing the primary key is
  // allowed when the new key is free.
  bool update(const Value& primary_key, const Fields& changes);
  bool erase(const Value& primary_key);

  Cursor scan() const;
  uint64_t size() const;

  // Zero-copy reads: the stored record is passed to visit while the table's
  // read lock is held, so nothing is copied that visit does not copy.
  // REQUIRES: visit does not call into this database (a write would wait
  // for the lock visit is called under) and keeps no reference to the
  // record after it returns. Writers wait while visit runs: keep it short.
  //
  // read: the row with that primary key; false when there is none.
  bool read(const Value& primary_key, RecordVisitor visit) const;
  // read_by: as get_by(), through the unique index on `column`.
  bool read_by(std::string_view column, const Value& value, RecordVisitor visit) const;
  // for_each: every row, as scan() sees them; returns how many were visited.
  // The lock is taken for a few thousand rows at a time, not for the whole
  // table, so writers interleave.
  uint64_t for_each(RecordVisitor visit) const;

  // A query over this table (see tessera/query.h).
  Query query() const;
  // Point lookup through the unique index on exactly `column` (or the
  // primary key): the fast path for "find the row whose email is ...".
  // Throws Error(kInvalidArgument) when the column has no unique index.
  bool get_by(std::string_view column, const Value& value, Record& out) const;

  // Builds the index from the current rows and keeps it in step with every
  // change from then on; recorded in the table's metadata, rebuilt on load.
  // A unique index over duplicate values is Error(kConstraint) naming the
  // value and two rows, and nothing is created.
  void create_index(const IndexDefinition& definition);
  void drop_index(std::string_view name);
  std::vector<IndexInfo> indexes() const;

 private:
  friend class Database;
  friend class Transaction;
  Table(detail::DatabaseImpl* db, std::shared_ptr<detail::TableState> state)
      : db_(db), state_(std::move(state)) {}
  detail::DatabaseImpl* db_;
  std::shared_ptr<detail::TableState> state_;
};

// A group of changes that commit together or not at all. Reads through the
// transaction see its own uncommitted changes. Destroying an uncommitted
// transaction rolls it back. While a transaction is open on a thread, that
// thread must use it for writes (a plain Table write would wait for itself
// and is refused with Error(kInvalidArgument)).
class Transaction {
 public:
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  ~Transaction();

  Value insert(std::string_view table, const Fields& fields);
  Value insert_record(std::string_view table, Record record);
  std::optional<Row> get(std::string_view table, const Value& primary_key);
  bool update(std::string_view table, const Value& primary_key, const Fields& changes);
  bool erase(std::string_view table, const Value& primary_key);

  // Makes every change visible and durable (per durability.sync) at once.
  void commit();
  void rollback();
  bool active() const;

 private:
  friend class Database;
  struct Impl;
  explicit Transaction(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What verify() found.
struct VerifyReport {
  uint64_t files_checked = 0;
  uint64_t wal_records = 0;
  std::vector<std::string> problems;  // one line each: the file and what is wrong
  bool ok() const { return problems.empty(); }
};

struct BackupReport {
  std::filesystem::path path;  // the backup folder written
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t checkpoint_lsn = 0;  // the last commit the backup holds
};

// What a table needs and whether it can be used.
struct TableStatus {
  std::string name;
  bool available = false;
  std::string error;  // why not, naming the plugin, version and paths searched
  struct Requirement {
    ComponentKind kind;
    std::string name;
    std::string plugin;
    std::string version;
    bool found = false;
  };
  std::vector<Requirement> plugins;
  // Known without loading the table's rows:
  Schema schema;
  // Live rows: counted when loaded, else as recorded at the last
  // checkpoint (current: opening loads every table the log changes).
  uint64_t rows = 0;
  bool loaded = false;  // rows in memory
};

class Database {
 public:
  // Opens the database in dir, creating the directory and an empty catalog
  // when absent. Loads plugins from the configured and default paths. A
  // table whose plugins are missing opens as unavailable (see status()).
  // Replays the write-ahead log after the last checkpoint. A log damaged
  // before its tail is Error(kCorruption) naming the file and offset, unless
  // options.salvage.
  static std::unique_ptr<Database> open(const std::filesystem::path& dir,
                                        const Config& config = Config(),
                                        const OpenOptions& options = OpenOptions());
  // Saves (see close()).
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Creates a table stored as table_config says, or as config().table(name)
  // says when none is given. Throws kAlreadyExists, kInvalidArgument for a
  // bad name, kPlugin when a named plugin is not loaded.
  Table create_table(std::string_view name, const Schema& schema,
                     const std::optional<TableConfig>& table_config = std::nullopt);
  // Creates a table holding `rows` from the start: the data files are
  // written and verified before the table joins the catalog, so a process
  // killed at any moment leaves no table or the complete one. Every record
  // is validated as by insert; the first bad one throws, creating nothing.
  // Used by import.
  Table create_table_with(std::string_view name, const Schema& schema, const std::optional<TableConfig>& table_config,
                          const std::function<bool(Record&)>& next_row);
  void drop_table(std::string_view name);

  // Rewrites a table in another format and/or compressor (and their
  // options). Crash-safe: the new files are written and read back in full
  // before table.json switches to them, then the old files are removed; a
  // process killed at any moment leaves the table readable in the old or
  // the new form.
  void convert_table(std::string_view name, const std::string& format, const nlohmann::json& format_options,
                     const std::string& compressor, const nlohmann::json& compressor_options);
  bool table_exists(std::string_view name) const;
  std::vector<std::string> table_names() const;
  // Throws kNotFound, or kUnavailable with the reason (missing plugin, bad
  // checksum...). Loads the table's data on first access.
  Table table(std::string_view name);
  TableStatus status(std::string_view name) const;

  Transaction begin();

  // Writes every table changed since the last checkpoint into its format's
  // files (atomically per table; insert-only changes to formats that can
  // append are appended), records the log position they cover, and retires
  // the log segments they make unnecessary. Commits are durable without it;
  // it bounds the log and the time recovery takes. Also runs by itself when
  // the log passes durability.checkpoint_wal_bytes, and on close.
  void checkpoint();
  // The same as checkpoint().
  void save();
  // Checkpoints and releases resources. Further calls throw. Idempotent.
  void close();

  const RecoveryReport& recovery() const;

  // Checks every data file of every table against its recorded size and
  // checksum, and reads the whole write-ahead log.
  VerifyReport verify();

  // Writes a consistent copy of the database into dest while it stays open:
  // a checkpoint, then the files it covers (writers wait only for the
  // checkpoint and for hard-linking the files, not for the copy). When dest
  // is an existing folder the backup goes into a new folder in it named
  // tessera-backup-<UTC time>. The copy has a manifest (backup.json) listing
  // every file with its size and checksum, each verified after copying.
  BackupReport backup(const std::filesystem::path& dest);

  // Restores a backup into dir, verifying every file against the manifest.
  // Refuses a dir that exists and is not empty unless force (which empties it).
  static void restore(const std::filesystem::path& backup, const std::filesystem::path& dir, bool force = false);

  const std::filesystem::path& path() const;
  const Config& config() const;
  const PluginRegistry& plugins() const;

 private:
  explicit Database(std::unique_ptr<detail::DatabaseImpl> impl);
  std::unique_ptr<detail::DatabaseImpl> impl_;
};

// The Tessera version, "major.minor.patch".
const char* version();

}  // namespace tessera
