// Range scans over a BTree (see btree_cursor.cc for the stability scheme).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "btree.h"

namespace tessera::btree_detail {

// A cursor over tree between the bounds; ncols is the index's column count
// (a bound with fewer columns is a prefix), types decode keys for next().
// The tree and types must outlive the cursor.
std::unique_ptr<IndexCursor> make_cursor(const BTree& tree, const std::vector<Type>& types,
                                         const std::optional<KeyBound>& lower,
                                         const std::optional<KeyBound>& upper, bool reverse);

}  // namespace tessera::btree_detail
