// Plan helpers: ORDER BY and projection resolution, and explain().
#include <fmt/format.h>

#include "plan.h"
#include "predicate_node.h"
#include "tessera/error.h"

namespace tessera::query_detail {

namespace {

std::string filter_text(const Filter& filter, const Schema& s) {
  std::string f;
  for (const auto& l : filter.leaves) f += (f.empty() ? "" : " AND ") + leaf_text(l, s);
  const bool several = filter.leaves.size() + filter.groups.size() > 1;
  for (const auto& g : filter.groups) f += (f.empty() ? "" : " AND ") + node_text(g, s, several);
  return f;
}

}  // namespace

std::vector<SortKey> resolve_order(const Query::Spec& spec, const Schema& schema, const std::string& table) {
  std::vector<SortKey> out;
  for (const auto& [name, desc] : spec.order) {
    auto col = static_cast<uint32_t>(schema.index_of(name, table));
    bool seen = false;  // a repeated column cannot change the order
    for (const auto& k : out) seen = seen || k.col == col;
    if (!seen) out.push_back({col, desc});
  }
  return out;
}

void set_projection(Plan& plan, const Query::Spec& spec) {
  const Schema& schema = *plan.schema;
  if (spec.columns.empty()) {
    plan.out_schema = plan.schema;
    return;
  }
  bool has_key = false, identity = spec.columns.size() == schema.size();
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    auto col = static_cast<uint32_t>(schema.index_of(spec.columns[i], plan.table));
    for (uint32_t c : plan.projection)
      if (c == col)
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("table '{}': column '{}' is selected twice", plan.table, spec.columns[i]));
    plan.projection.push_back(col);
    has_key = has_key || col == schema.primary_key();
    identity = identity && col == i;
  }
  if (identity) {
    plan.projection.clear();
    plan.out_schema = plan.schema;
    return;
  }
  // A Schema has exactly one primary key: without the table's, the first
  // projected column stands in for it.
  std::vector<Column> cols;
  for (uint32_t c : plan.projection) cols.push_back(schema[c]);
  if (!has_key) cols[0].primary_key = true;
  plan.out_schema = std::make_shared<const Schema>(std::move(cols));
}

void Plan::explain_access(std::string& out, const std::string& indent) const {
  const Schema& s = *schema;
  std::string on;
  for (const auto& l : access_leaves) on += (on.empty() ? "" : " AND ") + leaf_text(l, s);
  auto line = [&](const std::string& text) { out += indent + text + "\n"; };
  switch (access) {
    case Access::kEmpty: line(fmt::format("empty result: {} is never true", on)); return;
    case Access::kPrimaryKey: line("primary key lookup on " + on); break;
    case Access::kIndexLookup: line(fmt::format("index lookup: {} ({}) on {}", index_name, index_type, on)); break;
    case Access::kIndexRange:
      line(fmt::format("index range scan: {} ({}) on {}{}", index_name, index_type, on, reverse ? " desc" : ""));
      break;
    case Access::kIndexOrdered:
      line(fmt::format("ordered index scan: {} ({}) {}", index_name, index_type, reverse ? "desc" : "asc"));
      break;
    case Access::kUnion:
      line(fmt::format("union of {} index paths:", branches.size()));
      for (const auto& b : branches) b->explain_access(out, indent + "  ");
      break;
    case Access::kFullScan: line("full scan"); break;
  }
  // A union branch's filter is indented under it; rows an earlier branch
  // found are skipped without a line.
  if (std::string f = filter_text(filter, s); !f.empty()) line((indent.empty() ? "" : "  ") + ("filter: " + f));
}

std::string Plan::explain() const {
  const Schema& s = *schema;
  std::string out;
  explain_access(out, "");
  if (access == Access::kEmpty) return out;
  auto line = [&](const std::string& text) { out += text + "\n"; };
  if (!sort.empty()) {
    std::string keys;
    for (const auto& k : sort)
      keys += (keys.empty() ? "" : ", ") + column_text(s[k.col].name) + (k.descending ? " desc" : " asc");
    if (auto k = top_k()) keys += fmt::format(" (top {})", *k);
    line("sort: " + keys);
  }
  if (offset) line(fmt::format("offset: {}", offset));
  if (limit) line(fmt::format("limit: {}", *limit));
  if (!projection.empty()) {
    std::string cols;
    for (uint32_t c : projection) cols += (cols.empty() ? "" : ", ") + column_text(s[c].name);
    line("project: " + cols);
  }
  return out;
}

}  // namespace tessera::query_detail
