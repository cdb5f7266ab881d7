// Table handle calls: each write is a transaction of its own.
#include <fmt/format.h>

#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"
#include "write_set.h"

namespace tessera {

namespace {

template <class F>
auto single_write(detail::DatabaseImpl* db, F&& op) {
  db->check_open();
  detail::Lsn lsn;
  decltype(op(std::declval<detail::WriteSet&>())) result;
  {
    detail::WriterLock writer(*db);
    db->check_writable();
    detail::WriteSet writes(*db);
    result = op(writes);
    lsn = writes.commit();
  }
  db->finish_commit(lsn);  // outside the writer lock: committers share a sync
  return result;
}

}  // namespace

const std::string& Table::name() const { return state_->name; }
const Schema& Table::schema() const { return *state_->schema; }

Value Table::insert(const Fields& fields) {
  return single_write(db_, [&](detail::WriteSet& w) { return w.insert(state_->name, fields); });
}

Value Table::insert_record(Record record) {
  return single_write(db_, [&](detail::WriteSet& w) { return w.insert(state_->name, std::move(record)); });
}

bool Table::get(const Value& key, Record& out) const {
  db_->check_open();
  auto lock = state_->lock_loaded(*db_->fs);
  auto r = state_->find(key);
  if (!r) return false;
  out.assign(r->begin(), r->end());
  return true;
}

bool Table::read(const Value& key, RecordVisitor visit) const {
  db_->check_open();
  auto lock = state_->lock_loaded(*db_->fs);
  auto r = state_->find(key);
  if (!r) return false;
  visit(*r);
  return true;
}

std::optional<Row> Table::get(const Value& key) const {
  Record r;
  if (!get(key, r)) return std::nullopt;
  return Row(state_->schema, std::move(r));
}

bool Table::update(const Value& key, const Fields& changes) {
  return single_write(db_, [&](detail::WriteSet& w) { return w.update(state_->name, key, changes); });
}

bool Table::erase(const Value& key) {
  return single_write(db_, [&](detail::WriteSet& w) { return w.erase(state_->name, key); });
}

// A query with no condition: its full scan copies rows out in batches, one
// lock hold per batch.
Cursor Table::scan() const { return query().run(); }

uint64_t Table::size() const {
  db_->check_open();
  auto lock = state_->lock_loaded(*db_->fs);
  return state_->live_rows;
}

}  // namespace tessera
