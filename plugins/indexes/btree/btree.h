// The B+tree itself: entries in linked leaves, separators in inner nodes,
// insert with splits, erase with borrow/merge. Key bytes past the inline 16
// live in an append-only arena, compacted when half of it is garbage.
//
// Invariants (check() verifies them; option check_invariants runs it after
// every change, which the tests use):
//  - every leaf but the root holds at least cap/2 entries (the last leaf may
//    hold fewer while in-order appends fill it, see split_leaf), every inner
//    node but the root at least cap/2 separators; so height stays O(log n)
//    and memory O(n) however many entries were erased;
//  - all leaves are at the same depth and linked in key order both ways;
//  - version() changes on every modification, so cursors can tell when to
//    find their place again.
#pragma once

#include <cstdint>
#include <vector>

#include "btree_node.h"

namespace tessera::btree_detail {

struct Position {
  const Leaf* leaf;
  uint32_t idx;  // may equal leaf->count: the position is the next leaf's start
};

class BTree {
 public:
  enum class InsertResult { kInserted, kPresent, kConflict };

  explicit BTree(uint16_t node_size);
  ~BTree();
  BTree(const BTree&) = delete;
  BTree& operator=(const BTree&) = delete;

  // unique: refuse when another row has an equal key.
  InsertResult insert(const KeyRef& key, RowId row, bool unique);
  bool erase(const KeyRef& key, RowId row);
  // Appends the rows of every entry whose key equals key.
  void find(const KeyRef& key, std::vector<RowId>& rows) const;

  // The first entry e (in order) for which before(e) is false; before must
  // hold on a prefix of the order.
  template <class Before>
  Position lower(Before&& before) const {
    const Node* n = root_;
    while (!n->leaf) {
      const Inner* in = static_cast<const Inner*>(n);
      prefetch_entries(in->keys(), in->count);
      n = in->kids()[partition_point(in->keys(), in->count, before)];
    }
    const Leaf* l = static_cast<const Leaf*>(n);
    prefetch_entries(l->entries(), l->count);
    return {l, partition_point(l->entries(), l->count, before)};
  }

  const uint8_t* arena() const { return arena_.data(); }
  uint64_t version() const { return version_; }
  size_t size() const { return size_; }
  size_t height() const { return height_; }
  void clear();
  size_t memory_usage() const;
  // Throws Error(kCorruption) naming the first broken invariant.
  void check() const;

 private:
  struct PathStep {
    Inner* node;
    uint32_t idx;  // which child the descent took
  };
  // Descends to the leaf that holds (or would hold) (key, row).
  Leaf* descend(const KeyRef& key, RowId row, std::vector<PathStep>& path);

  void split_leaf(Leaf* leaf, uint32_t pos, const Entry& e, std::vector<PathStep>& path);
  void insert_separator(std::vector<PathStep>& path, Entry sep, Node* right);
  void rebalance_leaf(Leaf* leaf, std::vector<PathStep>& path);
  void rebalance_inner(Inner* node, std::vector<PathStep>& path);
  void maybe_compact();
  void free_subtree(Node* n);
  size_t check_node(const Node* n, size_t depth, const Entry* lo, const Entry* hi,
                    std::vector<const Leaf*>& leaves) const;

  uint16_t cap_;
  uint32_t min_fill_;
  Node* root_;
  size_t size_ = 0;
  size_t height_ = 1;
  size_t leaves_ = 1;
  size_t inners_ = 0;
  uint64_t version_ = 0;
  std::vector<uint8_t> arena_;
  size_t arena_garbage_ = 0;
  std::vector<PathStep> path_;  // reused by insert/erase (they have exclusive access)
  std::vector<Entry> scratch_keys_;
  std::vector<Node*> scratch_kids_;
};

}  // namespace tessera::btree_detail
