// B+tree building blocks: the fixed-size entry, key comparison, node layout.
//
// Keys are the order-preserving bytes of common/key_codec.h. An entry keeps
// the first 16 bytes inline as two big-endian words, so most comparisons are
// two integer compares; the bytes past 16 live in the tree's arena. The tree
// orders entries by (key bytes, row id), which makes every entry distinct and
// keeps a key's duplicates in row order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "../common/key_codec.h"
#include "tessera/index.h"
#include "tessera/prefetch.h"

namespace tessera::btree_detail {

inline constexpr uint32_t kInlineBytes = 16;
inline constexpr uint64_t kMaxKeyBytes = (uint64_t{1} << 24) - 1;

struct Entry {
  uint64_t k0, k1;  // key bytes 0-7 and 8-15, big-endian, zero padded
  uint64_t lenoff;  // key length (low 24 bits) | arena offset of bytes 16.. (high 40 bits)
  RowId row;

  uint32_t len() const { return static_cast<uint32_t>(lenoff & kMaxKeyBytes); }
  uint64_t tail() const { return lenoff >> 24; }
};
static_assert(sizeof(Entry) == 32);

// A key to compare: inline words plus a pointer to bytes 16.. when longer.
struct KeyRef {
  uint64_t k0 = 0, k1 = 0;
  uint32_t len = 0;
  const uint8_t* tail = nullptr;
};

inline uint64_t load_padded(const uint8_t* p, size_t n) {
  if (n >= 8) return index_keys::load_be64(p);
  uint8_t b[8] = {};
  std::memcpy(b, p, n);
  return index_keys::load_be64(b);
}

inline KeyRef key_from_bytes(const uint8_t* p, size_t n) {
  KeyRef k;
  if (n == 0) return k;  // an empty prefix bound; p may be null
  k.len = static_cast<uint32_t>(n);
  k.k0 = load_padded(p, std::min<size_t>(n, 8));
  if (n > 8) k.k1 = load_padded(p + 8, std::min<size_t>(n - 8, 8));
  k.tail = p + kInlineBytes;
  return k;
}

inline KeyRef key_of(const Entry& e, const uint8_t* arena) {
  return {e.k0, e.k1, e.len(), arena + e.tail()};
}

// Bytewise order, shorter first. Zero padding cannot make unequal keys look
// equal: equal words and different lengths mean one is a prefix of the other.
inline int compare_keys(const KeyRef& a, const KeyRef& b) {
  if (a.k0 != b.k0) return a.k0 < b.k0 ? -1 : 1;
  if (a.k1 != b.k1) return a.k1 < b.k1 ? -1 : 1;
  if (a.len > kInlineBytes && b.len > kInlineBytes) {
    int c = std::memcmp(a.tail, b.tail, std::min(a.len, b.len) - kInlineBytes);
    if (c != 0) return c;
  }
  return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

// The first n bytes of k: how a key is compared with a prefix bound.
inline KeyRef truncate_key(KeyRef k, uint32_t n) {
  if (n >= k.len) return k;
  auto keep = [](uint32_t bytes) { return bytes == 0 ? 0 : ~uint64_t{0} << (64 - 8 * bytes); };
  k.len = n;
  if (n < 8) {
    k.k0 &= keep(n);
    k.k1 = 0;
  } else if (n < 16) {
    k.k1 &= keep(n - 8);
  }
  return k;
}

inline int compare_entry(const Entry& e, const uint8_t* arena, const KeyRef& key, RowId row) {
  if (int c = compare_keys(key_of(e, arena), key)) return c;
  return e.row < row ? -1 : (e.row > row ? 1 : 0);
}

// Number of leading entries for which pred holds (pred must be true on a
// prefix of the array and false after it).
template <class Pred>
inline uint32_t partition_point(const Entry* e, uint32_t n, Pred&& pred) {
  uint32_t lo = 0;
  while (n > 0) {
    uint32_t half = n / 2;
    if (pred(e[lo + half])) {
      lo += half + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  return lo;
}

// Asks for every cache line of n entries at once: the binary search that
// follows then waits for about one memory round trip instead of one per step.
inline void prefetch_entries(const Entry* e, uint32_t n) {
  prefetch_bytes(e, size_t{n} * sizeof(Entry));
}

// Nodes are allocated with room for cap entries behind the header.
struct Node {
  uint32_t count;
  uint16_t cap;
  bool leaf;
};

// Entries sorted; linked to both neighbours for iteration.
struct Leaf : Node {
  Leaf* prev;
  Leaf* next;
  Entry* entries() { return reinterpret_cast<Entry*>(this + 1); }
  const Entry* entries() const { return reinterpret_cast<const Entry*>(this + 1); }

  static Leaf* make(uint16_t cap) {
    void* p = ::operator new(sizeof(Leaf) + size_t{cap} * sizeof(Entry));
    Leaf* l = static_cast<Leaf*>(p);
    l->count = 0;
    l->cap = cap;
    l->leaf = true;
    l->prev = l->next = nullptr;
    return l;
  }
  static size_t bytes(uint16_t cap) { return sizeof(Leaf) + size_t{cap} * sizeof(Entry); }
};

// count separators and count + 1 children: child i holds the entries e with
// key(i-1) <= e < key(i). A separator is a copy of an entry (sharing its
// arena bytes) and may outlive that entry; the bounds still hold.
struct Inner : Node {
  Entry* keys() { return reinterpret_cast<Entry*>(this + 1); }
  const Entry* keys() const { return reinterpret_cast<const Entry*>(this + 1); }
  Node** kids() { return reinterpret_cast<Node**>(keys() + cap); }
  Node* const* kids() const { return reinterpret_cast<Node* const*>(keys() + cap); }

  static Inner* make(uint16_t cap) {
    void* p = ::operator new(bytes(cap));
    Inner* n = static_cast<Inner*>(p);
    n->count = 0;
    n->cap = cap;
    n->leaf = false;
    return n;
  }
  static size_t bytes(uint16_t cap) {
    return sizeof(Inner) + size_t{cap} * sizeof(Entry) + (size_t{cap} + 1) * sizeof(Node*);
  }
};
static_assert(sizeof(Inner) % alignof(Entry) == 0 && sizeof(Leaf) % alignof(Entry) == 0);

inline void free_node(Node* n) { ::operator delete(n); }

}  // namespace tessera::btree_detail
