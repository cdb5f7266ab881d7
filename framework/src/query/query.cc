// Query: the builder, run/count/explain, and the Table entry points
// Table::query(), get_by(), read_by() and for_each().
#include <fmt/format.h>

#include <mutex>
#include <shared_mutex>

#include "../database_impl.h"
#include "plan.h"
#include "result_cursor.h"
#include "row_prefetch.h"
#include "tessera/database.h"
#include "tessera/error.h"

namespace tessera {

namespace {

using query_detail::Plan;

// Plans under the table's shared lock (the index list must not change
// meanwhile); the plan then lives as long as the cursor.
std::shared_ptr<const Plan> plan_for(const Query::Spec& s) {
  s.db->check_open();
  s.table->ensure_loaded(*s.db->fs);
  std::shared_lock lock(s.table->mu);
  return std::make_shared<const Plan>(query_detail::make_plan(s, *s.table));
}

// Copy on write: a copied Query shares its spec until one of them changes.
Query::Spec& own(std::shared_ptr<Query::Spec>& spec) {
  if (spec.use_count() > 1) spec = std::make_shared<Query::Spec>(*spec);
  return *spec;
}

}  // namespace

Query& Query::where(Predicate predicate) {
  Spec& s = own(spec_);
  if (s.where) s.where = *s.where && std::move(predicate);
  else s.where = std::move(predicate);
  return *this;
}

Query& Query::where(std::string_view text) { return where(Predicate::parse(text)); }

Query& Query::order_by(std::string column, bool descending) {
  Spec& s = own(spec_);
  s.order.emplace_back(std::move(column), descending);
  return *this;
}

Query& Query::limit(uint64_t n) {
  Spec& s = own(spec_);
  s.limit = n;
  return *this;
}

Query& Query::offset(uint64_t n) {
  Spec& s = own(spec_);
  s.offset = n;
  return *this;
}

Query& Query::select(std::vector<std::string> columns) {
  Spec& s = own(spec_);
  s.columns = std::move(columns);
  return *this;
}

Cursor Query::run() const {
  auto plan = plan_for(*spec_);
  auto source = query_detail::open_access(plan, spec_->table);
  return Cursor(plan->out_schema, query_detail::make_result_cursor(plan, std::move(source)));
}

uint64_t Query::for_each(RecordVisitor visit) const {
  auto plan = plan_for(*spec_);
  if (!plan->sort.empty() || !plan->projection.empty()) {  // the cursor makes the records
    Cursor cursor(plan->out_schema,
                  query_detail::make_result_cursor(plan, query_detail::open_access(plan, spec_->table)));
    Record r;
    uint64_t n = 0;
    for (; cursor.next(r); ++n) visit(r);
    return n;
  }
  auto source = query_detail::open_access(plan, spec_->table);
  return query_detail::visit_rows(*plan, *source, visit);
}

uint64_t Query::count() const {
  auto plan = plan_for(*spec_);
  if (plan->access == query_detail::Access::kFullScan && plan->filter.empty()) {
    std::shared_lock lock(spec_->table->mu);
    uint64_t n = spec_->table->live_rows;
    n = n > plan->offset ? n - plan->offset : 0;
    return plan->limit ? std::min(n, *plan->limit) : n;
  }
  auto source = query_detail::open_access(plan, spec_->table);
  return query_detail::count_rows(*plan, *source);
}

std::string Query::explain() const { return plan_for(*spec_)->explain(); }

Query Table::query() const {
  auto spec = std::make_shared<Query::Spec>();
  spec->db = db_;
  spec->table = state_;
  return Query(std::move(spec));
}

namespace {

// The row whose `column` holds value, through the primary key or the unique
// index on exactly that column. REQUIRES: t.mu held, t loaded.
std::optional<RecordView> find_unique(const detail::TableState& t, std::string_view column, const Value& value) {
  const Schema& schema = *t.schema;
  const size_t col = schema.index_of(column, t.name);
  if (col == schema.primary_key()) return t.find(value);
  const detail::TableIndex* unique = nullptr;
  for (const auto& ix : t.indexes)
    if (ix.def.unique && ix.cols.size() == 1 && ix.cols[0] == col) unique = &ix;
  if (!unique)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("table '{}': column '{}' has no unique index; get_by and read_by need one "
                            "(or the primary key)",
                            t.name, column));
  if (value.is_null()) return std::nullopt;  // NULLs are not unique; none is "the" row
  // Reused across calls: a lookup allocates nothing.
  thread_local IndexKey key(1);
  thread_local std::vector<RowId> found;
  key.resize(1);
  key[0] = value;
  found.clear();
  unique->index->find(key, found);
  if (found.empty()) return std::nullopt;
  t.rows.prefetch(found.front());
  return t.rows.row(found.front());
}

}  // namespace

bool Table::get_by(std::string_view column, const Value& value, Record& out) const {
  db_->check_open();
  auto lock = state_->lock_loaded(*db_->fs);
  auto row = find_unique(*state_, column, value);
  if (!row) return false;
  out.assign(row->begin(), row->end());
  return true;
}

bool Table::read_by(std::string_view column, const Value& value, RecordVisitor visit) const {
  db_->check_open();
  auto lock = state_->lock_loaded(*db_->fs);
  auto row = find_unique(*state_, column, value);
  if (!row) return false;
  visit(*row);
  return true;
}

uint64_t Table::for_each(RecordVisitor visit) const { return query().for_each(visit); }

}  // namespace tessera
