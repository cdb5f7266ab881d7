// A transaction's uncommitted rows for one table, and the UNIQUE values
// those rows claim.
//
// Both are PositionTables over one vector of entries: a key (or a claimed
// value) is stored once, in its staged row, and a staged row costs no
// allocation beyond its record. A bulk load of a million rows used to spend
// a third of its time allocating, hashing into and freeing the nodes of two
// node-based maps that each held another copy of every key.
//
// Thread safety: none; a write set belongs to one writer.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "position_table.h"
#include "tessera/value.h"

namespace tessera::detail {

// The final state of every key touched (nullopt: deleted), kept in the
// order the keys were first touched, so that a bulk insert in key order is
// applied, and later saved, in key order: scans then read rows in key order
// and a key lookup can find row ids that follow keys.
class StagedRows {
 public:
  using Entry = std::pair<Value, std::optional<Record>>;  // nullopt: deleted
  static constexpr size_t kNone = PositionTable::kNone;

  // The position of key's entry, or kNone when key was not touched.
  size_t position(const Value& key) const {
    return index_.find(key.hash(), [&](uint64_t pos) { return entries_[pos].first == key; });
  }
  // The staged version of key, or null when key was not touched.
  Entry* find(const Value& key) {
    const size_t pos = position(key);
    return pos == kNone ? nullptr : &entries_[pos];
  }
  bool contains(const Value& key) const { return position(key) != kNone; }
  // Stages row (nullopt: a delete) as key's final state and returns its
  // position. The version it replaces, if any, is moved to *replaced.
  size_t put(const Value& key, std::optional<Record> row, std::optional<Record>* replaced = nullptr) {
    const uint64_t hash = key.hash();
    size_t pos = index_.find(hash, [&](uint64_t p) { return entries_[p].first == key; });
    if (pos != kNone) {
      if (replaced) *replaced = std::move(entries_[pos].second);
      entries_[pos].second = std::move(row);
      return pos;
    }
    pos = entries_.size();
    entries_.emplace_back(key, std::move(row));
    index_.insert(hash, pos);
    return pos;
  }
  const Entry& at(size_t pos) const { return entries_[pos]; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  // Hands the entries over; the staged rows are empty afterwards.
  std::vector<Entry> release() {
    index_.clear();
    return std::move(entries_);
  }

 private:
  std::vector<Entry> entries_;
  PositionTable index_;
};

// For one unique index: which staged row claims each value (over the
// index's columns). A claim is found from any record holding the same
// values; only staged rows that exist (not deletes) and hold no NULL in
// those columns claim anything. Every lookup compares the claiming row's
// current values, so a claim left behind by a row since replaced is never
// taken for a live one; releasing claims only keeps the table small.
class StagedClaims {
  // Defined first: the members below deduce their return types from them.
  // As IndexKeyHash over the index's columns.
  uint64_t hash(RecordView r) const {
    uint64_t h = 0x84222325;
    for (size_t c : cols_) h = (h ^ r[c].hash()) * 0x100000001b3ULL;
    return h;
  }
  auto same_as(RecordView r, const StagedRows& rows) const {
    return [this, r, &rows](uint64_t pos) {
      const auto& other = rows.at(pos).second;
      if (!other) return false;
      for (size_t c : cols_)
        if (!((*other)[c] == r[c])) return false;
      return true;
    };
  }

 public:
  explicit StagedClaims(std::vector<size_t> columns) : cols_(std::move(columns)) {}

  // The position of the staged row claiming r's values, or kNone.
  size_t holder(RecordView r, const StagedRows& rows) const { return table_.find(hash(r), same_as(r, rows)); }
  // Records that the staged row at pos claims its values (replacing any
  // earlier claim of them). REQUIRES: rows.at(pos) holds a record.
  void claim(size_t pos, const StagedRows& rows) {
    RecordView r = *rows.at(pos).second;
    const uint64_t h = hash(r);
    table_.erase(h, same_as(r, rows));
    table_.insert(h, pos);
  }
  // Drops the claim the staged row at pos made with record claimed, if any.
  void release(size_t pos, RecordView claimed) {
    table_.erase(hash(claimed), [&](uint64_t p) { return p == pos; });
  }

 private:
  std::vector<size_t> cols_;
  PositionTable table_;
};

}  // namespace tessera::detail
