// The changes of one transaction, validated as they are made. Every check a
// commit depends on (types, NOT NULL, lengths, primary key and UNIQUE
// conflicts) happens when the change is made, against the committed state
// plus the transaction's own changes; since writers are serialized, the
// commit itself cannot fail a constraint.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "database_impl.h"

namespace tessera::detail {

class WriteSet {
 public:
  explicit WriteSet(DatabaseImpl& db) : db_(db) {}

  Value insert(std::string_view table, Record record);
  Value insert(std::string_view table, const Fields& fields);
  bool update(std::string_view table, const Value& key, const Fields& changes);
  bool erase(std::string_view table, const Value& key);
  // The row as this transaction sees it.
  bool get(std::string_view table, const Value& key, Record& out);

  bool empty() const { return tables_.empty(); }
  // Hands the changes to the database; returns the commit's LSN (0 when
  // there was nothing to commit). REQUIRES: the writer lock.
  Lsn commit();
  void clear() { tables_.clear(); }

 private:
  TableChanges& changes_for(std::string_view table);
  // The current version of key: from this transaction's changes, else the
  // committed row. nullopt when absent.
  std::optional<RecordView> current(TableChanges& tc, const Value& key, bool& in_changes);
  void check_unique(TableChanges& tc, const Record& row, const Value* old_key);
  void stage(TableChanges& tc, const Value& key, std::optional<Record> row);
  Record from_fields(const TableState& t, const Fields& fields);

  DatabaseImpl& db_;
  std::map<std::string, TableChanges, std::less<>> tables_;
  IndexKey scratch_key_;  // reused by check_unique: no allocation per row
};

}  // namespace tessera::detail
