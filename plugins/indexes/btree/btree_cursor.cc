// Range cursors over the B+tree.
//
// Stability: the cursor copies each entry it yields (the key bytes too) and
// notes the tree's version. While the version is unchanged it simply walks
// the leaf chain, holding a leaf pointer; once the tree changed (insert,
// erase, compaction) that pointer may dangle, so it finds its place again
// from the copy: the first entry after the last one yielded (before it, in
// reverse). Entries are unique (key, row) pairs, so this yields every pair
// not erased before the cursor reached it exactly once, in order.
//
// Speed: on entering a leaf the cursor works out how many of its entries lie
// within the far bound (one comparison when the whole leaf does), so each
// step is a bounds-free copy.
#include "btree_cursor.h"

#include <string>

#include "tessera/error.h"
#include "tessera/prefetch.h"

namespace tessera::btree_detail {

namespace {

struct Bound {
  std::vector<uint8_t> bytes;
  KeyRef key;
  bool inclusive = true;
  bool prefix = false;  // fewer columns than the index: compare on the prefix
};

std::optional<Bound> make_bound(const std::optional<KeyBound>& b, size_t ncols) {
  if (!b) return std::nullopt;
  if (b->key.size() > ncols)
    throw Error(ErrorCode::kInvalidArgument, "btree index: a scan bound has " + std::to_string(b->key.size()) +
                                                 " values, the index " + std::to_string(ncols) + " column(s)");
  index_keys::KeyBuffer buf;
  index_keys::encode_key(b->key, ncols, buf);
  Bound out;
  out.bytes.assign(buf.data(), buf.data() + buf.size());
  out.inclusive = b->inclusive;
  out.prefix = b->key.size() < ncols;
  return out;
}

class BTreeCursor final : public IndexCursor {
 public:
  BTreeCursor(const BTree& tree, const std::vector<Type>& types, std::optional<Bound> lo,
              std::optional<Bound> hi, bool reverse)
      : tree_(tree), types_(types), lo_(std::move(lo)), hi_(std::move(hi)), reverse_(reverse) {
    // The byte vectors are final now: point the keys into them.
    if (lo_) lo_->key = key_from_bytes(lo_->bytes.data(), lo_->bytes.size());
    if (hi_) hi_->key = key_from_bytes(hi_->bytes.data(), hi_->bytes.size());
  }

  bool next(IndexKey* key, RowId& row) override {
    if (done_) return false;
    if (!leaf_ || version_ != tree_.version()) reposition();
    const Entry* e = reverse_ ? step_back() : step_forward();
    if (!e) {
      done_ = true;
      return false;
    }
    last_ = *e;
    if (e->len() > kInlineBytes) {
      const uint8_t* t = tree_.arena() + e->tail();
      last_tail_.assign(t, t + (e->len() - kInlineBytes));
    }
    have_last_ = true;
    row = e->row;
    if (key) decode(*key);
    return true;
  }

 private:
  int compare_bound(const Entry& e, const Bound& b) const {
    KeyRef k = key_of(e, tree_.arena());
    if (b.prefix) k = truncate_key(k, b.key.len);
    return compare_keys(k, b.key);
  }
  bool before_lo(const Entry& e) const {
    int c = compare_bound(e, *lo_);
    return lo_->inclusive ? c < 0 : c <= 0;
  }
  bool beyond_hi(const Entry& e) const {
    int c = compare_bound(e, *hi_);
    return hi_->inclusive ? c > 0 : c >= 0;
  }

  void reposition() {
    version_ = tree_.version();
    const uint8_t* a = tree_.arena();
    Position p;
    if (have_last_) {
      KeyRef k{last_.k0, last_.k1, last_.len(), last_tail_.data()};
      RowId r = last_.row;
      if (!reverse_) p = tree_.lower([&](const Entry& e) { return compare_entry(e, a, k, r) <= 0; });
      else p = tree_.lower([&](const Entry& e) { return compare_entry(e, a, k, r) < 0; });
    } else if (!reverse_) {
      if (lo_) p = tree_.lower([&](const Entry& e) { return before_lo(e); });
      else p = tree_.lower([](const Entry&) { return false; });
    } else {
      if (hi_) p = tree_.lower([&](const Entry& e) { return !beyond_hi(e); });
      else p = tree_.lower([](const Entry&) { return true; });
    }
    leaf_ = p.leaf;
    idx_ = p.idx;
    enter_leaf();
  }

  // Sets limit_ to the end of the leaf's entries within the far bound.
  void enter_leaf() {
    const Entry* es = leaf_->entries();
    const uint32_t n = leaf_->count;
    stop_ = false;
    // Leaves lie anywhere in memory: fetch the next one while this one is read
    // (all leaves have this one's capacity; reading the next one's would stall).
    if (const Leaf* after = reverse_ ? leaf_->prev : leaf_->next) prefetch_bytes(after, Leaf::bytes(leaf_->cap));
    if (!reverse_) {
      limit_ = n;
      if (hi_ && n > 0 && beyond_hi(es[n - 1])) {
        stop_ = true;
        limit_ = partition_point(es, n, [&](const Entry& e) { return !beyond_hi(e); });
      }
    } else {
      limit_ = 0;
      if (lo_ && n > 0 && before_lo(es[0])) {
        stop_ = true;
        limit_ = partition_point(es, n, [&](const Entry& e) { return before_lo(e); });
      }
    }
  }

  const Entry* step_forward() {
    for (;;) {
      if (idx_ < limit_) return &leaf_->entries()[idx_++];
      if (stop_ || !leaf_->next) return nullptr;
      leaf_ = leaf_->next;
      idx_ = 0;
      enter_leaf();
    }
  }
  // idx_ is one past the next entry to yield.
  const Entry* step_back() {
    for (;;) {
      if (idx_ > limit_) return &leaf_->entries()[--idx_];
      if (stop_ || !leaf_->prev) return nullptr;
      leaf_ = leaf_->prev;
      idx_ = leaf_->count;
      enter_leaf();
    }
  }

  void decode(IndexKey& key) {
    uint32_t n = last_.len();
    bytes_.resize(std::max(n, kInlineBytes));
    for (int i = 0; i < 8; ++i) {
      bytes_[i] = static_cast<uint8_t>(last_.k0 >> (56 - 8 * i));
      bytes_[8 + i] = static_cast<uint8_t>(last_.k1 >> (56 - 8 * i));
    }
    if (n > kInlineBytes) std::copy(last_tail_.begin(), last_tail_.end(), bytes_.begin() + kInlineBytes);
    index_keys::decode_key(bytes_.data(), n, types_, key);
  }

  const BTree& tree_;
  const std::vector<Type>& types_;
  std::optional<Bound> lo_, hi_;
  const bool reverse_;

  const Leaf* leaf_ = nullptr;
  uint32_t idx_ = 0;
  uint32_t limit_ = 0;
  bool stop_ = false;  // the far bound ends inside this leaf
  bool done_ = false;
  uint64_t version_ = 0;

  bool have_last_ = false;
  Entry last_{};  // the last entry yielded, with its key bytes past 16
  std::vector<uint8_t> last_tail_;
  std::vector<uint8_t> bytes_;
};

}  // namespace

std::unique_ptr<IndexCursor> make_cursor(const BTree& tree, const std::vector<Type>& types,
                                         const std::optional<KeyBound>& lower,
                                         const std::optional<KeyBound>& upper, bool reverse) {
  return std::make_unique<BTreeCursor>(tree, types, make_bound(lower, types.size()),
                                       make_bound(upper, types.size()), reverse);
}

}  // namespace tessera::btree_detail
