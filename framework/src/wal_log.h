// The write-ahead log's files: numbered segments wal/<8-digit number>.log,
// each a sequence of checksummed records. This layer knows nothing of what a
// record means (the engine encodes commits); it frames, appends, syncs
// (sharing one fdatasync among concurrent committers) and reads back,
// telling a torn tail from real damage. Format: docs/formats/wal.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "file_system.h"
#include "tessera/config.h"

namespace tessera::detail {

// Log sequence number: 1 for the first record ever written, +1 per record.
using Lsn = uint64_t;

// Sizes fixed by the format (docs/formats/wal.md).
inline constexpr uint64_t kWalSegmentHeaderSize = 16;  // "TSRWAL", u16 version, u64 number
inline constexpr uint64_t kWalRecordHeaderSize = 16;   // u32 length, u32 checksum, u64 lsn
inline constexpr uint32_t kWalMaxPayload = 1u << 30;   // larger lengths are damage

class WalWriter {
 public:
  // Continues the log in dir: a new segment numbered first_segment, whose
  // first record gets next_lsn. Under SyncMode::kNormal a background thread
  // syncs every interval_ms. Creates dir if needed and fsyncs its parent;
  // the new segment's header and folder entry are synced before the
  // constructor returns (every mode).
  // Refuses (kAlreadyExists) to overwrite a segment file that has bytes: cut
  // a torn tail with cut_wal first.
  WalWriter(FileSystem& fs, std::filesystem::path dir, uint64_t first_segment, Lsn next_lsn,
            SyncMode mode, uint32_t interval_ms);
  ~WalWriter();  // syncs (kFull, kNormal) and closes; never throws

  // Appends one record (written to the OS, not yet synced) and returns its
  // LSN. Callers serialize appends (the engine's writer lock).
  // Throws Error(kReadOnly) once any write or sync has failed, and
  // Error(kInvalidArgument) for a payload over kWalMaxPayload.
  Lsn append(std::string_view payload);
  // Returns once every record up to lsn is durable as the sync mode
  // promises: kFull fdatasyncs (one call covers every record appended by
  // then, so concurrent committers share it); kNormal and kOff return at
  // once. Safe to call from many threads. A failed sync throws Error(kIO)
  // to every waiter and leaves the writer failed (kReadOnly from then on).
  void wait_durable(Lsn lsn);
  // Syncs everything appended, whatever the mode.
  void sync();
  // Closes the current segment (synced) and starts segment number+1.
  // Returns the new segment's number.
  uint64_t rotate();

  uint64_t segment() const;
  Lsn last_lsn() const;              // the last LSN appended (next_lsn - 1 at start)
  uint64_t bytes_in_segment() const;  // size of the current segment, header included
  bool failed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WalRecord {
  Lsn lsn = 0;
  std::string payload;
  uint64_t segment = 0;
  uint64_t offset = 0;  // of the record's header in its segment file
};

// Where reading stopped and why.
struct WalReadEnd {
  bool corrupt = false;     // damage before the tail (see docs/formats/wal.md)
  std::string error;        // "<file>: offset <n>: <what>" when corrupt
  bool torn_tail = false;   // the last segment ends in an incomplete record
  // Where the last good record ended: the first byte not validated. offset 0
  // means not even the segment's header is valid. After a torn tail (or, for
  // salvage, damage) cut_wal(dir, segment, offset) drops the rest so that a
  // new writer can continue the log.
  uint64_t segment = 0;
  uint64_t offset = 0;
  Lsn last_lsn = 0;         // LSN of the last good record read (0: none)
};

// Reads every segment in dir in order. next() returns false at the end of
// the log, at a torn tail of the last segment (end().torn_tail), or at
// damage (end().corrupt; records after it are not returned). Also checks
// that LSNs increase by one and segments are consecutive.
class WalReader {
 public:
  WalReader(FileSystem& fs, std::filesystem::path dir);
  ~WalReader();
  bool next(WalRecord& out);
  const WalReadEnd& end() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Segment numbers present in dir, ascending.
std::vector<uint64_t> list_wal_segments(FileSystem& fs, const std::filesystem::path& dir);
std::filesystem::path wal_segment_path(const std::filesystem::path& dir, uint64_t segment);

// Removes (or, with archive, renames to <8 digits>.<UTC timestamp>.log in
// dir/archive/) every segment numbered below `below`.
void retire_wal_segments(FileSystem& fs, const std::filesystem::path& dir, uint64_t below, bool archive);

// How much of the log lies from (segment, offset) on: bytes, and records
// whose framing and checksum are intact (found by scanning every offset), for
// reporting what a salvage drops.
struct WalTailCount {
  uint64_t records = 0;
  uint64_t bytes = 0;
};
WalTailCount count_wal_after(FileSystem& fs, const std::filesystem::path& dir, uint64_t segment, uint64_t offset);

// Truncates segment at offset (offset 0: removes it) and removes later
// segments, durably: used after a torn tail and by salvage to drop everything
// from the damage on. Later segments go first, so an interrupted cut can be
// repeated.
void cut_wal(FileSystem& fs, const std::filesystem::path& dir, uint64_t segment, uint64_t offset);

}  // namespace tessera::detail
