// Queries over one table: predicates, ordering, paging and projection, run
// by a small planner that picks an index when one fits.
//
//   auto rows = users.query()
//                   .where("age >= 30 AND active = true")   // or Predicate objects
//                   .order_by("score", /*descending=*/true)
//                   .limit(10)
//                   .run();
//   for (const Row& r : rows) ...
//   std::cout << users.query().where("email = 'a@x'").explain();
//
// Semantics follow SQL: a comparison with NULL is never true (use IS NULL),
// != excludes NULLs, IN (...) is an OR of equalities, BETWEEN is inclusive.
// INTEGER and REAL compare by value. ORDER BY puts NULLs first ascending.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/row.h"
#include "tessera/value.h"

namespace tessera {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// An immutable predicate tree; cheap to copy.
class Predicate {
 public:
  static Predicate compare(std::string column, CompareOp op, Value value);
  static Predicate between(std::string column, Value low, Value high);  // inclusive
  static Predicate in(std::string column, std::vector<Value> values);
  static Predicate is_null(std::string column, bool negated = false);  // IS [NOT] NULL
  friend Predicate operator&&(Predicate a, Predicate b);
  friend Predicate operator||(Predicate a, Predicate b);

  // Parses the text form: comparisons (= != <> < <= > >=), BETWEEN a AND b,
  // IN (v, ...), IS [NOT] NULL, combined with AND / OR (AND binds tighter)
  // and parentheses. Values: integers, reals, 'single-quoted' or
  // "double-quoted" text, true/false, NULL. Keywords are case-insensitive.
  // Throws Error(kInvalidArgument) "at position <n>: <what>" (0-based).
  static Predicate parse(std::string_view text);

  std::string to_string() const;

  struct Node;
  explicit Predicate(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  const std::shared_ptr<const Node>& node() const { return node_; }

 private:
  std::shared_ptr<const Node> node_;
};

// Builds a query over a table; obtained from Table::query().
class Query {
 public:
  Query& where(Predicate predicate);       // ANDed with any earlier where()
  Query& where(std::string_view text);     // Predicate::parse
  Query& order_by(std::string column, bool descending = false);  // repeatable
  Query& limit(uint64_t n);
  Query& offset(uint64_t n);
  Query& select(std::vector<std::string> columns);  // projection; empty: all

  // Streams the matching rows. Unknown columns are Error(kNotFound) naming
  // table and column; a value of the wrong type for its column is
  // Error(kInvalidArgument).
  Cursor run() const;
  uint64_t count() const;
  // Runs the query and passes each result record to visit without copying
  // it when the plan needs no sort or projection (one copy otherwise).
  // Same contract as Table::for_each (tessera/database.h). Returns how many
  // records were visited.
  uint64_t for_each(RecordVisitor visit) const;
  // The chosen access path and the work left to do, one line each, e.g.
  //   index range scan: by_score (btree) on score >= 10 AND score < 20
  //   filter: active = true
  //   limit: 10
  std::string explain() const;

  struct Spec;
  explicit Query(std::shared_ptr<Spec> spec) : spec_(std::move(spec)) {}

 private:
  std::shared_ptr<Spec> spec_;
};

}  // namespace tessera
