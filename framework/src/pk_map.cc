#include "pk_map.h"

#include <bit>

namespace tessera::detail {

namespace {
constexpr size_t kMinSlots = 16;
// At most 7/8 full: linear probing stays short and a slot is 16 bytes.
bool over_full(size_t size, size_t slots) { return size * 8 > slots * 7; }
}  // namespace

size_t PkMap::locate(const Value& key, uint64_t hash) const {
  if (slots_.empty()) return SIZE_MAX;
  for (size_t i = home(hash);; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id == kNone) return SIZE_MAX;
    if (s.hash == hash && compare(rows_->cell(s.id, column_), key) == 0) return i;
  }
}

RowId PkMap::guess(const Value& key) const {
  if (!has_offset_ || key.type() != Type::kInteger) return kNone;
  const int64_t k = key.int_unchecked();
  const RowId id = static_cast<uint64_t>(k) - offset_;
  if (id >= rows_->slots()) return kNone;
  // All of the row's lines at once: the caller reads the whole row next.
  // (When keys do not follow ids this is wasted, but the slot path that
  // follows costs a miss anyway.)
  rows_->prefetch(id);
  // A free slot's key is NULL; a REAL key equal to k takes the slow path.
  const Value& held = rows_->cell(id, column_);
  if (held.type() != Type::kInteger || held.int_unchecked() != k) return kNone;
  return id;
}

RowId PkMap::find(const Value& key, uint64_t hash) const {
  size_t i = locate(key, hash);
  return i == SIZE_MAX ? kNone : slots_[i].id;
}

void PkMap::insert(const Value& key, RowId id) {
  if (over_full(size_ + 1, slots_.size())) grow(size_ + 1);
  const uint64_t hash = key.hash();
  size_t i = home(hash);
  while (slots_[i].id != kNone) i = (i + 1) & mask_;
  slots_[i] = {hash, id};
  ++size_;
  if (!has_offset_ && key.type() == Type::kInteger) {
    offset_ = static_cast<uint64_t>(key.int_unchecked()) - id;
    has_offset_ = true;
  }
}

RowId PkMap::erase(const Value& key) {
  size_t hole = locate(key, key.hash());
  if (hole == SIZE_MAX) return kNone;
  const RowId id = slots_[hole].id;
  // Shift back every later entry of the run that may not sit past the hole.
  for (size_t i = (hole + 1) & mask_; slots_[i].id != kNone; i = (i + 1) & mask_) {
    const size_t want = home(slots_[i].hash);
    // The entry may move to the hole when its home is not in (hole, i].
    const bool stays = hole <= i ? (hole < want && want <= i) : (hole < want || want <= i);
    if (stays) continue;
    slots_[hole] = slots_[i];
    hole = i;
  }
  slots_[hole].id = kNone;
  --size_;
  return id;
}

void PkMap::reserve(size_t n) {
  if (over_full(n, slots_.size())) grow(n);
}

void PkMap::clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  mask_ = 0;
  shift_ = 64;
  size_ = 0;
  has_offset_ = false;
}

void PkMap::grow(size_t min_size) {
  size_t n = std::max(kMinSlots, slots_.size());
  while (over_full(min_size, n)) n *= 2;
  auto old = std::move(slots_);
  slots_ = {};
  slots_.assign(n, Slot{0, kNone});
  mask_ = n - 1;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
  for (const Slot& s : old) {
    if (s.id == kNone) continue;
    size_t i = home(s.hash);
    while (slots_[i].id != kNone) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

}  // namespace tessera::detail
