// Predicate trees: builders, AND/OR composition and the canonical text form.
#include <cctype>

#include "predicate_node.h"
#include "tessera/text_codec.h"

namespace tessera {

namespace {

using Node = Predicate::Node;

Predicate leaf(Node n) { return Predicate(std::make_shared<const Node>(std::move(n))); }

// AND of AND (or OR of OR) is kept flat, so the planner sees one list.
Predicate combine(Node::Kind kind, const Predicate& a, const Predicate& b) {
  Node n;
  n.kind = kind;
  for (const Predicate* p : {&a, &b}) {
    if (p->node()->kind == kind) n.children.insert(n.children.end(), p->node()->children.begin(), p->node()->children.end());
    else n.children.push_back(p->node());
  }
  return leaf(std::move(n));
}

bool is_keyword(std::string_view s) {
  static const char* const kWords[] = {"and", "or", "between", "in", "is", "not", "null", "true", "false"};
  for (const char* w : kWords) {
    std::string_view k(w);
    if (s.size() != k.size()) continue;
    bool same = true;
    for (size_t i = 0; i < s.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(s[i])) == k[i];
    if (same) return true;
  }
  return false;
}

void append(std::string& out, const Node& n, bool inside_and) {
  using query_detail::column_text;
  using query_detail::literal_text;
  switch (n.kind) {
    case Node::Kind::kCompare:
      out += column_text(n.column) + " " + query_detail::op_text(n.op) + " " + literal_text(n.values[0]);
      return;
    case Node::Kind::kBetween:
      out += column_text(n.column) + " BETWEEN " + literal_text(n.values[0]) + " AND " + literal_text(n.values[1]);
      return;
    case Node::Kind::kIn: {
      out += column_text(n.column) + " IN (";
      for (size_t i = 0; i < n.values.size(); ++i) out += (i ? ", " : "") + literal_text(n.values[i]);
      out += ")";
      return;
    }
    case Node::Kind::kIsNull:
      out += column_text(n.column) + (n.negated ? " IS NOT NULL" : " IS NULL");
      return;
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      const bool is_and = n.kind == Node::Kind::kAnd;
      const bool parens = !is_and && inside_and;  // AND binds tighter than OR
      if (parens) out += "(";
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += is_and ? " AND " : " OR ";
        append(out, *n.children[i], is_and);
      }
      if (parens) out += ")";
      return;
    }
  }
}

}  // namespace

namespace query_detail {

std::string literal_text(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return "NULL";
    case Type::kBoolean: return v.as_bool() ? "true" : "false";
    case Type::kInteger: return std::to_string(v.int_unchecked());
    case Type::kReal: {
      std::string s = text::format_real(v.as_real());
      if (s.find_first_of(".eEnN") == std::string::npos) s += ".0";  // stays a REAL when read back
      return s;
    }
    case Type::kText: {
      std::string out = "'";
      for (char c : v.text_unchecked()) {
        if (c == '\'') out += '\'';
        out += c;
      }
      return out + "'";
    }
    case Type::kBlob: {
      static const char kHex[] = "0123456789abcdef";
      std::string out = "x'";
      for (uint8_t b : v.as_blob()) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
      }
      return out + "'";
    }
    case Type::kTimestamp: return "'" + text::format_timestamp(v.as_timestamp()) + "'";
  }
  return "?";
}

std::string column_text(std::string_view name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) && !is_keyword(name);
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (plain) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

const char* op_text(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

}  // namespace query_detail

Predicate Predicate::compare(std::string column, CompareOp op, Value value) {
  Node n;
  n.kind = Node::Kind::kCompare;
  n.op = op;
  n.column = std::move(column);
  n.values.push_back(std::move(value));
  return leaf(std::move(n));
}

Predicate Predicate::between(std::string column, Value low, Value high) {
  Node n;
  n.kind = Node::Kind::kBetween;
  n.column = std::move(column);
  n.values = {std::move(low), std::move(high)};
  return leaf(std::move(n));
}

Predicate Predicate::in(std::string column, std::vector<Value> values) {
  Node n;
  n.kind = Node::Kind::kIn;
  n.column = std::move(column);
  n.values = std::move(values);
  return leaf(std::move(n));
}

Predicate Predicate::is_null(std::string column, bool negated) {
  Node n;
  n.kind = Node::Kind::kIsNull;
  n.column = std::move(column);
  n.negated = negated;
  return leaf(std::move(n));
}

Predicate operator&&(Predicate a, Predicate b) { return combine(Predicate::Node::Kind::kAnd, a, b); }
Predicate operator||(Predicate a, Predicate b) { return combine(Predicate::Node::Kind::kOr, a, b); }

std::string Predicate::to_string() const {
  std::string out;
  append(out, *node_, false);
  return out;
}

}  // namespace tessera
