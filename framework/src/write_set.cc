#include "write_set.h"

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

TableChanges& WriteSet::changes_for(std::string_view table) {
  auto it = tables_.find(table);
  if (it != tables_.end()) return it->second;
  auto state = db_.usable_table(table);
  TableChanges tc;
  tc.table = state;
  for (const TableIndex& ix : state->indexes) tc.unique_claims.emplace_back(ix.cols);
  return tables_.emplace(std::string(table), std::move(tc)).first->second;
}

std::optional<RecordView> WriteSet::current(TableChanges& tc, const Value& key, bool& in_changes) {
  auto* staged = tc.rows.find(key);
  in_changes = staged != nullptr;
  if (in_changes) return staged->second ? std::optional<RecordView>(*staged->second) : std::nullopt;
  std::shared_lock lock(tc.table->mu);
  return tc.table->find(key);  // stable: only writers change rows, and we are the writer
}

bool WriteSet::get(std::string_view table, const Value& key, Record& out) {
  auto it = tables_.find(table);
  if (it == tables_.end()) {
    auto state = db_.usable_table(table);
    std::shared_lock lock(state->mu);
    auto r = state->find(key);
    if (r) out.assign(r->begin(), r->end());
    return r.has_value();
  }
  bool in_changes;
  auto r = current(it->second, key, in_changes);
  if (r) out.assign(r->begin(), r->end());
  return r.has_value();
}

Record WriteSet::from_fields(const TableState& t, const Fields& fields) {
  const Schema& s = *t.schema;
  Record r(s.size());
  std::vector<bool> given(s.size(), false);
  for (const auto& [name, value] : fields) {
    size_t i = s.index_of(name, t.name);
    if (given[i])
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("table '{}': column '{}' is given twice", t.name, name));
    given[i] = true;
    r[i] = value;
  }
  for (size_t i = 0; i < s.size(); ++i)
    if (!given[i] && s[i].default_value) r[i] = *s[i].default_value;
  return r;
}

namespace {
std::string describe_key(const TableState& t, const TableIndex& ix, const IndexKey& key) {
  if (key.size() == 1)
    return fmt::format("table '{}', column '{}': value {}", t.name, ix.def.columns[0], key[0].to_string());
  std::string cols, vals;
  for (size_t i = 0; i < key.size(); ++i) {
    cols += (i ? ", " : "") + ix.def.columns[i];
    vals += (i ? ", " : "") + key[i].to_string();
  }
  return fmt::format("table '{}', index '{}' ({}): value ({})", t.name, ix.def.name, cols, vals);
}
}  // namespace

void WriteSet::check_unique(TableChanges& tc, const Record& row, const Value* old_key) {
  const TableState& t = *tc.table;
  const Value& key = row[t.schema->primary_key()];
  auto is_self = [&](const Value& other) { return other == key || (old_key && other == *old_key); };
  for (size_t i = 0; i < t.indexes.size(); ++i) {
    const TableIndex& ix = t.indexes[i];
    if (!ix.def.unique) continue;
    ix.key_of(row, scratch_key_);
    if (TableIndex::has_null(scratch_key_)) continue;
    std::optional<Value> holder;
    if (size_t pos = tc.unique_claims[i].holder(row, tc.rows);
        pos != StagedRows::kNone && !is_self(tc.rows.at(pos).first)) {
      holder = tc.rows.at(pos).first;
    } else {
      std::shared_lock lock(t.mu);
      if (auto rid = t.unique_holder(ix, scratch_key_)) {
        const Value& other = t.rows.cell(*rid, t.schema->primary_key());
        // A committed row this transaction changed no longer holds its old
        // key (its new one, if any, is among the claims).
        if (!is_self(other) && !tc.rows.contains(other)) holder = other;
      }
    }
    if (holder)
      throw Error(ErrorCode::kConstraint, fmt::format("{} is already used by the row with key {}",
                                                      describe_key(t, ix, scratch_key_), holder->to_string()));
  }
}

void WriteSet::stage(TableChanges& tc, const Value& key, std::optional<Record> row) {
  const auto& indexes = tc.table->indexes;
  auto unique_with_values = [&](size_t i, const Record& r) {
    if (!indexes[i].def.unique) return false;
    for (size_t c : indexes[i].cols)
      if (r[c].is_null()) return false;  // NULLs claim nothing
    return true;
  };
  std::optional<Record> replaced;
  const size_t pos = tc.rows.put(key, std::move(row), &replaced);
  if (replaced)  // the claims of the version replaced go
    for (size_t i = 0; i < indexes.size(); ++i)
      if (unique_with_values(i, *replaced)) tc.unique_claims[i].release(pos, *replaced);
  if (const auto& staged = tc.rows.at(pos).second)
    for (size_t i = 0; i < indexes.size(); ++i)
      if (unique_with_values(i, *staged)) tc.unique_claims[i].claim(pos, tc.rows);
}

Value WriteSet::insert(std::string_view table, const Fields& fields) {
  TableChanges& tc = changes_for(table);
  return insert(table, from_fields(*tc.table, fields));
}

Value WriteSet::insert(std::string_view table, Record record) {
  TableChanges& tc = changes_for(table);
  TableState& t = *tc.table;
  const Schema& s = *t.schema;
  if (record.size() != s.size())
    throw Error(ErrorCode::kInvalidArgument, fmt::format("table '{}': a record of {} values for {} columns",
                                                         t.name, record.size(), s.size()));
  const size_t pkc = s.primary_key();
  bool assigned = false;
  if (record[pkc].is_null() && s[pkc].auto_increment) {
    if (t.next_auto_id == INT64_MAX)
      throw Error(ErrorCode::kConstraint, fmt::format("table '{}': auto-increment ids are exhausted", t.name));
    record[pkc] = Value(t.next_auto_id);
    assigned = true;
  }
  for (size_t i = 0; i < s.size(); ++i) s.check_value(t.name, i, record[i]);
  const Value& key = record[pkc];
  bool in_changes;
  if (current(tc, key, in_changes))
    throw Error(ErrorCode::kConstraint, fmt::format("table '{}', column '{}': duplicate primary key {}",
                                                    t.name, s[pkc].name, key.to_string()));
  check_unique(tc, record, nullptr);
  // Ids handed out are never handed out again, even if this transaction
  // rolls back or the row is deleted.
  if (assigned) ++t.next_auto_id;
  else t.note_id(key);
  Value result = key;
  stage(tc, result, std::move(record));
  return result;
}

bool WriteSet::update(std::string_view table, const Value& key, const Fields& changes) {
  TableChanges& tc = changes_for(table);
  TableState& t = *tc.table;
  const Schema& s = *t.schema;
  bool in_changes;
  auto old = current(tc, key, in_changes);
  if (!old) return false;
  Record row(old->begin(), old->end());
  for (const auto& [name, value] : changes) row[s.index_of(name, t.name)] = value;
  for (size_t i = 0; i < s.size(); ++i) s.check_value(t.name, i, row[i]);
  const Value& new_key = row[s.primary_key()];
  bool key_changed = new_key != key;
  if (key_changed && current(tc, new_key, in_changes))
    throw Error(ErrorCode::kConstraint, fmt::format("table '{}', column '{}': duplicate primary key {}",
                                                    t.name, s[s.primary_key()].name, new_key.to_string()));
  check_unique(tc, row, &key);
  if (key_changed) {
    t.note_id(new_key);
    Value nk = new_key;
    stage(tc, key, std::nullopt);
    stage(tc, nk, std::move(row));
  } else {
    stage(tc, key, std::move(row));
  }
  return true;
}

bool WriteSet::erase(std::string_view table, const Value& key) {
  TableChanges& tc = changes_for(table);
  bool in_changes;
  if (!current(tc, key, in_changes)) return false;
  stage(tc, key, std::nullopt);
  return true;
}

Lsn WriteSet::commit() {
  std::vector<TableChanges> changes;
  changes.reserve(tables_.size());
  for (auto& [name, tc] : tables_)
    if (!tc.rows.empty()) changes.push_back(std::move(tc));
  tables_.clear();
  return changes.empty() ? 0 : db_.commit(changes);
}

}  // namespace tessera::detail
