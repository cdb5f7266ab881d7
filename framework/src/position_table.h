// An open-addressing table of (hash, position) pairs for maps whose keys
// already live elsewhere: a loaded table's rows (the primary-key map), a
// transaction's staged rows, the UNIQUE values those rows claim.
//
// Keys are not copied. The caller passes each lookup an equality test on
// positions, which reads the key where it lives, so an entry costs 16 bytes
// and no allocation, against a node holding a copy of the key for a
// node-based map. Linear probing, at most 7/8 full; removal shifts later
// entries back (no tombstones), so lookups stay short after many removals.
//
// Thread safety: const methods may run concurrently; the rest need
// exclusive access.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tessera/huge_page_allocator.h"

namespace tessera::detail {

class PositionTable {
 public:
  static constexpr uint64_t kNone = ~uint64_t{0};

  // The position whose key matches, or kNone. matches(pos) tells whether
  // the key at pos is the one looked for; it is only asked about entries
  // with this hash.
  template <class Matches>
  uint64_t find(uint64_t hash, Matches&& matches) const {
    size_t i = locate(hash, matches);
    return i == SIZE_MAX ? kNone : slots_[i].pos;
  }
  // Adds hash -> pos. REQUIRES: no entry matches the same key; pos != kNone.
  void insert(uint64_t hash, uint64_t pos) {
    if (over_full(size_ + 1, slots_.size())) grow(size_ + 1);
    size_t i = home(hash);
    while (slots_[i].pos != kNone) i = (i + 1) & mask_;
    slots_[i] = {hash, pos};
    ++size_;
  }
  // Removes the entry that matches; returns its position or kNone.
  template <class Matches>
  uint64_t erase(uint64_t hash, Matches&& matches) {
    size_t i = locate(hash, matches);
    if (i == SIZE_MAX) return kNone;
    const uint64_t pos = slots_[i].pos;
    remove_slot(i);
    return pos;
  }
  // Makes room for n entries without rehashing.
  void reserve(size_t n) {
    if (over_full(n, slots_.size())) grow(n);
  }
  void clear();
  size_t size() const { return size_; }
  size_t memory_usage() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t pos;  // kNone: empty
  };
  static bool over_full(size_t size, size_t slots) { return size * 8 > slots * 7; }
  // Fibonacci hashing: the top bits of a multiply, so that hashes that
  // differ only in high bits still spread.
  size_t home(uint64_t hash) const { return static_cast<size_t>((hash * 0x9e3779b97f4a7c15ULL) >> shift_); }
  template <class Matches>
  size_t locate(uint64_t hash, Matches& matches) const {
    if (slots_.empty()) return SIZE_MAX;
    for (size_t i = home(hash);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.pos == kNone) return SIZE_MAX;
      if (s.hash == hash && matches(s.pos)) return i;
    }
  }
  void remove_slot(size_t hole);
  void grow(size_t min_size);

  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  size_t mask_ = 0;  // slots_.size() - 1
  unsigned shift_ = 64;
  size_t size_ = 0;
};

}  // namespace tessera::detail
