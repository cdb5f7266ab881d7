// The hash index's table: open addressing with linear probing, one slot per
// distinct key.
//
// Why this shape: a lookup costs one cache miss for the slot (the full
// 60-bit hash rejects other keys without touching their bytes) plus one for
// long key bytes. Nothing is allocated per entry: scalar keys and short byte
// keys live in the slot, longer ones in one shared byte arena, and
// a key's rows live in the slot until it has a second row (then in a sorted
// posting vector, the only per-key allocation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tessera/huge_page_allocator.h"
#include "tessera/index.h"
#include "tessera/prefetch.h"

namespace tessera::hash_detail {

// Key kinds; the kind is the low 4 bits of a slot's hk, so equal hk means
// equal kind and (nearly certainly) equal key.
enum Kind : uint8_t {
  kNull = 1,
  kBool = 2,
  kInt = 3,   // INTEGER, or a REAL holding an integer in int64 range
  kReal = 4,  // any other REAL; NaN canonical
  kTimestamp = 5,
  kText = 6,
  kBlob = 7,
  kComposite = 8,  // several columns, as index_keys::encode_key bytes
};

// A key prepared for the table: hashed, and either a scalar or bytes that
// stay owned by the caller for the duration of the call.
struct HashKey {
  uint64_t hk = 0;  // hash with the low 4 bits replaced by the kind
  uint64_t word = 0;
  const uint8_t* bytes = nullptr;  // byte keys only
  uint32_t len = 0;
  bool has_null = false;
  uint8_t kind() const { return static_cast<uint8_t>(hk & 0xF); }
  bool is_bytes() const { return kind() >= kText; }
};

enum class InsertResult { kInserted, kPresent, kConflict };

// N: key bytes kept in the slot. 8 suits scalar columns (32-byte slots); 24
// keeps typical text keys such as e-mail addresses whole in a 48-byte slot,
// saving the arena access on every hit.
template <size_t N>
class HashTable {
 public:
  HashTable(size_t initial_keys, double max_load);

  InsertResult insert(const HashKey& key, RowId row, bool unique);
  bool erase(const HashKey& key, RowId row);
  void find(const HashKey& key, std::vector<RowId>& rows) const;

  size_t pairs() const { return pairs_; }
  size_t keys() const { return used_; }
  size_t capacity() const { return slots_.size(); }
  void clear();
  size_t memory_usage() const;

 private:
  static constexpr uint32_t kPosting = 1;  // slot.row indexes postings_

  struct Slot {
    uint64_t hk;     // 0: empty
    RowId row;       // the only row, or a posting index (kPosting)
    uint32_t len;    // byte keys: length
    uint32_t flags;
    uint8_t key[N];  // scalar bits, the key bytes (len <= N) or their arena offset
  };
  static_assert(sizeof(Slot) == 24 + N && N >= 8 && N % 8 == 0);

  static uint64_t word(const Slot& s) {
    uint64_t w;
    std::memcpy(&w, s.key, 8);
    return w;
  }
  size_t home(uint64_t hk) const { return static_cast<size_t>(hk >> shift_); }
  bool matches(const Slot& s, const HashKey& k) const {
    if (s.hk != k.hk) return false;
    if (!k.is_bytes()) return word(s) == k.word;
    if (s.len != k.len) return false;
    const uint8_t* bytes = k.len <= N ? s.key : arena_.data() + word(s);
    return std::memcmp(bytes, k.bytes, k.len) == 0;
  }
  // The slot holding key, or the empty slot where it would go.
  size_t probe(const HashKey& key) const {
    size_t i = home(key.hk);
    // A slot may straddle two cache lines: ask for both at once rather than
    // waiting for the hash before the key bytes.
    const char* first = reinterpret_cast<const char*>(&slots_[i]);
    prefetch_line(first + sizeof(Slot) - 1);
    while (slots_[i].hk != 0 && !matches(slots_[i], key)) i = (i + 1) & mask_;
    return i;
  }
  bool in_arena(const Slot& s) const { return (s.hk & 0xF) >= kText && s.len > N; }

  void resize(size_t capacity);
  void remove_slot(size_t i);
  void store_key(Slot& s, const HashKey& key);
  void compact_arena();
  uint32_t new_posting();

  std::vector<Slot, HugePageAllocator<Slot>> slots_;  // probed at random
  size_t mask_ = 0;
  unsigned shift_ = 64;
  size_t used_ = 0;   // occupied slots (distinct keys)
  size_t pairs_ = 0;  // (key, row) pairs
  size_t grow_at_ = 0;
  double max_load_;
  size_t initial_capacity_;

  std::vector<uint8_t> arena_;  // bytes of keys longer than N
  size_t arena_garbage_ = 0;
  std::vector<std::vector<RowId>> postings_;  // sorted row ids
  std::vector<uint32_t> free_postings_;
};

extern template class HashTable<8>;
extern template class HashTable<24>;

}  // namespace tessera::hash_detail
