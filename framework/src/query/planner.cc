// The planner: picks one access path for the top-level conjunction, leaves
// the rest to a filter, and decides whether a sort is needed.
//
// Access paths, best first: primary-key lookup; lookup in a unique index;
// lookup in another index (equality or IN on all its columns); ordered index
// range scan with an equality prefix; range scan on the leading column;
// ordered scan of a whole index for ORDER BY; full scan. Among equals, one
// that gives the ORDER BY order wins, then the one using more columns. A
// top-level OR whose every branch can use an index becomes a union of them.
#include "plan.h"

namespace tessera::query_detail {

namespace {

constexpr size_t kMaxLookupKeys = 4096;  // larger IN products scan instead

struct Candidate {
  Access access = Access::kFullScan;
  int cls = 6;
  size_t eq_cols = 0;
  int bounds = 0;
  bool gives_order = false;
  size_t nkeys = 0;
  const detail::TableIndex* ix = nullptr;
  std::vector<size_t> used;   // positions in the conjunction answered by the path
  std::vector<size_t> shown;  // those that explain() names (implied bounds left out)
  std::vector<IndexKey> keys;
  std::optional<KeyBound> lower, upper;
  bool reverse = false;
};

bool better(const Candidate& a, const Candidate& b) {
  if (a.cls != b.cls) return a.cls < b.cls;
  if (a.gives_order != b.gives_order) return a.gives_order;
  if (a.eq_cols != b.eq_cols) return a.eq_cols > b.eq_cols;
  if (a.bounds != b.bounds) return a.bounds > b.bounds;
  return a.nkeys < b.nkeys;
}

class Planner {
 public:
  Planner(const detail::TableState& t, const std::vector<BoundNode>& conj, std::vector<SortKey> order)
      : t_(t), conj_(conj), order_(std::move(order)) {}

  Candidate choose() {
    Candidate best;
    best.gives_order = order_.empty();
    consider(best, primary_key());
    for (const auto& ix : t_.indexes) {
      consider(best, lookup(ix));
      if (ix.index->ordered()) consider(best, range(ix));
    }
    return best;
  }

 private:
  static void consider(Candidate& best, std::optional<Candidate> c) {
    if (c && better(*c, best)) best = std::move(*c);
  }

  const Leaf* leaf_at(size_t i) const {
    return conj_[i].kind == BoundNode::Kind::kLeaf ? &conj_[i].leaf : nullptr;
  }

  // The equality on col with the fewest values.
  std::optional<size_t> best_equality(size_t col, bool allow_null, bool single) const {
    std::optional<size_t> pick;
    for (size_t i = 0; i < conj_.size(); ++i) {
      const Leaf* l = leaf_at(i);
      if (!l || l->col != col || !l->is_equality()) continue;
      if ((!allow_null && l->kind == LeafKind::kIsNull) || (single && l->kind == LeafKind::kIn)) continue;
      if (!pick || l->equality_count() < leaf_at(*pick)->equality_count()) pick = i;
    }
    return pick;
  }

  // True (and sets reverse) when the order is cols[from, from + n) in one direction.
  bool order_matches(const std::vector<size_t>& cols, size_t from, bool& reverse) const {
    if (order_.empty()) return true;
    if (from + order_.size() > cols.size()) return false;
    for (size_t i = 0; i < order_.size(); ++i)
      if (order_[i].col != cols[from + i] || order_[i].descending != order_[0].descending) return false;
    reverse = order_[0].descending;
    return true;
  }

  std::optional<Candidate> primary_key() const {
    const size_t pk = t_.schema->primary_key();
    auto eq = best_equality(pk, false, false);
    if (!eq) return std::nullopt;
    Candidate c;
    c.access = Access::kPrimaryKey;
    c.cls = 0;
    c.eq_cols = 1;
    c.used = c.shown = {*eq};
    const Leaf& l = *leaf_at(*eq);
    if (l.kind == LeafKind::kIn) for (const auto& v : l.set) c.keys.push_back({v});
    else c.keys.push_back({l.value});
    c.nkeys = c.keys.size();
    // Keys are in ascending order, and each finds at most one row.
    c.gives_order = c.nkeys == 1 || order_matches({pk}, 0, c.reverse);
    if (c.reverse) std::reverse(c.keys.begin(), c.keys.end());
    c.reverse = false;
    return c;
  }

  std::optional<Candidate> lookup(const detail::TableIndex& ix) const {
    Candidate c;
    c.access = Access::kIndexLookup;
    c.ix = &ix;
    bool has_null = false;
    size_t product = 1;
    std::vector<const Leaf*> parts;
    for (size_t col : ix.cols) {
      auto eq = best_equality(col, true, false);
      if (!eq) return std::nullopt;
      const Leaf* l = leaf_at(*eq);
      has_null = has_null || l->kind == LeafKind::kIsNull;
      product *= l->equality_count();
      if (product > kMaxLookupKeys) return std::nullopt;
      c.used.push_back(*eq);
      parts.push_back(l);
    }
    // Every combination of the columns' values, in ascending key order.
    c.keys.assign(1, IndexKey());
    for (const Leaf* l : parts) {
      std::vector<IndexKey> next;
      for (const auto& k : c.keys) {
        if (l->kind == LeafKind::kIn) {
          for (const auto& v : l->set) next.push_back(k), next.back().push_back(v);
        } else {
          next.push_back(k);
          next.back().push_back(l->kind == LeafKind::kIsNull ? Value() : l->value);
        }
      }
      c.keys = std::move(next);
    }
    c.shown = c.used;
    const bool unique = ix.def.unique && !has_null;
    c.cls = unique ? 1 : 2;
    c.eq_cols = ix.cols.size();
    c.nkeys = c.keys.size();
    c.gives_order = order_.empty() || (unique && c.nkeys == 1);
    return c;
  }

  // An equality prefix, then bounds on the next column, on an ordered index.
  std::optional<Candidate> range(const detail::TableIndex& ix) const {
    Candidate c;
    c.ix = &ix;
    IndexKey prefix;
    size_t k = 0;
    for (; k < ix.cols.size(); ++k) {
      auto eq = best_equality(ix.cols[k], true, true);
      if (!eq) break;
      const Leaf* l = leaf_at(*eq);
      prefix.push_back(l->kind == LeafKind::kIsNull ? Value() : l->value);
      c.used.push_back(*eq);
    }
    if (k == ix.cols.size()) return std::nullopt;  // a lookup does this
    const size_t col = ix.cols[k];
    std::optional<size_t> lo, hi;
    for (size_t i = 0; i < conj_.size(); ++i) {
      const Leaf* l = leaf_at(i);
      if (!l || l->col != col) continue;
      // The tightest bound implies the others, so all of them are answered.
      if (l->is_lower()) {
        c.used.push_back(i);
        if (!lo || tighter(*l, *leaf_at(*lo), true)) lo = i;
      } else if (l->is_upper()) {
        c.used.push_back(i);
        if (!hi || tighter(*l, *leaf_at(*hi), false)) hi = i;
      }
    }
    if (k == 0 && !lo && !hi) {
      // No filter: only useful to read in ORDER BY order (LIMIT stops early).
      if (order_.empty() || !order_matches(ix.cols, 0, c.reverse)) return std::nullopt;
      c.access = Access::kIndexOrdered;
      c.cls = 5;
      c.gives_order = true;
      return c;
    }
    c.access = Access::kIndexRange;
    c.cls = k > 0 ? 3 : 4;
    c.eq_cols = k;
    c.bounds = (lo ? 1 : 0) + (hi ? 1 : 0);
    auto bound = [&](const Value& v, bool inclusive) {
      KeyBound b{prefix, inclusive};
      b.key.push_back(v);
      return b;
    };
    if (lo) c.lower = bound(leaf_at(*lo)->value, leaf_at(*lo)->op == CompareOp::kGe);
    else if (hi) c.lower = bound(Value(), false);  // NULL sorts first, and never satisfies a bound
    else c.lower = KeyBound{prefix, true};
    if (hi) c.upper = bound(leaf_at(*hi)->value, leaf_at(*hi)->op == CompareOp::kLe);
    else if (k > 0) c.upper = KeyBound{prefix, true};
    c.gives_order = order_matches(ix.cols, k, c.reverse);
    c.shown.assign(c.used.begin(), c.used.begin() + k);
    if (lo) c.shown.push_back(*lo);
    if (hi) c.shown.push_back(*hi);
    return c;
  }

  static bool tighter(const Leaf& a, const Leaf& b, bool lower) {
    auto c = compare(a.value, b.value);
    if (c != 0) return lower ? c > 0 : c < 0;
    return a.op == CompareOp::kGt || a.op == CompareOp::kLt;  // exclusive is tighter
  }

  const detail::TableState& t_;
  const std::vector<BoundNode>& conj_;
  std::vector<SortKey> order_;
};

// Applies the best access path for one conjunction to plan, the rest of
// the conjunction becoming its filter. Returns the chosen candidate.
Candidate plan_conjunction(Plan& plan, const detail::TableState& t, std::vector<BoundNode> conj,
                           const std::vector<SortKey>& order) {
  for (const auto& n : conj) {
    if (n.kind == BoundNode::Kind::kLeaf && n.leaf.kind == LeafKind::kNever) {
      plan.access = Access::kEmpty;
      plan.access_leaves.push_back(n.leaf);
      Candidate none;
      none.cls = 0;
      none.gives_order = true;
      return none;
    }
  }
  Candidate best = Planner(t, conj, order).choose();
  plan.access = best.access;
  plan.keys = std::move(best.keys);
  plan.lower = std::move(best.lower);
  plan.upper = std::move(best.upper);
  plan.reverse = best.reverse;
  if (best.ix) {
    plan.index = best.ix->index.get();
    plan.index_name = best.ix->def.name;
    plan.index_type = best.ix->def.type;
    for (size_t c : best.ix->cols) plan.index_cols.push_back(static_cast<uint32_t>(c));
  }
  for (size_t i : best.shown) plan.access_leaves.push_back(conj[i].leaf);
  std::vector<bool> used(conj.size(), false);
  for (size_t i : best.used) used[i] = true;
  for (size_t i = 0; i < conj.size(); ++i) {
    if (used[i]) continue;
    if (conj[i].kind == BoundNode::Kind::kLeaf) plan.filter.leaves.push_back(std::move(conj[i].leaf));
    else plan.filter.groups.push_back(std::move(conj[i]));
  }
  return best;
}

// A top-level OR whose every branch can use an index: each branch in turn,
// skipping rows an earlier branch matched. False when some branch would
// need a scan (one full scan is then cheaper).
bool plan_union(Plan& plan, const detail::TableState& t, const BoundNode& root) {
  constexpr int kWorstIndexedClass = 4;  // a range scan
  std::vector<BoundNode> earlier;
  for (const auto& kid : root.kids) {
    auto sub = std::make_shared<Plan>();
    sub->schema = plan.schema;
    sub->table = plan.table;
    std::vector<BoundNode> conj;
    if (kid.kind == BoundNode::Kind::kAnd) conj = kid.kids;
    else conj.push_back(kid);
    Candidate c = plan_conjunction(*sub, t, std::move(conj), {});
    if (sub->access == Access::kEmpty) {  // matches nothing
      if (plan.access_leaves.empty()) plan.access_leaves = sub->access_leaves;
      continue;
    }
    if (c.cls > kWorstIndexedClass) return false;
    sub->filter.excluded = earlier;
    earlier.push_back(kid);
    plan.branches.push_back(std::move(sub));
  }
  if (plan.branches.empty()) {
    plan.access = Access::kEmpty;
  } else if (plan.branches.size() == 1) {  // the other branches never match
    std::shared_ptr<const Plan> only = std::move(plan.branches[0]);
    plan.branches.clear();
    plan.access = only->access;
    plan.access_leaves = only->access_leaves;
    plan.index = only->index;
    plan.index_name = only->index_name;
    plan.index_type = only->index_type;
    plan.index_cols = only->index_cols;
    plan.keys = only->keys;
    plan.lower = only->lower;
    plan.upper = only->upper;
    plan.filter = only->filter;
  } else {
    plan.access = Access::kUnion;
    plan.access_leaves.clear();
  }
  return true;
}

}  // namespace

Plan make_plan(const Query::Spec& spec, const detail::TableState& t) {
  Plan plan;
  plan.schema = t.schema;
  plan.table = t.name;
  const Schema& schema = *t.schema;
  std::vector<SortKey> order = resolve_order(spec, schema, t.name);
  set_projection(plan, spec);
  plan.offset = spec.offset;
  plan.limit = spec.limit;
  std::vector<BoundNode> conj;
  if (spec.where) {
    BoundNode root = bind(*spec.where, schema, t.name);
    if (root.kind == BoundNode::Kind::kOr && plan_union(plan, t, root)) {
      plan.sort = std::move(order);
      return plan;
    }
    if (root.kind == BoundNode::Kind::kAnd) conj = std::move(root.kids);
    else conj.push_back(std::move(root));
  }
  // A column fixed by an equality is constant in the result: no need to sort on it.
  std::vector<SortKey> effective;
  for (const auto& k : order) {
    bool fixed = false;
    for (const auto& n : conj)
      fixed = fixed || (n.kind == BoundNode::Kind::kLeaf && n.leaf.col == k.col &&
                        (n.leaf.kind == LeafKind::kIsNull ||
                         (n.leaf.kind == LeafKind::kCompare && n.leaf.op == CompareOp::kEq)));
    if (!fixed) effective.push_back(k);
  }
  if (!plan_conjunction(plan, t, std::move(conj), effective).gives_order) plan.sort = std::move(effective);
  return plan;
}

}  // namespace tessera::query_detail
