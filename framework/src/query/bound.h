// Predicates bound to a table's schema: column names resolved to positions,
// literals converted to their column's type, BETWEEN split into two bounds,
// IN lists sorted. Evaluated by a switch per leaf, with no virtual calls.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tessera/query.h"
#include "tessera/schema.h"

namespace tessera::query_detail {

enum class LeafKind : uint8_t { kCompare, kIn, kIsNull, kNotNull, kNever };

struct Leaf {
  LeafKind kind = LeafKind::kNever;
  CompareOp op = CompareOp::kEq;
  uint32_t col = 0;
  Value value;              // kCompare: never NULL
  std::vector<Value> set;   // kIn: sorted, distinct, no NULL, two or more
  std::string never_text;   // kNever: what the user wrote, for explain()

  bool test(RecordView r) const {
    const Value& x = r[col];
    switch (kind) {
      case LeafKind::kIsNull: return x.is_null();
      case LeafKind::kNotNull: return !x.is_null();
      case LeafKind::kNever: return false;
      case LeafKind::kIn:
        return !x.is_null() && std::binary_search(set.begin(), set.end(), x,
                                                  [](const Value& a, const Value& b) { return compare(a, b) < 0; });
      case LeafKind::kCompare: {
        if (x.is_null()) return false;
        auto c = compare(x, value);
        switch (op) {
          case CompareOp::kEq: return c == 0;
          case CompareOp::kNe: return c != 0;
          case CompareOp::kLt: return c < 0;
          case CompareOp::kLe: return c <= 0;
          case CompareOp::kGt: return c > 0;
          case CompareOp::kGe: return c >= 0;
        }
      }
    }
    return false;
  }
  // An equality the planner can use as an index key: = v, IN (...), IS NULL.
  bool is_equality() const {
    return (kind == LeafKind::kCompare && op == CompareOp::kEq) || kind == LeafKind::kIn || kind == LeafKind::kIsNull;
  }
  size_t equality_count() const { return kind == LeafKind::kIn ? set.size() : 1; }
  bool is_lower() const { return kind == LeafKind::kCompare && (op == CompareOp::kGt || op == CompareOp::kGe); }
  bool is_upper() const { return kind == LeafKind::kCompare && (op == CompareOp::kLt || op == CompareOp::kLe); }
};

// AND / OR of leaves; a leaf when kind is kLeaf.
struct BoundNode {
  enum class Kind : uint8_t { kLeaf, kAnd, kOr };
  Kind kind = Kind::kLeaf;
  Leaf leaf;
  std::vector<BoundNode> kids;

  bool test(RecordView r) const {
    switch (kind) {
      case Kind::kLeaf: return leaf.test(r);
      case Kind::kAnd:
        for (const auto& k : kids)
          if (!k.test(r)) return false;
        return true;
      case Kind::kOr:
        for (const auto& k : kids)
          if (k.test(r)) return true;
        return false;
    }
    return false;
  }
};

// The work left after the access path: a conjunction of leaves, checked in
// a flat loop, and of OR groups; in a union, rows that match an earlier
// branch (excluded) are skipped.
struct Filter {
  std::vector<Leaf> leaves;
  std::vector<BoundNode> groups;
  std::vector<BoundNode> excluded;

  bool empty() const { return leaves.empty() && groups.empty() && excluded.empty(); }
  bool matches(RecordView r) const {
    for (const auto& l : leaves)
      if (!l.test(r)) return false;
    for (const auto& g : groups)
      if (!g.test(r)) return false;
    for (const auto& e : excluded)
      if (e.test(r)) return false;
    return true;
  }
};

// Throws Error(kNotFound) for an unknown column, Error(kInvalidArgument)
// for a literal that does not fit its column.
BoundNode bind(const Predicate& p, const Schema& schema, const std::string& table);

std::string leaf_text(const Leaf& l, const Schema& schema);
std::string node_text(const BoundNode& n, const Schema& schema, bool inside_and = false);

}  // namespace tessera::query_detail
