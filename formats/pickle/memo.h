// The pickle memo (PUT/GET), kept within a memory budget.
//
// CPython's pickler memoizes nearly every str, bytes and dict it writes, so
// a large file fills the memo with everything it contains. To keep reading
// at bounded memory, entries beyond the budget are dropped, least recently
// used first; column-name keys, fetched for every record, stay. A later GET
// of a dropped entry is reported by the caller (see Memo::Status).
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <unordered_map>

#include "objects.h"

namespace tessera::pickle_format {

class Memo {
 public:
  explicit Memo(uint64_t budget_bytes) : budget_(budget_bytes) {}

  enum class Status { kFound, kMissing, kDropped };

  void put(uint64_t index, Obj value);
  // On kFound, out is the stored object.
  Status get(uint64_t index, Obj& out);
  // Re-estimates the size of index's entry (a dict that has grown).
  void recharge(uint64_t index);
  // Python's len(memo), which MEMOIZE uses as the next index: entries ever
  // stored, dropped ones included.
  uint64_t size() const { return entries_.size() + dropped_count_; }

 private:
  struct Entry {
    Obj value;
    uint64_t charge;
    std::list<uint64_t>::iterator lru;
  };
  void evict();
  bool is_dropped(uint64_t index) const;
  void mark_dropped(uint64_t index);
  void unmark_dropped(uint64_t index);

  uint64_t budget_;
  uint64_t total_ = 0;
  std::unordered_map<uint64_t, Entry> entries_;
  std::list<uint64_t> lru_;  // most recently used first
  // Dropped indexes as disjoint [begin, end) ranges: a few ranges for the
  // dense indexes picklers assign, however many entries are dropped.
  std::map<uint64_t, uint64_t> dropped_;
  uint64_t dropped_count_ = 0;
};

}  // namespace tessera::pickle_format
