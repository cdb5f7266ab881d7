// Helpers shared by the write-ahead log's file-layer tests.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <tessera/error.h>

#include "fault_fs.h"
#include "test_util.h"
#include "wal_log.h"

namespace tessera::test::wal {

using namespace tessera::detail;
namespace fs = std::filesystem;
using Op = FaultFs::Op;
using tessera::test::error_code_of;

using Op = FaultFs::Op;
using tessera::test::error_code_of;

inline std::string payload_for(uint64_t i) {
  std::string s = "record-" + std::to_string(i) + ":";
  s.append((i * 37) % 700, static_cast<char>('a' + i % 26));
  return s;
}

struct ReadResult {
  std::vector<WalRecord> records;
  WalReadEnd end;
};

inline ReadResult read_wal(FileSystem& f, const fs::path& dir) {
  ReadResult r;
  WalReader reader(f, dir);
  WalRecord rec;
  while (reader.next(rec)) r.records.push_back(rec);
  r.end = reader.end();
  return r;
}

// Writes n records (LSN 1..n) into segment 1 of dir and closes the log.
inline void write_records(FileSystem& f, const fs::path& dir, int n, SyncMode mode = SyncMode::kFull) {
  WalWriter w(f, dir, 1, 1, mode, 200);
  for (int i = 1; i <= n; ++i) w.append(payload_for(static_cast<uint64_t>(i)));
}


inline void flip_byte(const fs::path& file, uint64_t offset) {
  std::string bytes = test::read_file(file);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5a);
  test::write_file(file, bytes);
}

inline void put_u32(const fs::path& file, uint64_t offset, uint32_t v) {
  std::string bytes = test::read_file(file);
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  test::write_file(file, bytes);
}

}  // namespace tessera::test::wal
