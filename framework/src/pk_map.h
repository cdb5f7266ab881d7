// A loaded table's primary-key map: key -> RowId.
//
// An open-addressing table of (hash, RowId) pairs with linear probing. Keys
// are not copied: the key of an entry is read from its row, so the map costs
// 16 bytes a slot and one cache miss per lookup, against a node allocation
// holding a copy of the key and two dependent misses for a node-based map.
// Removal shifts later entries back (no tombstones), so lookups stay short
// after many deletes.
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

#include "row_store.h"
#include "tessera/huge_page_allocator.h"
#include "tessera/index.h"
#include "tessera/value.h"

namespace tessera::detail {

class PkMap {
 public:
  static constexpr RowId kNone = ~RowId{0};

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
  void reserve(size_t n);
  void clear();
  size_t size() const { return size_; }
  size_t memory_usage() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash;
    RowId id;  // kNone: empty
  };
  // Fibonacci hashing: the top bits of a multiply, so that hashes that
  // differ only in high bits still spread.
  size_t home(uint64_t hash) const { return static_cast<size_t>((hash * 0x9e3779b97f4a7c15ULL) >> shift_); }
  size_t locate(const Value& key, uint64_t hash) const;  // slot of key, or SIZE_MAX
  void grow(size_t min_slots);

  // The row that holds key when keys follow row ids; kNone when that row
  // does not hold it.
  RowId guess(const Value& key) const;

  const RowStore* rows_;
  size_t column_;
  bool has_offset_ = false;
  uint64_t offset_ = 0;  // key - id of the first integer key inserted, mod 2^64
  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  size_t mask_ = 0;  // slots_.size() - 1
  unsigned shift_ = 64;
  size_t size_ = 0;
};

}  // namespace tessera::detail
