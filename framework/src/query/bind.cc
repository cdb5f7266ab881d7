// Binding a Predicate to a schema, and the text of bound conditions.
#include <fmt/format.h>

#include "bound.h"
#include "predicate_node.h"
#include "tessera/error.h"
#include "tessera/text_codec.h"

namespace tessera::query_detail {

namespace {

using Node = Predicate::Node;

// The literal as a value of the column's type. INTEGER widens to REAL; text
// names a TIMESTAMP in ISO 8601; anything else must match exactly.
Value coerce(const Value& v, const Column& c, const std::string& table) {
  if (v.type() == c.type) return v;
  if (c.type == Type::kReal && v.type() == Type::kInteger) return Value(static_cast<double>(v.int_unchecked()));
  if (c.type == Type::kTimestamp && v.type() == Type::kText) {
    if (auto ts = text::parse_timestamp(v.text_unchecked())) return Value(*ts);
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("table '{}': column '{}' is TIMESTAMP, and {} is not an ISO 8601 timestamp", table, c.name,
                            literal_text(v)));
  }
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("table '{}': column '{}' is {}, and cannot be compared with {} ({})", table, c.name,
                          type_name(c.type), literal_text(v), type_name(v.type())));
}

bool less(const Value& a, const Value& b) { return compare(a, b) < 0; }

BoundNode make_leaf(Leaf l) {
  BoundNode n;
  n.leaf = std::move(l);
  return n;
}

BoundNode never(uint32_t col, std::string text) {
  Leaf l;
  l.kind = LeafKind::kNever;
  l.col = col;
  l.never_text = std::move(text);
  return make_leaf(std::move(l));
}

BoundNode compare_leaf(uint32_t col, CompareOp op, Value v) {
  Leaf l;
  l.kind = LeafKind::kCompare;
  l.col = col;
  l.op = op;
  l.value = std::move(v);
  return make_leaf(std::move(l));
}

// IN over sorted distinct values; one value is an equality.
BoundNode in_leaf(uint32_t col, std::vector<Value> set, const std::string& shown) {
  std::sort(set.begin(), set.end(), less);
  set.erase(std::unique(set.begin(), set.end(), [](const Value& a, const Value& b) { return compare(a, b) == 0; }),
            set.end());
  if (set.empty()) return never(col, shown);
  if (set.size() == 1) return compare_leaf(col, CompareOp::kEq, std::move(set[0]));
  Leaf l;
  l.kind = LeafKind::kIn;
  l.col = col;
  l.set = std::move(set);
  return make_leaf(std::move(l));
}

bool is_never(const BoundNode& n) { return n.kind == BoundNode::Kind::kLeaf && n.leaf.kind == LeafKind::kNever; }

// a = 1 OR a IN (2, 3) is a IN (1, 2, 3), which an index can look up.
bool merge_equalities(std::vector<BoundNode>& kids, BoundNode& out) {
  std::vector<Value> set;
  for (const auto& k : kids) {
    if (k.kind != BoundNode::Kind::kLeaf || !k.leaf.is_equality() || k.leaf.kind == LeafKind::kIsNull ||
        k.leaf.col != kids[0].leaf.col)
      return false;
    if (k.leaf.kind == LeafKind::kIn) set.insert(set.end(), k.leaf.set.begin(), k.leaf.set.end());
    else set.push_back(k.leaf.value);
  }
  out = in_leaf(kids[0].leaf.col, std::move(set), "");
  return true;
}

BoundNode bind_node(const Node& n, const Schema& schema, const std::string& table) {
  if (n.kind == Node::Kind::kAnd || n.kind == Node::Kind::kOr) {
    const auto kind = n.kind == Node::Kind::kAnd ? BoundNode::Kind::kAnd : BoundNode::Kind::kOr;
    std::vector<BoundNode> kids;
    for (const auto& c : n.children) {
      BoundNode k = bind_node(*c, schema, table);
      if (kind == BoundNode::Kind::kOr && is_never(k)) continue;  // contributes nothing to an OR
      if (k.kind == kind) std::move(k.kids.begin(), k.kids.end(), std::back_inserter(kids));
      else kids.push_back(std::move(k));
    }
    if (kids.empty()) return never(0, Predicate(std::make_shared<const Node>(n)).to_string());
    if (kids.size() == 1) return std::move(kids[0]);
    BoundNode out;
    if (kind == BoundNode::Kind::kOr && merge_equalities(kids, out)) return out;
    out.kind = kind;
    out.kids = std::move(kids);
    return out;
  }
  const auto col = static_cast<uint32_t>(schema.index_of(n.column, table));
  const Column& c = schema[col];
  const std::string shown = Predicate(std::make_shared<const Node>(n)).to_string();
  switch (n.kind) {
    case Node::Kind::kCompare:
      if (n.values[0].is_null()) return never(col, shown);  // nothing compares with NULL
      return compare_leaf(col, n.op, coerce(n.values[0], c, table));
    case Node::Kind::kBetween: {
      if (n.values[0].is_null() || n.values[1].is_null()) return never(col, shown);
      BoundNode out;
      out.kind = BoundNode::Kind::kAnd;
      out.kids.push_back(compare_leaf(col, CompareOp::kGe, coerce(n.values[0], c, table)));
      out.kids.push_back(compare_leaf(col, CompareOp::kLe, coerce(n.values[1], c, table)));
      return out;
    }
    case Node::Kind::kIn: {
      std::vector<Value> set;
      for (const auto& v : n.values)
        if (!v.is_null()) set.push_back(coerce(v, c, table));
      return in_leaf(col, std::move(set), shown);
    }
    case Node::Kind::kIsNull: {
      Leaf l;
      l.kind = n.negated ? LeafKind::kNotNull : LeafKind::kIsNull;
      l.col = col;
      return make_leaf(std::move(l));
    }
    default:
      break;
  }
  throw Error(ErrorCode::kInvalidArgument, "malformed predicate");
}

}  // namespace

BoundNode bind(const Predicate& p, const Schema& schema, const std::string& table) {
  return bind_node(*p.node(), schema, table);
}

namespace {
// Bound literals have their column's type already, so a REAL need not look
// like one: score >= 10 reads better than score >= 10.0.
std::string shown(const Value& v) {
  return v.type() == Type::kReal ? text::format_real(v.as_real()) : literal_text(v);
}
}  // namespace

std::string leaf_text(const Leaf& l, const Schema& schema) {
  std::string col = column_text(schema[l.col].name);
  switch (l.kind) {
    case LeafKind::kCompare: return col + " " + op_text(l.op) + " " + shown(l.value);
    case LeafKind::kIn: {
      std::string s = col + " IN (";
      for (size_t i = 0; i < l.set.size(); ++i) s += (i ? ", " : "") + shown(l.set[i]);
      return s + ")";
    }
    case LeafKind::kIsNull: return col + " IS NULL";
    case LeafKind::kNotNull: return col + " IS NOT NULL";
    case LeafKind::kNever: return l.never_text;
  }
  return "?";
}

std::string node_text(const BoundNode& n, const Schema& schema, bool inside_and) {
  if (n.kind == BoundNode::Kind::kLeaf) return leaf_text(n.leaf, schema);
  const bool is_and = n.kind == BoundNode::Kind::kAnd;
  std::string s;
  for (size_t i = 0; i < n.kids.size(); ++i)
    s += (i ? (is_and ? " AND " : " OR ") : "") + node_text(n.kids[i], schema, is_and);
  return !is_and && inside_and ? "(" + s + ")" : s;
}

}  // namespace tessera::query_detail
