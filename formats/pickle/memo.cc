#include "memo.h"

#include <iterator>

namespace tessera::pickle_format {

void Memo::put(uint64_t index, Obj value) {
  uint64_t charge = estimate_bytes(value);
  auto it = entries_.find(index);
  if (it != entries_.end()) {
    total_ -= it->second.charge;
    it->second.value = std::move(value);
    it->second.charge = charge;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  } else {
    if (is_dropped(index)) unmark_dropped(index);
    lru_.push_front(index);
    entries_.emplace(index, Entry{std::move(value), charge, lru_.begin()});
  }
  total_ += charge;
  evict();
}

Memo::Status Memo::get(uint64_t index, Obj& out) {
  auto it = entries_.find(index);
  if (it == entries_.end()) return is_dropped(index) ? Status::kDropped : Status::kMissing;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  out = it->second.value;
  return Status::kFound;
}

void Memo::recharge(uint64_t index) {
  auto it = entries_.find(index);
  if (it == entries_.end()) return;
  total_ -= it->second.charge;
  it->second.charge = estimate_bytes(it->second.value);
  total_ += it->second.charge;
  evict();
}

void Memo::evict() {
  while (total_ > budget_ && !lru_.empty()) {
    uint64_t index = lru_.back();
    lru_.pop_back();
    auto it = entries_.find(index);
    total_ -= it->second.charge;
    entries_.erase(it);
    mark_dropped(index);
  }
}

bool Memo::is_dropped(uint64_t index) const {
  auto it = dropped_.upper_bound(index);
  if (it == dropped_.begin()) return false;
  return index < std::prev(it)->second;
}

void Memo::mark_dropped(uint64_t index) {
  auto next = dropped_.upper_bound(index);
  bool joins_next = next != dropped_.end() && next->first == index + 1;
  if (next != dropped_.begin()) {
    auto prev = std::prev(next);
    if (prev->second > index) return;  // already dropped
    if (prev->second == index) {
      prev->second = joins_next ? next->second : index + 1;
      if (joins_next) dropped_.erase(next);
      ++dropped_count_;
      return;
    }
  }
  uint64_t end = index + 1;
  if (joins_next) {
    end = next->second;
    dropped_.erase(next);
  }
  dropped_.emplace(index, end);
  ++dropped_count_;
}

void Memo::unmark_dropped(uint64_t index) {
  auto it = std::prev(dropped_.upper_bound(index));  // REQUIRES: is_dropped(index)
  uint64_t begin = it->first, end = it->second;
  dropped_.erase(it);
  if (begin < index) dropped_.emplace(begin, index);
  if (index + 1 < end) dropped_.emplace(index + 1, end);
  --dropped_count_;
}

}  // namespace tessera::pickle_format
