// Opening replays the write-ahead log from the last checkpoint: each commit
// is reapplied to the tables it touched. A torn tail (the writer died in the
// middle of a record) is cut off silently; damage before the tail stops the
// open unless salvage was asked for.
#include <fmt/format.h>

#include "commit_codec.h"
#include "database_impl.h"
#include "tessera/error.h"

namespace tessera::detail {

void DatabaseImpl::replay(const WalRecord& record) {
  DecodedRecord r = decode_record(record.payload);
  if (r.kind != WalRecordKind::kCommit) return;  // markers: the catalog is authoritative
  for (auto& set : r.commit) {
    auto it = tables.find(set.table);
    if (it == tables.end()) continue;  // dropped later: the drop is durable in the catalog
    TableState& t = *it->second;
    if (record.lsn <= t.meta.checkpoint_lsn) continue;  // already in its files
    if (!t.unavailable.empty()) {
      if (!pending_lsn) pending_lsn = record.lsn;
      continue;
    }
    t.ensure_loaded(*fs);
    const size_t pkc = t.schema->primary_key();
    std::vector<std::pair<Value, std::optional<Record>>> list;
    list.reserve(set.changes.size());
    for (auto& c : set.changes) {
      if (c.row && c.row->size() != t.schema->size())
        throw Error(ErrorCode::kCorruption,
                    fmt::format("write-ahead log record {} (segment {}, offset {}) has {} values for table '{}' of {} "
                                "columns",
                                record.lsn, record.segment, record.offset, c.row->size(), t.name, t.schema->size()));
      Value key = c.row ? (*c.row)[pkc] : c.key;
      list.emplace_back(std::move(key), std::move(c.row));
    }
    std::unique_lock lock(t.mu);
    t.apply(list);
    t.dirty = true;
  }
  ++recovery.replayed_commits;
}

void DatabaseImpl::recover() {
  auto wal_dir = dir / "wal";
  fs->create_directories(wal_dir);
  WalRecord record;
  Lsn last = catalog.checkpoint_lsn;
  WalReadEnd end;
  {
    WalReader reader(*fs, wal_dir);
    while (reader.next(record)) {
      if (record.lsn <= catalog.checkpoint_lsn) continue;
      replay(record);
    }
    end = reader.end();
  }
  last = std::max(last, end.last_lsn);
  // A true torn tail is the last write, cut short: nothing intact can follow
  // it. A damaged length field can make a record in the middle look like
  // one, so an intact record further on means damage, not a crash.
  if (end.torn_tail && !end.corrupt) {
    auto after = count_wal_after(*fs, wal_dir, end.segment, end.offset);
    if (after.records > 0) {
      end.corrupt = true;
      end.torn_tail = false;
      end.error = fmt::format("{}: offset {}: a record that looks cut short is followed by {} intact record(s)",
                              wal_segment_path(wal_dir, end.segment).string(), end.offset, after.records);
    }
  }
  if (end.corrupt) {
    if (!options.salvage)
      throw Error(ErrorCode::kCorruption,
                  fmt::format("database {}: the write-ahead log is damaged: {}. Every commit before the damage is "
                              "intact; `tessera recover {} --salvage` keeps them and drops the rest",
                              dir.string(), end.error, dir.string()));
    recovery.salvaged = true;
    recovery.damage = end.error;
    auto counted = count_wal_after(*fs, wal_dir, end.segment, end.offset);
    recovery.dropped_records = counted.records;
    recovery.dropped_bytes = counted.bytes;
    cut_wal(*fs, wal_dir, end.segment, end.offset);
  } else if (end.torn_tail) {
    recovery.torn_tail = true;
    cut_wal(*fs, wal_dir, end.segment, end.offset);
  }
  auto segments = list_wal_segments(*fs, wal_dir);
  uint64_t next_segment = segments.empty() ? 1 : segments.back() + 1;
  wal = std::make_unique<WalWriter>(*fs, wal_dir, next_segment, last + 1, config.durability.sync,
                                    config.durability.normal_sync_interval_ms);
  // A salvaged log is made whole at once: the tables take what survived, and
  // the damaged segments go.
  if (recovery.salvaged) {
    WriterLock writer(*this);
    checkpoint_locked();
  }
}

}  // namespace tessera::detail
