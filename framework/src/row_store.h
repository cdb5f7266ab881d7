// A loaded table's rows: one matrix of Values, a row per RowId.
//
// Why a matrix: row id's values sit at cells[id * width], contiguous with
// each other and (text up to Value's inline limit included) free of further
// pointers, on huge pages. A point read is then one cache miss away from
// its id, and a scan reads memory front to back, where a vector of per-row
// heap records costs a miss for the record, one for its values and a TLB
// miss on a 4 KiB page for each.
//
// A slot is live or free; freed slots are reused by later rows, so ids stay
// stable while their row lives and the store never shrinks. A free slot's
// values are all NULL, and a stored row's key column never is: liveness is
// read from the row itself, costing no access beyond the row's own.
//
// Thread safety: const methods may run concurrently; the rest need
// exclusive access (the table's lock provides both).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/huge_page_allocator.h"
#include "tessera/index.h"
#include "tessera/prefetch.h"
#include "tessera/value.h"

namespace tessera::detail {

class RowStore {
 public:
  // width: values per row; key_column: the column never NULL in a stored
  // row. REQUIRES: the store is empty when they change.
  void set_layout(size_t width, size_t key_column) {
    width_ = width;
    key_column_ = key_column;
  }
  size_t width() const { return width_; }

  // Slots, live or free: every id below it may be passed to live().
  size_t slots() const { return width_ ? cells_.size() / width_ : 0; }
  size_t live_rows() const { return slots() - free_.size(); }
  bool live(RowId id) const { return !cells_[id * width_ + key_column_].is_null(); }

  // REQUIRES: live(id).
  RecordView row(RowId id) const { return {cells_.data() + id * width_, width_}; }
  const Value& cell(RowId id, size_t column) const { return cells_[id * width_ + column]; }
  // Where row id's values start, for prefetching; valid for any id < slots().
  const Value* data(RowId id) const { return cells_.data() + id * width_; }
  // Asks for every cache line of row id at once, so that reading its values
  // in turn waits for one miss, not one per line. REQUIRES: id < slots().
  void prefetch(RowId id) const { prefetch_bytes(data(id), width_ * sizeof(Value)); }

  // Stores record in a free slot (or a new one) and returns its id.
  // REQUIRES: record.size() == width(), its key column is not NULL.
  RowId add(Record&& record) {
    RowId id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = slots();
      cells_.resize(cells_.size() + width_);
    }
    set(id, std::move(record));
    return id;
  }
  // Replaces row id's values. REQUIRES: as add(), and id < slots().
  void set(RowId id, Record&& record) {
    Value* out = cells_.data() + id * width_;
    for (size_t i = 0; i < width_; ++i) out[i] = std::move(record[i]);
  }
  // Frees row id's slot, releasing its values. REQUIRES: live(id).
  void free(RowId id) {
    Value* out = cells_.data() + id * width_;
    for (size_t i = 0; i < width_; ++i) out[i] = Value();
    free_.push_back(id);
  }

  void reserve(size_t rows) {
    cells_.reserve(rows * width_);
  }
  void clear() {
    cells_ = {};
    free_ = {};
  }

 private:
  size_t width_ = 0;
  size_t key_column_ = 0;
  std::vector<Value, HugePageAllocator<Value>> cells_;
  std::vector<RowId> free_;
};

}  // namespace tessera::detail
