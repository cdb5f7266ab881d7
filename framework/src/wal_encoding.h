// The write-ahead log's record and segment-header encoding, shared by its
// writer and reader. Format and promises: docs/formats/wal.md.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "wal_log.h"

namespace tessera::detail::wal_encoding {

// Part of the persistent format: do not change.
inline constexpr char kWalMagic[6] = {'T', 'S', 'R', 'W', 'A', 'L'};
inline constexpr uint16_t kWalVersion = 1;

inline void put_le(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// One XXH3 state per writer or reader, reset per record: the checksummed
// bytes (length, lsn, payload) are not contiguous in the record.
class RecordHasher {
 public:
  RecordHasher() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
  }
  ~RecordHasher() { XXH3_freeState(state_); }
  RecordHasher(const RecordHasher&) = delete;
  RecordHasher& operator=(const RecordHasher&) = delete;

  // header: the 16-byte record header; its checksum field is ignored.
  uint32_t checksum(const char* header, const char* payload, size_t size) {
    XXH3_64bits_reset(state_);
    XXH3_64bits_update(state_, header, 4);
    XXH3_64bits_update(state_, header + 8, 8);
    XXH3_64bits_update(state_, payload, size);
    return static_cast<uint32_t>(XXH3_64bits_digest(state_));
  }

 private:
  XXH3_state_t* state_;
};

inline std::string segment_header(uint64_t segment) {
  std::string h(kWalSegmentHeaderSize, '\0');
  std::memcpy(h.data(), kWalMagic, sizeof kWalMagic);
  put_le(h.data() + 6, kWalVersion, 2);
  put_le(h.data() + 8, segment, 8);
  return h;
}

}  // namespace tessera::detail::wal_encoding
