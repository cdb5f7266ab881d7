// A query's specification and the plan the planner makes for it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../table_state.h"
#include "bound.h"
#include "tessera/index.h"
#include "tessera/query.h"

namespace tessera {

namespace detail {
struct DatabaseImpl;
}

struct Query::Spec {
  detail::DatabaseImpl* db = nullptr;
  std::shared_ptr<detail::TableState> table;
  std::optional<Predicate> where;
  std::vector<std::pair<std::string, bool>> order;  // column, descending
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
  std::vector<std::string> columns;
};

namespace query_detail {

enum class Access { kEmpty, kPrimaryKey, kIndexLookup, kIndexRange, kIndexOrdered, kUnion, kFullScan };

struct SortKey {
  uint32_t col;
  bool descending;
};

struct Plan {
  std::shared_ptr<const Schema> schema;  // the table's
  std::string table;

  Access access = Access::kFullScan;
  std::vector<Leaf> access_leaves;  // the conditions the access path answers, for explain()
  // Index paths. The index object is checked to be still in the table before
  // each use, since it can be dropped while a cursor is open.
  const Index* index = nullptr;
  std::string index_name, index_type;
  std::vector<uint32_t> index_cols;
  std::vector<IndexKey> keys;  // lookups; primary key lookups use key[0]
  std::optional<KeyBound> lower, upper;
  bool reverse = false;

  std::vector<std::shared_ptr<const Plan>> branches;  // kUnion: one plan per OR branch

  Filter filter;                // checked on each row the access path yields
  std::vector<SortKey> sort;    // empty when the access path gives the order
  uint64_t offset = 0;
  std::optional<uint64_t> limit;
  std::vector<uint32_t> projection;  // empty: every column
  std::shared_ptr<const Schema> out_schema;

  // offset + limit when a bounded top-k sort suffices.
  std::optional<uint64_t> top_k() const {
    constexpr uint64_t kMax = uint64_t{1} << 24;  // beyond this a full sort is as good
    if (!limit || offset > kMax || *limit > kMax - offset) return std::nullopt;
    return offset + *limit;
  }
  std::string explain() const;
  void explain_access(std::string& out, const std::string& indent) const;
};

std::vector<SortKey> resolve_order(const Query::Spec& spec, const Schema& schema, const std::string& table);
// Sets projection and out_schema. REQUIRES: plan.schema and plan.table set.
void set_projection(Plan& plan, const Query::Spec& spec);

// Binds and plans spec. REQUIRES: the table loaded and its lock held (shared).
Plan make_plan(const Query::Spec& spec, const detail::TableState& table);

}  // namespace query_detail
}  // namespace tessera
