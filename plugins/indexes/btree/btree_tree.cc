// B+tree lookups, housekeeping and the invariant checker.
#include <string>

#include "btree.h"
#include "tessera/error.h"

namespace tessera::btree_detail {

void BTree::find(const KeyRef& key, std::vector<RowId>& rows) const {
  const uint8_t* a = arena_.data();
  Position p = lower([&](const Entry& e) { return compare_keys(key_of(e, a), key) < 0; });
  const Leaf* l = p.leaf;
  for (uint32_t i = p.idx;; ++i) {
    if (i == l->count) {
      l = l->next;
      if (!l) return;
      i = 0;
    }
    const Entry& e = l->entries()[i];
    if (compare_keys(key_of(e, a), key) != 0) return;
    rows.push_back(e.row);
  }
}

void BTree::free_subtree(Node* n) {
  if (!n->leaf) {
    Inner* in = static_cast<Inner*>(n);
    for (uint32_t i = 0; i <= in->count; ++i) free_subtree(in->kids()[i]);
  }
  free_node(n);
}

void BTree::clear() {
  free_subtree(root_);
  root_ = Leaf::make(cap_);
  size_ = 0;
  height_ = leaves_ = 1;
  inners_ = 0;
  arena_ = {};
  arena_garbage_ = 0;
  ++version_;
}

size_t BTree::memory_usage() const {
  return sizeof(*this) + leaves_ * Leaf::bytes(cap_) + inners_ * Inner::bytes(cap_) + arena_.capacity() +
         scratch_keys_.capacity() * sizeof(Entry) + scratch_kids_.capacity() * sizeof(Node*) +
         path_.capacity() * sizeof(PathStep);
}

namespace {

[[noreturn]] void broken(const std::string& what) { throw Error(ErrorCode::kCorruption, "btree invariant broken: " + what); }

}  // namespace

// Returns the number of entries below n; entries must lie in [lo, hi).
size_t BTree::check_node(const Node* n, size_t depth, const Entry* lo, const Entry* hi,
                         std::vector<const Leaf*>& leaves) const {
  const uint8_t* a = arena_.data();
  auto less = [&](const Entry& x, const Entry& y) { return compare_entry(x, a, key_of(y, a), y.row) < 0; };
  if (n->cap != cap_) broken("node capacity");
  if (n->count > cap_) broken("node over capacity");
  const Entry* es = n->leaf ? static_cast<const Leaf*>(n)->entries() : static_cast<const Inner*>(n)->keys();
  for (uint32_t i = 0; i < n->count; ++i) {
    if (i > 0 && !less(es[i - 1], es[i])) broken("entries out of order");
    if (lo && less(es[i], *lo)) broken("entry below its separator");
    if (hi && !less(es[i], *hi)) broken("entry at or above its separator");
  }
  if (n->leaf) {
    if (depth != height_) broken("leaves at different depths");
    leaves.push_back(static_cast<const Leaf*>(n));
    return n->count;
  }
  const Inner* in = static_cast<const Inner*>(n);
  if (n != root_ && n->count < min_fill_) broken("inner node under minimum fill");
  if (n == root_ && n->count == 0) broken("inner root with one child");
  size_t total = 0;
  for (uint32_t i = 0; i <= in->count; ++i)
    total += check_node(in->kids()[i], depth + 1, i == 0 ? lo : &es[i - 1], i == in->count ? hi : &es[i], leaves);
  return total;
}

void BTree::check() const {
  std::vector<const Leaf*> leaves;
  size_t total = check_node(root_, 1, nullptr, nullptr, leaves);
  if (total != size_) broken("size " + std::to_string(size_) + " but " + std::to_string(total) + " entries");
  if (leaves.size() != leaves_) broken("leaf count");
  for (size_t i = 0; i < leaves.size(); ++i) {
    const Leaf* l = leaves[i];
    if (l->prev != (i ? leaves[i - 1] : nullptr) || l->next != (i + 1 < leaves.size() ? leaves[i + 1] : nullptr))
      broken("leaf links");
    // The last leaf may be short after in-order appends (see split_leaf).
    if (leaves.size() > 1 && i + 1 < leaves.size() && l->count < min_fill_) broken("leaf under minimum fill");
    if (leaves.size() > 1 && l->count == 0) broken("empty leaf");
  }
}

}  // namespace tessera::btree_detail
