// A loaded table's primary-key map: key -> RowId.
//
// A PositionTable of (hash, RowId): the key of an entry is read from its
// row, so the map costs 16 bytes a slot and one cache miss per lookup.
//
// Tables keyed by ascending integers (auto-increment ids, rows loaded in key
// order) usually hold key k in row k - offset, where offset is fixed by the
// first integer key inserted. find() tries that row first: a hit costs only
// the row access the caller makes anyway, and a miss falls back to the slots.
//
// Thread safety: const methods may run concurrently; the rest need
// exclusive access (the table's lock provides both).
#pragma once

#include <cstdint>
#include <vector>

#include "position_table.h"
#include "row_store.h"
#include "tessera/index.h"
#include "tessera/value.h"

namespace tessera::detail {

class PkMap {
 public:
  static constexpr RowId kNone = PositionTable::kNone;

  // rows->cell(id, column) is the key of the entry naming id. REQUIRES:
  // rows outlives the map and holds the row of every id in the map.
  explicit PkMap(const RowStore* rows, size_t column = 0) : rows_(rows), column_(column) {}
  // REQUIRES: the map is empty.
  void set_key_column(size_t column) { column_ = column; }

  // The row holding key, or kNone.
  RowId find(const Value& key) const {
    if (RowId id = guess(key); id != kNone) return id;  // no hash needed
    return find(key, key.hash());
  }
  // Through the slots only; hash is key.hash().
  RowId find(const Value& key, uint64_t hash) const;
  // Adds key -> id. REQUIRES: key is absent; rows->cell(id, column) == key.
  void insert(const Value& key, RowId id);
  // Removes key; returns its id or kNone.
  RowId erase(const Value& key);
  // Makes room for n keys without rehashing.
  void reserve(size_t n) { table_.reserve(n); }
  void clear();
  size_t size() const { return table_.size(); }
  size_t memory_usage() const { return table_.memory_usage(); }

 private:
  auto holds(const Value& key) const {
    return [this, &key](uint64_t id) { return compare(rows_->cell(id, column_), key) == 0; };
  }
  // The row that holds key when keys follow row ids; kNone when that row
  // does not hold it.
  RowId guess(const Value& key) const;

  const RowStore* rows_;
  size_t column_;
  bool has_offset_ = false;
  uint64_t offset_ = 0;  // key - id of the first integer key inserted, mod 2^64
  PositionTable table_;
};

}  // namespace tessera::detail
