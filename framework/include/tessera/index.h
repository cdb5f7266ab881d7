// The Index plugin interface: secondary access paths over a table's rows.
//
// An index maps keys (one Value per indexed column) to row ids. The table
// owns the rows and keeps every index in step with each committed write;
// the index only stores (key, row id) pairs.
//
// Contract:
//  - Keys are compared with tessera::compare (so INTEGER 1 == REAL 1.0).
//  - NULL: a key in which any part is NULL is stored and found by find()
//    like any other key, but never conflicts in a unique index (as in SQL).
//  - Duplicates: a non-unique index keeps every (key, row) pair; a unique
//    index refuses a second row for a non-NULL key (insert returns false and
//    changes nothing). Inserting the same (key, row) pair twice is a no-op.
//  - Ordered indexes (ordered() == true) implement scan(); others throw
//    Error(kUnsupported) from it.
//  - A cursor stays valid while the index changes through insert/erase: it
//    yields, in order and exactly once, every pair present when it was opened
//    and not erased before the cursor reached it; pairs inserted after it was
//    opened may or may not be yielded.
//  - Thread safety: const methods may run concurrently with each other; a
//    mutating call needs exclusive access (the table's write lock provides it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/value.h"

namespace tessera {

// A row's handle inside its loaded table; stable while the row lives.
using RowId = uint64_t;

// One Value per indexed column, in index column order.
using IndexKey = std::vector<Value>;

struct IndexSpec {
  std::string table;
  std::string name;                  // unique per table
  std::vector<std::string> columns;  // one or more
  std::vector<Type> types;           // type of each indexed column
  bool unique = false;
};

struct KeyBound {
  IndexKey key;  // may be a prefix of the index's columns
  bool inclusive = true;
};

class IndexCursor {
 public:
  virtual ~IndexCursor();
  // Next pair, or false at the end. key may be null when not wanted.
  virtual bool next(IndexKey* key, RowId& row) = 0;
};

class Index {
 public:
  virtual ~Index();

  virtual const char* name() const = 0;  // the component name: "hash"
  virtual bool ordered() const = 0;

  // Returns false, changing nothing, when a unique index already maps a
  // non-NULL key to another row.
  virtual bool insert(const IndexKey& key, RowId row) = 0;
  // Returns false when the pair was not present.
  virtual bool erase(const IndexKey& key, RowId row) = 0;
  // Appends every row stored under key to rows.
  virtual void find(const IndexKey& key, std::vector<RowId>& rows) const = 0;
  // Rows whose key lies between the bounds (absent bound: unbounded); a
  // prefix bound compares on the prefix only.
  virtual std::unique_ptr<IndexCursor> scan(const std::optional<KeyBound>& lower,
                                            const std::optional<KeyBound>& upper,
                                            bool reverse) const;

  virtual size_t size() const = 0;  // number of (key, row) pairs
  virtual void clear() = 0;
  virtual size_t memory_usage() const = 0;
};

}  // namespace tessera
