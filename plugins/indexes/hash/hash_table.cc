#include "hash_table.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "tessera/error.h"

namespace tessera::hash_detail {

namespace {

size_t capacity_for(size_t keys, double max_load) {
  size_t want = static_cast<size_t>(std::ceil(static_cast<double>(keys) / max_load)) + 1;
  return std::bit_ceil(std::max<size_t>(want, 16));
}

}  // namespace

template <size_t N>
HashTable<N>::HashTable(size_t initial_keys, double max_load)
    : max_load_(max_load), initial_capacity_(capacity_for(initial_keys, max_load)) {
  resize(initial_capacity_);
}

template <size_t N>
void HashTable<N>::resize(size_t capacity) {
  if (capacity > (size_t{1} << 40)) throw Error(ErrorCode::kInvalidArgument, "hash index: too many keys");
  auto old = std::move(slots_);
  slots_ = {};
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  grow_at_ = static_cast<size_t>(static_cast<double>(capacity) * max_load_);
  for (const Slot& s : old) {
    if (s.hk == 0) continue;
    size_t i = home(s.hk);
    while (slots_[i].hk != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

template <size_t N>
void HashTable<N>::store_key(Slot& s, const HashKey& key) {
  s.hk = key.hk;
  s.len = key.len;
  s.flags = 0;
  std::memset(s.key, 0, N);
  if (!key.is_bytes()) {
    std::memcpy(s.key, &key.word, 8);
  } else if (key.len <= N) {
    std::memcpy(s.key, key.bytes, key.len);
  } else {
    uint64_t off = arena_.size();
    std::memcpy(s.key, &off, 8);
    arena_.insert(arena_.end(), key.bytes, key.bytes + key.len);
  }
}

template <size_t N>
uint32_t HashTable<N>::new_posting() {
  if (!free_postings_.empty()) {
    uint32_t p = free_postings_.back();
    free_postings_.pop_back();
    return p;
  }
  postings_.emplace_back();
  return static_cast<uint32_t>(postings_.size() - 1);
}

template <size_t N>
InsertResult HashTable<N>::insert(const HashKey& key, RowId row, bool unique) {
  size_t i = probe(key);
  Slot& s = slots_[i];
  if (s.hk == 0) {
    if (used_ + 1 > grow_at_) {
      resize(slots_.size() * 2);
      i = probe(key);
    }
    Slot& fresh = slots_[i];
    store_key(fresh, key);
    fresh.row = row;
    ++used_;
    ++pairs_;
    return InsertResult::kInserted;
  }
  if (!(s.flags & kPosting)) {
    if (s.row == row) return InsertResult::kPresent;
    // NULL keys never conflict, so only they have several rows in a unique index.
    if (unique && !key.has_null) return InsertResult::kConflict;
    uint32_t p = new_posting();
    postings_[p] = {std::min(s.row, row), std::max(s.row, row)};
    s.row = p;
    s.flags |= kPosting;
    ++pairs_;
    return InsertResult::kInserted;
  }
  std::vector<RowId>& rows = postings_[s.row];
  // Rows mostly arrive in increasing order: appending is the common case.
  if (rows.back() < row) {
    rows.push_back(row);
  } else {
    auto it = std::lower_bound(rows.begin(), rows.end(), row);
    if (*it == row) return InsertResult::kPresent;
    rows.insert(it, row);
  }
  ++pairs_;
  return InsertResult::kInserted;
}

template <size_t N>
bool HashTable<N>::erase(const HashKey& key, RowId row) {
  size_t i = probe(key);
  Slot& s = slots_[i];
  if (s.hk == 0) return false;
  if (!(s.flags & kPosting)) {
    if (s.row != row) return false;
    if (in_arena(s)) arena_garbage_ += s.len;
    remove_slot(i);
    --used_;
  } else {
    std::vector<RowId>& rows = postings_[s.row];
    auto it = std::lower_bound(rows.begin(), rows.end(), row);
    if (it == rows.end() || *it != row) return false;
    rows.erase(it);
    if (rows.size() == 1) {
      RowId only = rows[0];
      std::vector<RowId>().swap(rows);
      free_postings_.push_back(static_cast<uint32_t>(s.row));
      s.row = only;
      s.flags &= ~kPosting;
    }
  }
  --pairs_;
  // Shrink when an eighth full (a quarter after halving), so that memory
  // follows the live keys down without resizing back and forth.
  if (slots_.size() > initial_capacity_ && used_ * 8 < slots_.size()) resize(slots_.size() / 2);
  if (arena_garbage_ > (size_t{64} << 10) && arena_garbage_ * 2 > arena_.size()) compact_arena();
  return true;
}

// Backward-shift deletion: later slots of the probe run move up so that no
// tombstones are needed and lookups stay short after many erases.
template <size_t N>
void HashTable<N>::remove_slot(size_t i) {
  for (size_t j = (i + 1) & mask_; slots_[j].hk != 0; j = (j + 1) & mask_) {
    size_t h = home(slots_[j].hk);
    if (((j - h) & mask_) >= ((j - i) & mask_)) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i].hk = 0;
}

template <size_t N>
void HashTable<N>::compact_arena() {
  std::vector<uint8_t> fresh;
  fresh.reserve(arena_.size() - arena_garbage_);
  for (Slot& s : slots_) {
    if (s.hk == 0 || !in_arena(s)) continue;
    const uint8_t* p = arena_.data() + word(s);
    uint64_t off = fresh.size();
    std::memcpy(s.key, &off, 8);
    fresh.insert(fresh.end(), p, p + s.len);
  }
  fresh.shrink_to_fit();
  arena_ = std::move(fresh);
  arena_garbage_ = 0;
}

template <size_t N>
void HashTable<N>::find(const HashKey& key, std::vector<RowId>& rows) const {
  const Slot& s = slots_[probe(key)];
  if (s.hk == 0) return;
  if (!(s.flags & kPosting)) {
    rows.push_back(s.row);
  } else {
    const std::vector<RowId>& p = postings_[s.row];
    rows.insert(rows.end(), p.begin(), p.end());
  }
}

template <size_t N>
void HashTable<N>::clear() {
  slots_.clear();
  resize(initial_capacity_);
  used_ = pairs_ = 0;
  arena_ = {};
  arena_garbage_ = 0;
  postings_ = {};
  free_postings_ = {};
}

template <size_t N>
size_t HashTable<N>::memory_usage() const {
  size_t n = slots_.capacity() * sizeof(Slot) + arena_.capacity() +
             postings_.capacity() * sizeof(std::vector<RowId>) + free_postings_.capacity() * sizeof(uint32_t);
  for (const auto& p : postings_) n += p.capacity() * sizeof(RowId);
  return n;
}

template class HashTable<8>;
template class HashTable<24>;

}  // namespace tessera::hash_detail
