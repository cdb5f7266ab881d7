// The node behind tessera::Predicate, and the text forms shared by
// Predicate::to_string, the parser and explain().
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/query.h"

namespace tessera {

struct Predicate::Node {
  enum class Kind : uint8_t { kCompare, kBetween, kIn, kIsNull, kAnd, kOr };
  Kind kind = Kind::kCompare;
  CompareOp op = CompareOp::kEq;  // kCompare
  bool negated = false;           // kIsNull: IS NOT NULL
  std::string column;             // leaves
  std::vector<Value> values;      // kCompare: 1; kBetween: low, high; kIn: the list
  std::vector<std::shared_ptr<const Node>> children;  // kAnd / kOr: two or more, never nested alike
};

namespace query_detail {

// A literal as the parser reads it back: 'text' (quotes doubled), x'00ff',
// reals always with a '.' or exponent, timestamps as quoted ISO 8601 text.
std::string literal_text(const Value& v);
// The column name, in backquotes when it is not a plain identifier or
// could be read as a keyword.
std::string column_text(std::string_view name);
const char* op_text(CompareOp op);

}  // namespace query_detail
}  // namespace tessera
