// A table inside the engine: its metadata, its plugins, and, once loaded,
// its rows in memory with the primary-key map and the UNIQUE-column maps.
//
// Locking: `mu` guards rows and maps. Readers take it shared; a commit
// applies its changes under it exclusively. Writers are serialized by the
// database's writer lock, so validation done by a transaction (reading under
// a shared lock) stays true until its commit applies.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog.h"
#include "pk_map.h"
#include "row_store.h"
#include "table_indexes.h"
#include "table_store.h"
#include "tessera/compressor.h"
#include "tessera/format.h"
#include "tessera/index.h"
#include "tessera/value.h"

namespace tessera::detail {

class FileSystem;

struct TableState {
  std::string name;
  std::filesystem::path dir;
  TableMeta meta;  // as last saved (rows and counters live below)
  std::shared_ptr<const Schema> schema;  // set with set_schema()

  // Plugins; null when the table is unavailable.
  std::unique_ptr<Format> format;
  std::unique_ptr<Compressor> compressor;  // null for "none"
  // Why the table cannot be used. Guarded by mu once the table is shared
  // (set freely while the database opens).
  std::string unavailable;
  uint64_t max_decompressed_bytes = 0;

  mutable std::shared_mutex mu;
  bool loaded = false;
  RowStore rows;
  PkMap pk{&rows};
  std::vector<TableIndex> indexes;  // secondary; UNIQUE constraints among them
  int64_t next_auto_id = 1;
  uint64_t live_rows = 0;
  bool dirty = false;  // changed since the last checkpoint
  // Since the last checkpoint: true while every change was an insert, with
  // the inserted keys in order, so a checkpoint can append instead of rewrite.
  bool only_inserts = true;
  std::vector<Value> inserted_keys;
  size_t memory_bytes = 0;

  void set_schema(std::shared_ptr<const Schema> s) {
    schema = std::move(s);
    rows.set_layout(schema->size(), schema->primary_key());
    pk.set_key_column(schema->primary_key());
  }
  TableCodec codec() const { return {format.get(), compressor.get(), max_decompressed_bytes}; }

  // Throws Error(kUnavailable) with the reason when the table cannot be used.
  // REQUIRES: mu held (shared is enough).
  void check_available() const;
  // The reason, read under the lock ("" when available).
  std::string unavailable_reason() const {
    std::shared_lock lock(mu);
    return unavailable;
  }
  // Empties the rows and maps. REQUIRES: mu held exclusively.
  void reset_rows();
  // Loads the rows from the data files if not loaded yet.
  void ensure_loaded(FileSystem& fs);
  // The read lock on the loaded table (loading it first when needed):
  // the entry point of every read.
  std::shared_lock<std::shared_mutex> lock_loaded(FileSystem& fs) {
    std::shared_lock lock(mu);
    while (!loaded) {
      lock.unlock();
      ensure_loaded(fs);
      lock.lock();
    }
    check_available();
    return lock;
  }

  // REQUIRES: mu held (shared or exclusive) and loaded.
  std::optional<RecordView> find(const Value& key) const {
    RowId id = pk.find(key);
    if (id == PkMap::kNone) return std::nullopt;
    return rows.row(id);
  }
  // The rows other than `self` that a unique index maps key to.
  // REQUIRES: as find().
  std::optional<RowId> unique_holder(const TableIndex& ix, const IndexKey& key) const;

  // Applying committed changes: every changed key's old index entries are
  // removed before any new one is added, so values may move between rows
  // within one commit. REQUIRES: mu held exclusively and loaded.
  void apply(std::vector<std::pair<Value, std::optional<Record>>>& changes);
  void remove_row(const Value& key);
  RowId put_row(Record record);  // insert, or replace the row with the same key
  void note_id(const Value& key);  // keeps next_auto_id above every id seen
  // Adds ix, filled from the rows; throws Error(kConstraint) naming the
  // value and two keys when a unique index meets a duplicate, adding
  // nothing. REQUIRES: mu held exclusively and loaded.
  void add_index(TableIndex ix);
  // Inserts every live row into ix; returns the row ix refused (a unique
  // index meeting a duplicate), or PkMap::kNone. REQUIRES: mu held and ix
  // empty.
  RowId fill_index(TableIndex& ix) const;
  // "(value) is held by the rows with keys a and b", for the row ix refused.
  std::string describe_refusal(const TableIndex& ix, RowId refused) const;

  // The live rows in slot order, for writing data files.
  // REQUIRES: mu held (shared is enough) while the feed is used.
  RecordFeed feed_rows() const;
  // Writes the rows into new data files and returns the new metadata
  // (files listed, counters set). REQUIRES: mu held (shared is enough).
  TableMeta write_files(FileSystem& fs) const;
  // When the changes since the last checkpoint are inserts only and the
  // format can append to an uncompressed file: appends them to the last data
  // file (and new files past the table's limits) and returns the new
  // metadata. nullopt when a full rewrite is needed. REQUIRES: as write_files.
  std::optional<TableMeta> append_files(FileSystem& fs) const;
  // Forgets the insert tracking after a checkpoint.
  void mark_clean();
  size_t row_memory(RecordView r) const;
};

}  // namespace tessera::detail
