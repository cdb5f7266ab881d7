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
// stable while their row lives and the store never shrinks.
//
// Thread safety: const methods may run concurrently; the rest need
// exclusive access (the table's lock provides both).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/huge_page_allocator.h"
#include "tessera/index.h"
#include "tessera/value.h"

namespace tessera::detail {

class RowStore {
 public:
  // width: values per row. REQUIRES: the store is empty when it changes.
  void set_width(size_t width) { width_ = width; }
  size_t width() const { return width_; }

  // Slots, live or free: every id below it may be passed to live().
  size_t slots() const { return live_.size(); }
  size_t live_rows() const { return live_.size() - free_.size(); }
  bool live(RowId id) const { return live_[id] != 0; }

  // REQUIRES: live(id).
  RecordView row(RowId id) const { return {cells_.data() + id * width_, width_}; }
  const Value& cell(RowId id, size_t column) const { return cells_[id * width_ + column]; }
  // Where row id's values start, for prefetching; valid for any id < slots().
  const Value* data(RowId id) const { return cells_.data() + id * width_; }

  // Stores record in a free slot (or a new one) and returns its id.
  // REQUIRES: record.size() == width().
  RowId add(Record&& record) {
    RowId id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = live_.size();
      cells_.resize(cells_.size() + width_);
      live_.push_back(0);
    }
    set(id, std::move(record));
    return id;
  }
  // Replaces row id's values. REQUIRES: id < slots(), record.size() == width().
  void set(RowId id, Record&& record) {
    Value* out = cells_.data() + id * width_;
    for (size_t i = 0; i < width_; ++i) out[i] = std::move(record[i]);
    live_[id] = 1;
  }
  // Frees row id's slot, releasing its values. REQUIRES: live(id).
  void free(RowId id) {
    Value* out = cells_.data() + id * width_;
    for (size_t i = 0; i < width_; ++i) out[i] = Value();
    live_[id] = 0;
    free_.push_back(id);
  }

  void reserve(size_t rows) {
    cells_.reserve(rows * width_);
    live_.reserve(rows);
  }
  void clear() {
    cells_ = {};
    live_ = {};
    free_ = {};
  }

 private:
  size_t width_ = 0;
  std::vector<Value, HugePageAllocator<Value>> cells_;
  std::vector<uint8_t> live_;  // by id: 1 when the slot holds a row
  std::vector<RowId> free_;
};

}  // namespace tessera::detail
