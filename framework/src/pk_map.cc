#include "pk_map.h"

namespace tessera::detail {

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

RowId PkMap::find(const Value& key, uint64_t hash) const { return table_.find(hash, holds(key)); }

void PkMap::insert(const Value& key, RowId id) {
  table_.insert(key.hash(), id);
  if (!has_offset_ && key.type() == Type::kInteger) {
    offset_ = static_cast<uint64_t>(key.int_unchecked()) - id;
    has_offset_ = true;
  }
}

RowId PkMap::erase(const Value& key) { return table_.erase(key.hash(), holds(key)); }

void PkMap::clear() {
  table_.clear();
  has_offset_ = false;
}

}  // namespace tessera::detail
