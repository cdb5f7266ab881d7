// B+tree insertion: descend, place the entry, split full nodes upwards.
#include <cstring>

#include "btree.h"
#include "tessera/error.h"

namespace tessera::btree_detail {

BTree::BTree(uint16_t node_size) : cap_(node_size), min_fill_(node_size / 2u), root_(Leaf::make(node_size)) {}

BTree::~BTree() { free_subtree(root_); }

Leaf* BTree::descend(const KeyRef& key, RowId row, std::vector<PathStep>& path) {
  path.clear();
  const uint8_t* a = arena_.data();
  auto at_or_before = [&](const Entry& e) { return compare_entry(e, a, key, row) <= 0; };
  Node* n = root_;
  while (!n->leaf) {
    Inner* in = static_cast<Inner*>(n);
    prefetch_entries(in->keys(), in->count);
    uint32_t i = partition_point(in->keys(), in->count, at_or_before);
    path.push_back({in, i});
    n = in->kids()[i];
  }
  prefetch_entries(static_cast<Leaf*>(n)->entries(), n->count);
  return static_cast<Leaf*>(n);
}

BTree::InsertResult BTree::insert(const KeyRef& key, RowId row, bool unique) {
  if (key.len > kMaxKeyBytes)
    throw Error(ErrorCode::kInvalidArgument, "btree index: key longer than 16 MiB once encoded");
  Leaf* leaf = descend(key, row, path_);
  const uint8_t* a = arena_.data();
  Entry* es = leaf->entries();
  uint32_t pos = partition_point(es, leaf->count, [&](const Entry& e) { return compare_entry(e, a, key, row) <= 0; });
  if (pos > 0 && compare_entry(es[pos - 1], a, key, row) == 0) return InsertResult::kPresent;
  if (unique) {
    // Entries with this key sort next to (key, row); only leaves that are
    // the root can be empty, so neighbouring leaves have entries.
    const Entry* before = pos > 0 ? &es[pos - 1]
                          : leaf->prev ? &leaf->prev->entries()[leaf->prev->count - 1]
                                       : nullptr;
    const Entry* after = pos < leaf->count ? &es[pos] : leaf->next ? &leaf->next->entries()[0] : nullptr;
    if ((before && compare_keys(key_of(*before, a), key) == 0) ||
        (after && compare_keys(key_of(*after, a), key) == 0))
      return InsertResult::kConflict;
  }

  Entry e{key.k0, key.k1, key.len, row};
  if (key.len > kInlineBytes) {
    uint64_t off = arena_.size();
    if (off >= (uint64_t{1} << 40)) throw Error(ErrorCode::kInvalidArgument, "btree index: key arena full");
    arena_.insert(arena_.end(), key.tail, key.tail + (key.len - kInlineBytes));
    e.lenoff |= off << 24;
  }
  if (leaf->count < cap_) {
    std::memmove(es + pos + 1, es + pos, (leaf->count - pos) * sizeof(Entry));
    es[pos] = e;
    ++leaf->count;
  } else {
    split_leaf(leaf, pos, e, path_);
  }
  ++size_;
  ++version_;
  return InsertResult::kInserted;
}

// Splits a full leaf while inserting e at pos. Appending past the last leaf
// (keys inserted in order) keeps the left leaf full instead of half full.
void BTree::split_leaf(Leaf* leaf, uint32_t pos, const Entry& e, std::vector<PathStep>& path) {
  const uint32_t cap = cap_;
  Leaf* right = Leaf::make(cap_);
  ++leaves_;
  uint32_t left_n = (leaf->next == nullptr && pos == cap) ? cap : (cap + 1) / 2;
  Entry* le = leaf->entries();
  Entry* re = right->entries();
  if (pos < left_n) {
    uint32_t from = left_n - 1;
    std::memcpy(re, le + from, (cap - from) * sizeof(Entry));
    std::memmove(le + pos + 1, le + pos, (from - pos) * sizeof(Entry));
    le[pos] = e;
    right->count = cap - from;
  } else {
    uint32_t k = pos - left_n;
    std::memcpy(re, le + left_n, k * sizeof(Entry));
    re[k] = e;
    std::memcpy(re + k + 1, le + pos, (cap - pos) * sizeof(Entry));
    right->count = cap - left_n + 1;
  }
  leaf->count = left_n;

  right->prev = leaf;
  right->next = leaf->next;
  if (right->next) right->next->prev = right;
  leaf->next = right;
  insert_separator(path, re[0], right);
}

// Adds (sep, right) just after the child the path went through, splitting
// full inner nodes on the way up and growing a new root when needed.
void BTree::insert_separator(std::vector<PathStep>& path, Entry sep, Node* right) {
  while (!path.empty()) {
    auto [in, idx] = path.back();
    path.pop_back();
    Entry* keys = in->keys();
    Node** kids = in->kids();
    if (in->count < cap_) {
      std::memmove(keys + idx + 1, keys + idx, (in->count - idx) * sizeof(Entry));
      std::memmove(kids + idx + 2, kids + idx + 1, (in->count - idx) * sizeof(Node*));
      keys[idx] = sep;
      kids[idx + 1] = right;
      ++in->count;
      return;
    }
    // Inner splits are rare (one per cap/2 leaf splits): go through scratch.
    scratch_keys_.assign(keys, keys + idx);
    scratch_keys_.push_back(sep);
    scratch_keys_.insert(scratch_keys_.end(), keys + idx, keys + in->count);
    scratch_kids_.assign(kids, kids + idx + 1);
    scratch_kids_.push_back(right);
    scratch_kids_.insert(scratch_kids_.end(), kids + idx + 1, kids + in->count + 1);

    const uint32_t total = static_cast<uint32_t>(scratch_keys_.size());
    const uint32_t mid = total / 2;
    Inner* r = Inner::make(cap_);
    ++inners_;
    std::memcpy(keys, scratch_keys_.data(), mid * sizeof(Entry));
    std::memcpy(kids, scratch_kids_.data(), (mid + 1) * sizeof(Node*));
    in->count = mid;
    r->count = total - mid - 1;
    std::memcpy(r->keys(), scratch_keys_.data() + mid + 1, r->count * sizeof(Entry));
    std::memcpy(r->kids(), scratch_kids_.data() + mid + 1, (r->count + 1) * sizeof(Node*));
    sep = scratch_keys_[mid];
    right = r;
  }
  Inner* root = Inner::make(cap_);
  ++inners_;
  root->count = 1;
  root->keys()[0] = sep;
  root->kids()[0] = root_;
  root->kids()[1] = right;
  root_ = root;
  ++height_;
}

}  // namespace tessera::btree_detail
