// Counting what a salvage drops: every record from the damage on whose
// framing and checksum still hold, found by trying each byte offset (the
// damage may have shifted or destroyed record boundaries).
#include <xxhash.h>

#include "wal_log.h"

namespace tessera::detail {

namespace {

uint64_t le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
  return v;
}

// Same checksum as the log: XXH3-64 over (length, lsn, payload), low 32 bits.
bool intact_record_at(const std::string& s, size_t at, size_t& size) {
  constexpr size_t kHeader = 16;
  if (s.size() - at < kHeader) return false;
  uint64_t length = le(s, at, 4);
  if (length > s.size() - at - kHeader) return false;
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, s.data() + at, 4);
  XXH3_64bits_update(st, s.data() + at + 8, 8);
  XXH3_64bits_update(st, s.data() + at + kHeader, length);
  auto sum = static_cast<uint32_t>(XXH3_64bits_digest(st));
  XXH3_freeState(st);
  if (sum != static_cast<uint32_t>(le(s, at + 4, 4))) return false;
  size = kHeader + length;
  return true;
}

}  // namespace

WalTailCount count_wal_after(FileSystem& fs, const std::filesystem::path& dir, uint64_t segment, uint64_t offset) {
  WalTailCount count;
  for (uint64_t n : list_wal_segments(fs, dir)) {
    if (n < segment) continue;
    std::string bytes = fs.read_all(wal_segment_path(dir, n));
    size_t at = n == segment ? offset : std::min<size_t>(kWalSegmentHeaderSize, bytes.size());
    if (at > bytes.size()) continue;
    count.bytes += bytes.size() - at;
    while (at < bytes.size()) {
      size_t size = 0;
      if (intact_record_at(bytes, at, size) && size > 16) {
        ++count.records;
        at += size;
      } else {
        ++at;
      }
    }
  }
  return count;
}

}  // namespace tessera::detail
