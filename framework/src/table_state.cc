#include "table_state.h"

#include <fmt/format.h>

#include <algorithm>

#include "tessera/error.h"

namespace tessera::detail {

void TableState::check_available() const {
  if (!unavailable.empty())
    throw Error(ErrorCode::kUnavailable, fmt::format("table '{}' is unavailable: {}", name, unavailable));
}

std::optional<RowId> TableState::unique_holder(const TableIndex& ix, const IndexKey& key) const {
  if (TableIndex::has_null(key)) return std::nullopt;
  std::vector<RowId> found;
  ix.index->find(key, found);
  if (found.empty()) return std::nullopt;
  return found.front();
}

namespace {
void unindex(std::vector<TableIndex>& indexes, RecordView r, RowId id, IndexKey& key) {
  for (auto& ix : indexes) {
    ix.key_of(r, key);
    ix.index->erase(key, id);
  }
}
// kept: bit i set when index i already holds this row's entry (i < 64).
void index_row(std::vector<TableIndex>& indexes, RecordView r, RowId id, IndexKey& key, const std::string& table,
               uint64_t kept = 0) {
  for (size_t i = 0; i < indexes.size(); ++i) {
    if (i < 64 && (kept >> i & 1)) continue;
    auto& ix = indexes[i];
    ix.key_of(r, key);
    if (!ix.index->insert(key, id))
      throw Error(ErrorCode::kCorruption,
                  fmt::format("table '{}', index '{}': key {} is already taken", table, ix.def.name, key[0].to_string()));
  }
}
// The same key: equal and of the same types, so the stored entry is exact.
bool same_key(const IndexKey& a, const IndexKey& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].type() != b[i].type() || compare(a[i], b[i]) != 0) return false;
  return true;
}
}  // namespace

void TableState::apply(std::vector<std::pair<Value, std::optional<Record>>>& changes) {
  IndexKey key, next;
  // An updated row keeps its slot, so an index whose key for it is
  // unchanged (say the e-mail index when only a score changes) keeps its
  // entry: no erase and insert for it.
  std::vector<uint64_t> kept(changes.size(), 0);
  if (!indexes.empty())
    for (size_t c = 0; c < changes.size(); ++c) {
      const auto& [k, row] = changes[c];
      const RowId id = pk.find(k);
      if (id == PkMap::kNone) continue;
      for (size_t i = 0; i < indexes.size(); ++i) {
        TableIndex& ix = indexes[i];
        ix.key_of(rows.row(id), key);
        if (row && i < 64) {
          ix.key_of(*row, next);
          if (same_key(key, next)) {
            kept[c] |= uint64_t{1} << i;
            continue;
          }
        }
        ix.index->erase(key, id);
      }
    }
  auto saved = std::move(indexes);  // put_row/remove_row must not touch them now
  indexes.clear();
  try {
    for (size_t c = 0; c < changes.size(); ++c) {
      auto& [k, row] = changes[c];
      if (row) {
        RowId id = put_row(std::move(*row));
        index_row(saved, rows.row(id), id, key, name, kept[c]);
      } else {
        remove_row(k);
      }
    }
  } catch (...) {
    indexes = std::move(saved);
    throw;
  }
  indexes = std::move(saved);
}

void TableState::add_index(TableIndex ix) {
  if (RowId refused = fill_index(ix); refused != PkMap::kNone)
    throw Error(ErrorCode::kConstraint, fmt::format("table '{}': cannot build unique index '{}': {}", name,
                                                    ix.def.name, describe_refusal(ix, refused)));
  indexes.push_back(std::move(ix));
}

size_t TableState::row_memory(RecordView r) const {
  size_t n = 32;  // its share of the primary-key map: 16-byte slots, kept at most 7/8 full
  for (const Value& v : r) n += v.memory_usage();
  return n;
}

void TableState::note_id(const Value& key) {
  if (key.type() == Type::kInteger && key.int_unchecked() >= next_auto_id &&
      key.int_unchecked() < INT64_MAX)
    next_auto_id = key.int_unchecked() + 1;
}

void TableState::remove_row(const Value& key) {
  RowId id = pk.find(key);
  if (id == PkMap::kNone) return;
  IndexKey scratch;
  unindex(indexes, rows.row(id), id, scratch);
  memory_bytes -= std::min(memory_bytes, row_memory(rows.row(id)));
  only_inserts = false;
  inserted_keys.clear();
  pk.erase(key);  // reads the key from the row: before the row goes
  rows.free(id);
  --live_rows;
}

RowId TableState::put_row(Record record) {
  const size_t pkc = schema->primary_key();
  note_id(record[pkc]);
  RowId id = pk.find(record[pkc]);
  bool added = id == PkMap::kNone;
  if (!added) {
    IndexKey key;
    unindex(indexes, rows.row(id), id, key);
    memory_bytes -= std::min(memory_bytes, row_memory(rows.row(id)));
    only_inserts = false;
    inserted_keys.clear();
  } else {
    if (only_inserts) inserted_keys.push_back(record[pkc]);
    ++live_rows;
  }
  memory_bytes += row_memory(record);
  if (added) id = rows.add(std::move(record));
  else rows.set(id, std::move(record));
  // After the move: the map reads the key from the row.
  if (added) pk.insert(rows.cell(id, pkc), id);
  IndexKey key;
  index_row(indexes, rows.row(id), id, key, name);
  return id;
}

void TableState::reset_rows() {
  for (auto& ix : indexes) ix.index->clear();
  rows.clear();
  pk.clear();
  live_rows = 0;
  memory_bytes = 0;
  mark_clean();
}

void TableState::mark_clean() {
  only_inserts = true;
  inserted_keys.clear();
  inserted_keys.shrink_to_fit();
}

void TableState::ensure_loaded(FileSystem& fs) {
  {
    std::shared_lock lock(mu);
    check_available();
    if (loaded) return;
  }
  std::unique_lock lock(mu);
  check_available();
  if (loaded) return;
  reset_rows();
  only_inserts = false;  // loading is not a change to track
  rows.reserve(meta.row_count);
  pk.reserve(meta.row_count);
  next_auto_id = meta.next_auto_id;
  // The indexes are filled once every row is in: an ordered one then gets
  // its entries in key order (see fill_index).
  auto detached = std::move(indexes);
  indexes.clear();
  try {
    TableFileReader reader(fs, dir, meta, codec());
    Record r;
    while (reader.next(r)) {
      const Value& key = r[schema->primary_key()];
      if (key.is_null())
        throw Error(ErrorCode::kCorruption,
                    fmt::format("table '{}': the data files hold a row whose primary key '{}' is NULL", name,
                                (*schema)[schema->primary_key()].name));
      // put_row looks the key up anyway: a second row with the same key
      // replaces the first instead of adding one.
      const uint64_t before = live_rows;
      const RowId id = put_row(std::move(r));
      if (live_rows == before)
        throw Error(ErrorCode::kCorruption, fmt::format("table '{}': the data files hold primary key {} twice", name,
                                                        rows.cell(id, schema->primary_key()).to_string()));
      r.clear();
    }
    for (TableIndex& ix : detached)
      if (RowId refused = fill_index(ix); refused != PkMap::kNone)
        throw Error(ErrorCode::kCorruption, fmt::format("table '{}': index '{}' is unique, but in the data files {}", name,
                                                        ix.def.name, describe_refusal(ix, refused)));
    indexes = std::move(detached);
  } catch (const Error& e) {
    if (indexes.empty()) indexes = std::move(detached);
    reset_rows();
    unavailable = e.what();
    throw;
  } catch (...) {  // out of memory, say: the table may be loaded again later
    if (indexes.empty()) indexes = std::move(detached);
    reset_rows();
    throw;
  }
  next_auto_id = std::max(next_auto_id, meta.next_auto_id);
  mark_clean();
  loaded = true;
}

RecordFeed TableState::feed_rows() const {
  return [this, slot = RowId{0}]() mutable -> std::optional<RecordView> {
    while (slot < rows.slots() && !rows.live(slot)) ++slot;
    if (slot == rows.slots()) return std::nullopt;
    return rows.row(slot++);
  };
}

TableMeta TableState::write_files(FileSystem& fs) const {
  TableMeta m = meta;
  m.next_auto_id = next_auto_id;
  m.row_count = live_rows;
  m.files = write_data_files(fs, dir, m, codec(), feed_rows());
  return m;
}

}  // namespace tessera::detail


namespace tessera::detail {

std::optional<TableMeta> TableState::append_files(FileSystem& fs) const {
  if (!only_inserts || compressor || !format->can_append() || meta.files.empty()) return std::nullopt;
  TableMeta m = meta;
  m.next_auto_id = next_auto_id;
  m.row_count = live_rows;
  DataFile& last = m.files.back();
  auto path = dir / last.name;
  if (fs.file_size(path) != last.bytes) return std::nullopt;
  size_t i = 0;
  RecordFeed feed = [&]() -> std::optional<RecordView> {
    while (i < inserted_keys.size()) {
      if (auto r = find(inserted_keys[i++])) return r;
    }
    return std::nullopt;
  };
  std::optional<RecordView> next = feed();
  {
    auto file = fs.open_append(path);
    FileSink sink(*file);
    auto writer = format->new_append_writer(*schema, sink);
    while (next && !(m.max_rows_per_file && last.rows >= m.max_rows_per_file) &&
           !(m.max_file_size_bytes && file->size() >= m.max_file_size_bytes)) {
      writer->write(*next);
      ++last.rows;
      next = feed();
    }
    writer->finish();
    file->sync();
    last.bytes = file->size();
    file->close();
  }
  // The checksum covers the whole file, so it is recomputed over it.
  Checksum sum;
  auto src = fs.open_read(path);
  char buf[65536];
  uint64_t total = 0;
  while (size_t n = src->read(buf, sizeof buf)) {
    sum.update(buf, n);
    total += n;
  }
  if (total != last.bytes) throw Error(ErrorCode::kIO, fmt::format("{}: size changed while appending", path.string()));
  last.checksum = sum.text();
  if (next) {
    bool first = true;
    RecordFeed rest = [&]() -> std::optional<RecordView> {
      if (first) {
        first = false;
        return next;
      }
      return feed();
    };
    auto more = write_data_files(fs, dir, m, codec(), rest);
    m.files.insert(m.files.end(), more.begin(), more.end());
  }
  return m;
}

}  // namespace tessera::detail
