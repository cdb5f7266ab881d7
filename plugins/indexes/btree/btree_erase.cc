// B+tree deletion: remove the entry, then restore minimum fill by borrowing
// from a sibling or merging with it, upwards; the root shrinks when its last
// separator goes. Arena bytes of erased keys are reclaimed by compaction.
#include <cstring>

#include "btree.h"

namespace tessera::btree_detail {

bool BTree::erase(const KeyRef& key, RowId row) {
  Leaf* leaf = descend(key, row, path_);
  const uint8_t* a = arena_.data();
  Entry* es = leaf->entries();
  uint32_t pos = partition_point(es, leaf->count, [&](const Entry& e) { return compare_entry(e, a, key, row) < 0; });
  if (pos == leaf->count || compare_entry(es[pos], a, key, row) != 0) return false;
  if (es[pos].len() > kInlineBytes) arena_garbage_ += es[pos].len() - kInlineBytes;
  std::memmove(es + pos, es + pos + 1, (leaf->count - pos - 1) * sizeof(Entry));
  --leaf->count;
  --size_;
  ++version_;
  rebalance_leaf(leaf, path_);
  maybe_compact();
  return true;
}

void BTree::rebalance_leaf(Leaf* leaf, std::vector<PathStep>& path) {
  if (path.empty() || leaf->count >= min_fill_) return;
  auto [parent, idx] = path.back();
  Entry* pkeys = parent->keys();
  Node** pkids = parent->kids();
  Leaf* left = idx > 0 ? static_cast<Leaf*>(pkids[idx - 1]) : nullptr;
  Leaf* right = idx < parent->count ? static_cast<Leaf*>(pkids[idx + 1]) : nullptr;
  Entry* le = leaf->entries();

  if (left && left->count > min_fill_) {
    std::memmove(le + 1, le, leaf->count * sizeof(Entry));
    le[0] = left->entries()[--left->count];
    ++leaf->count;
    pkeys[idx - 1] = le[0];
    return;
  }
  if (right && right->count > min_fill_) {
    Entry* re = right->entries();
    le[leaf->count++] = re[0];
    std::memmove(re, re + 1, --right->count * sizeof(Entry));
    pkeys[idx] = re[0];
    return;
  }
  // Neither sibling can spare an entry: merge the right one of the pair into
  // the left one (together they fit: < min + <= min <= cap).
  Leaf* dst = left ? left : leaf;
  Leaf* src = left ? leaf : right;
  uint32_t key_idx = left ? idx - 1 : idx;
  std::memcpy(dst->entries() + dst->count, src->entries(), src->count * sizeof(Entry));
  dst->count += src->count;
  dst->next = src->next;
  if (src->next) src->next->prev = dst;
  free_node(src);
  --leaves_;

  std::memmove(pkeys + key_idx, pkeys + key_idx + 1, (parent->count - key_idx - 1) * sizeof(Entry));
  std::memmove(pkids + key_idx + 1, pkids + key_idx + 2, (parent->count - key_idx - 1) * sizeof(Node*));
  --parent->count;
  path.pop_back();
  rebalance_inner(parent, path);
}

void BTree::rebalance_inner(Inner* node, std::vector<PathStep>& path) {
  for (;;) {
    if (path.empty()) {  // the root: collapse it once it has a single child
      if (node->count == 0) {
        root_ = node->kids()[0];
        free_node(node);
        --inners_;
        --height_;
      }
      return;
    }
    if (node->count >= min_fill_) return;
    auto [parent, idx] = path.back();
    Entry* pkeys = parent->keys();
    Node** pkids = parent->kids();
    Inner* left = idx > 0 ? static_cast<Inner*>(pkids[idx - 1]) : nullptr;
    Inner* right = idx < parent->count ? static_cast<Inner*>(pkids[idx + 1]) : nullptr;
    Entry* nk = node->keys();
    Node** nc = node->kids();

    if (left && left->count > min_fill_) {  // rotate through the parent
      std::memmove(nk + 1, nk, node->count * sizeof(Entry));
      std::memmove(nc + 1, nc, (node->count + 1) * sizeof(Node*));
      nk[0] = pkeys[idx - 1];
      nc[0] = left->kids()[left->count];
      pkeys[idx - 1] = left->keys()[left->count - 1];
      --left->count;
      ++node->count;
      return;
    }
    if (right && right->count > min_fill_) {
      nk[node->count] = pkeys[idx];
      nc[node->count + 1] = right->kids()[0];
      ++node->count;
      pkeys[idx] = right->keys()[0];
      std::memmove(right->keys(), right->keys() + 1, (right->count - 1) * sizeof(Entry));
      std::memmove(right->kids(), right->kids() + 1, right->count * sizeof(Node*));
      --right->count;
      return;
    }
    // Merge: left + parent separator + right fits (< min + 1 + <= min <= cap).
    Inner* dst = left ? left : node;
    Inner* src = left ? node : right;
    uint32_t key_idx = left ? idx - 1 : idx;
    dst->keys()[dst->count] = pkeys[key_idx];
    std::memcpy(dst->keys() + dst->count + 1, src->keys(), src->count * sizeof(Entry));
    std::memcpy(dst->kids() + dst->count + 1, src->kids(), (src->count + 1) * sizeof(Node*));
    dst->count += src->count + 1;
    free_node(src);
    --inners_;

    std::memmove(pkeys + key_idx, pkeys + key_idx + 1, (parent->count - key_idx - 1) * sizeof(Entry));
    std::memmove(pkids + key_idx + 1, pkids + key_idx + 2, (parent->count - key_idx - 1) * sizeof(Node*));
    --parent->count;
    path.pop_back();
    node = parent;
  }
}

// Rewrites the arena with only referenced bytes once erased keys make up
// half of it, so memory stays proportional to the live keys.
void BTree::maybe_compact() {
  if (arena_garbage_ < (size_t{64} << 10) || arena_garbage_ * 2 < arena_.size()) return;
  std::vector<uint8_t> fresh;
  fresh.reserve(arena_.size() - arena_garbage_ / 2);  // separators may hold copies of erased keys
  auto move_bytes = [&](Entry& e) {
    if (e.len() <= kInlineBytes) return;
    uint64_t off = fresh.size();
    const uint8_t* p = arena_.data() + e.tail();
    fresh.insert(fresh.end(), p, p + (e.len() - kInlineBytes));
    e.lenoff = (off << 24) | e.len();
  };
  // Depth-first over every node: leaf entries and inner separators alike.
  std::vector<Node*> stack{root_};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    if (n->leaf) {
      Leaf* l = static_cast<Leaf*>(n);
      for (uint32_t i = 0; i < l->count; ++i) move_bytes(l->entries()[i]);
    } else {
      Inner* in = static_cast<Inner*>(n);
      for (uint32_t i = 0; i < in->count; ++i) move_bytes(in->keys()[i]);
      stack.insert(stack.end(), in->kids(), in->kids() + in->count + 1);
    }
  }
  fresh.shrink_to_fit();
  arena_.swap(fresh);
  arena_garbage_ = 0;
  ++version_;
}

}  // namespace tessera::btree_detail
