// Reading rows by id with their cache misses overlapped.
//
// A stored row is one miss away from its id (see RowStore), plus one for
// each text value too long to be kept inline. Reading rows one by one waits
// for each miss in turn; here later rows' loads are issued while earlier
// rows are processed, a few rows apart.
#pragma once

#include <cstddef>
#include <vector>

#include "../row_store.h"
#include "tessera/index.h"
#include "tessera/prefetch.h"
#include "tessera/value.h"

namespace tessera::query_detail {

inline void prefetch_text(RecordView r) {
  for (const Value& v : r)
    if (v.type() == Type::kText) prefetch_line(v.text_unchecked().data());
}

// Calls f(i, row) for each i in [0, n) whose row ids[i] is live, in order.
// REQUIRES: every id < rows.slots().
template <class F>
void for_each_row(const detail::RowStore& rows, const RowId* ids, size_t n, F&& f) {
  constexpr ptrdiff_t kValuesAhead = 12, kTextAhead = 4;
  const auto count = static_cast<ptrdiff_t>(n);
  for (ptrdiff_t i = -kValuesAhead; i < count; ++i) {
    if (i + kValuesAhead < count) rows.prefetch(ids[i + kValuesAhead]);
    if (i + kTextAhead >= 0 && i + kTextAhead < count && rows.live(ids[i + kTextAhead]))
      prefetch_text(rows.row(ids[i + kTextAhead]));
    if (i >= 0 && rows.live(ids[i])) f(static_cast<size_t>(i), rows.row(ids[i]));
  }
}

}  // namespace tessera::query_detail
