#include "position_table.h"

#include <algorithm>

namespace tessera::detail {

namespace {
constexpr size_t kMinSlots = 16;
}  // namespace

void PositionTable::remove_slot(size_t hole) {
  // Shift back every later entry of the run that may not sit past the hole.
  for (size_t i = (hole + 1) & mask_; slots_[i].pos != kNone; i = (i + 1) & mask_) {
    const size_t want = home(slots_[i].hash);
    // The entry may move to the hole when its home is not in (hole, i].
    const bool stays = hole <= i ? (hole < want && want <= i) : (hole < want || want <= i);
    if (stays) continue;
    slots_[hole] = slots_[i];
    hole = i;
  }
  slots_[hole].pos = kNone;
  --size_;
}

void PositionTable::clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  mask_ = 0;
  shift_ = 64;
  size_ = 0;
}

void PositionTable::grow(size_t min_size) {
  size_t n = std::max(kMinSlots, slots_.size());
  while (over_full(min_size, n)) n *= 2;
  auto old = std::move(slots_);
  slots_ = {};
  slots_.assign(n, Slot{0, kNone});
  mask_ = n - 1;
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
  for (const Slot& s : old) {
    if (s.pos == kNone) continue;
    size_t i = home(s.hash);
    while (slots_[i].pos != kNone) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

}  // namespace tessera::detail
