// Reading rows by id with their cache misses overlapped.
//
// A loaded row is three dependent loads away: its slot in the rows vector,
// the Value array the slot points to, and the bytes of long text values.
// Reading rows one by one waits for each miss in turn; here later rows'
// loads are issued while earlier rows are processed, a few stages apart.
#pragma once

#include <cstddef>
#include <vector>

#include "../pk_map.h"
#include "tessera/index.h"
#include "tessera/value.h"

namespace tessera::query_detail {

inline void prefetch_values(const Record& r) {
  const char* p = reinterpret_cast<const char*>(r.data());
  const size_t bytes = r.size() * sizeof(Value);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
}

inline void prefetch_text(const Record& r) {
  for (const Value& v : r)
    if (v.type() == Type::kText) __builtin_prefetch(v.text_unchecked().data());
}

// Calls f(i, rows[ids[i]]) for i in [0, n), in order. REQUIRES: every id < rows.size().
template <class F>
void for_each_row(const detail::RowVector& rows, const RowId* ids, size_t n, F&& f) {
  constexpr ptrdiff_t kSlotAhead = 24, kValuesAhead = 12, kTextAhead = 6;
  const auto count = static_cast<ptrdiff_t>(n);
  for (ptrdiff_t i = -kSlotAhead; i < count; ++i) {
    if (i + kSlotAhead < count) __builtin_prefetch(&rows[ids[i + kSlotAhead]]);
    if (i + kValuesAhead >= 0 && i + kValuesAhead < count) prefetch_values(rows[ids[i + kValuesAhead]]);
    if (i + kTextAhead >= 0 && i + kTextAhead < count) prefetch_text(rows[ids[i + kTextAhead]]);
    if (i >= 0) f(static_cast<size_t>(i), rows[ids[i]]);
  }
}

}  // namespace tessera::query_detail
