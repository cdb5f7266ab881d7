// The write-ahead log's reader on damaged logs: a torn tail ends the log
// silently, anything else is corruption naming file and offset
// (docs/formats/wal.md).
#include <catch2/catch.hpp>

#include <cstring>
#include <regex>

#include "wal_test_util.h"

using namespace tessera;
using namespace tessera::detail;
using namespace tessera::test::wal;
using tessera::test::FaultFs;
using tessera::test::TempDir;

TEST_CASE("wal: a torn last record cut at any byte ends the log silently") {
  TempDir dir;
  fs::path wal = dir / "wal";
  write_records(FileSystem::posix(), wal, 5);
  fs::path seg = wal_segment_path(wal, 1);
  const std::string full = test::read_file(seg);
  auto whole = read_wal(FileSystem::posix(), wal);
  REQUIRE(whole.records.size() == 5);
  const uint64_t last_start = whole.records[4].offset;
  for (uint64_t cut = last_start; cut < full.size(); ++cut) {
    test::write_file(seg, full.substr(0, cut));
    auto r = read_wal(FileSystem::posix(), wal);
    INFO("cut at " << cut);
    REQUIRE(r.records.size() == 4);
    CHECK(r.records[3].payload == payload_for(4));
    CHECK_FALSE(r.end.corrupt);
    CHECK(r.end.torn_tail == (cut > last_start));
    CHECK(r.end.segment == 1);
    CHECK(r.end.offset == last_start);
    CHECK(r.end.last_lsn == 4);
  }
}

TEST_CASE("wal: a bad checksum in the last record at the end of the log is a torn tail") {
  TempDir dir;
  fs::path wal = dir / "wal";
  write_records(FileSystem::posix(), wal, 3);
  auto whole = read_wal(FileSystem::posix(), wal);
  flip_byte(wal_segment_path(wal, 1), whole.records[2].offset + kWalRecordHeaderSize + 3);
  auto r = read_wal(FileSystem::posix(), wal);
  CHECK(r.records.size() == 2);
  CHECK(r.end.torn_tail);
  CHECK_FALSE(r.end.corrupt);
}

TEST_CASE("wal: a damaged record before the end is corruption naming file and offset") {
  TempDir dir;
  fs::path wal = dir / "wal";
  write_records(FileSystem::posix(), wal, 3);
  fs::path seg = wal_segment_path(wal, 1);
  auto whole = read_wal(FileSystem::posix(), wal);
  const uint64_t middle = whole.records[1].offset;
  uint64_t where = GENERATE(0, 4, 8, 16, 20);  // length, checksum, lsn, payload
  INFO("flipped byte at record offset " << where);
  flip_byte(seg, middle + where);
  auto r = read_wal(FileSystem::posix(), wal);
  CHECK(r.records.size() == 1);
  CHECK(r.end.corrupt);
  CHECK_FALSE(r.end.torn_tail);
  CHECK_THAT(r.end.error, Catch::StartsWith(seg.string() + ": offset " + std::to_string(middle) + ": "));
  CHECK(r.end.segment == 1);
  CHECK(r.end.offset == middle);
}

TEST_CASE("wal: damage in a segment that is not the last is corruption") {
  TempDir dir;
  fs::path wal = dir / "wal";
  {
    WalWriter w(FileSystem::posix(), wal, 1, 1, SyncMode::kFull, 200);
    for (int i = 1; i <= 3; ++i) w.append(payload_for(i));
    w.rotate();
    w.append(payload_for(4));
  }
  fs::path seg1 = wal_segment_path(wal, 1);
  auto whole = read_wal(FileSystem::posix(), wal);
  SECTION("a flipped byte in its last record") {
    flip_byte(seg1, whole.records[2].offset + kWalRecordHeaderSize + 1);
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 2);
    CHECK(r.end.corrupt);
    CHECK_THAT(r.end.error, Catch::Contains(seg1.string() + ": offset " + std::to_string(whole.records[2].offset)) &&
                                Catch::Contains("checksum"));
  }
  SECTION("a cut record") {
    fs::resize_file(seg1, fs::file_size(seg1) - 1);
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 2);
    CHECK(r.end.corrupt);
    CHECK_THAT(r.end.error, Catch::Contains("runs past the end"));
  }
  SECTION("a zero-filled end") {
    test::write_file(seg1, test::read_file(seg1) + std::string(40, '\0'));
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 3);
    CHECK(r.end.corrupt);
  }
  SECTION("a bad segment header") {
    flip_byte(seg1, 2);
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.empty());
    CHECK(r.end.corrupt);
    CHECK_THAT(r.end.error, Catch::Contains(seg1.string() + ": offset 0: ") && Catch::Contains("magic"));
  }
  SECTION("a header naming another segment") {
    flip_byte(seg1, 8);
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.end.corrupt);
    CHECK_THAT(r.end.error, Catch::Contains("segment header says"));
  }
}

TEST_CASE("wal: an impossible length is corruption even at the end") {
  TempDir dir;
  fs::path wal = dir / "wal";
  write_records(FileSystem::posix(), wal, 3);
  auto whole = read_wal(FileSystem::posix(), wal);
  put_u32(wal_segment_path(wal, 1), whole.records[2].offset, 0xfffffff0u);
  auto r = read_wal(FileSystem::posix(), wal);
  CHECK(r.records.size() == 2);
  CHECK(r.end.corrupt);
  CHECK_THAT(r.end.error, Catch::Contains("impossible length 4294967280"));
}

TEST_CASE("wal: a zero-filled tail is torn but zeros followed by data are corruption") {
  TempDir dir;
  fs::path wal = dir / "wal";
  write_records(FileSystem::posix(), wal, 3);
  fs::path seg = wal_segment_path(wal, 1);
  const std::string full = test::read_file(seg);
  SECTION("zeros to the end") {
    test::write_file(seg, full + std::string(4096, '\0'));
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 3);
    CHECK(r.end.torn_tail);
    CHECK_FALSE(r.end.corrupt);
    CHECK(r.end.offset == full.size());
  }
  SECTION("zeros, then something") {
    test::write_file(seg, full + std::string(100, '\0') + "x");
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 3);
    CHECK(r.end.corrupt);
  }
  SECTION("a last segment of zeros only") {
    test::write_file(seg, std::string(300, '\0'));
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.empty());
    CHECK(r.end.torn_tail);
    CHECK(r.end.offset == 0);
  }
  SECTION("a last segment cut inside its header") {
    test::write_file(seg, full.substr(0, 7));
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.empty());
    CHECK(r.end.torn_tail);
    CHECK(r.end.offset == 0);
  }
}

TEST_CASE("wal: LSNs must follow each other and segments must be consecutive") {
  TempDir dir;
  fs::path wal = dir / "wal";
  write_records(FileSystem::posix(), wal, 3);
  SECTION("an LSN gap") {
    {
      WalWriter w(FileSystem::posix(), wal, 2, 10, SyncMode::kFull, 200);
      w.append("skipped ahead");
    }
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 3);
    CHECK(r.end.corrupt);
    CHECK_THAT(r.end.error, Catch::Contains("00000002.log: offset 16: expected LSN 4, found 10"));
  }
  SECTION("a missing segment") {
    {
      WalWriter w(FileSystem::posix(), wal, 3, 4, SyncMode::kFull, 200);
      w.append("after a gap");
    }
    auto r = read_wal(FileSystem::posix(), wal);
    CHECK(r.records.size() == 3);
    CHECK(r.end.corrupt);
    CHECK_THAT(r.end.error, Catch::Contains("segment 2 is missing"));
    CHECK(r.end.segment == 1);  // cut_wal there drops the rest
  }
}
