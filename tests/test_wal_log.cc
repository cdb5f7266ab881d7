// The write-ahead log's file layer: framing, group commit, failures,
// retirement and cutting (docs/formats/wal.md). Torn tails and damage are
// in test_wal_damage.cc.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <regex>
#include <thread>

#include "wal_test_util.h"

using namespace tessera;
using namespace tessera::detail;
using namespace tessera::test::wal;
using tessera::test::FaultFs;
using tessera::test::TempDir;

TEST_CASE("wal: records round-trip across rotations with their LSN and position") {
  TempDir dir;
  fs::path wal = dir / "wal";
  std::vector<std::pair<uint64_t, uint64_t>> where;  // segment, offset of each record
  {
    WalWriter w(FileSystem::posix(), wal, 1, 1, SyncMode::kFull, 200);
    CHECK(w.bytes_in_segment() == kWalSegmentHeaderSize);
    for (uint64_t i = 1; i <= 1000; ++i) {
      where.emplace_back(w.segment(), w.bytes_in_segment());
      CHECK(w.append(payload_for(i)) == i);
      if (i % 150 == 0) CHECK(w.rotate() == i / 150 + 1);
    }
    w.append("");  // an empty payload is a record too
    w.wait_durable(1001);
    CHECK(w.last_lsn() == 1001);
  }
  CHECK(list_wal_segments(FileSystem::posix(), wal) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(fs::exists(wal_segment_path(wal, 7)));
  CHECK(wal_segment_path(wal, 7).filename() == "00000007.log");
  auto r = read_wal(FileSystem::posix(), wal);
  REQUIRE(r.records.size() == 1001);
  for (uint64_t i = 1; i <= 1000; ++i) {
    const WalRecord& rec = r.records[i - 1];
    REQUIRE(rec.lsn == i);
    REQUIRE(rec.payload == payload_for(i));
    REQUIRE(rec.segment == where[i - 1].first);
    REQUIRE(rec.offset == where[i - 1].second);
  }
  CHECK(r.records.back().payload.empty());
  CHECK_FALSE(r.end.corrupt);
  CHECK_FALSE(r.end.torn_tail);
  CHECK(r.end.last_lsn == 1001);
  CHECK(r.end.segment == 7);
  CHECK(r.end.offset == fs::file_size(wal_segment_path(wal, 7)));
}

TEST_CASE("wal: the log continues with a new writer at the next segment and LSN") {
  TempDir dir;
  write_records(FileSystem::posix(), dir / "wal", 3);
  {
    WalWriter w(FileSystem::posix(), dir / "wal", 2, 4, SyncMode::kOff, 200);
    w.append(payload_for(4));
    w.sync();
  }
  auto r = read_wal(FileSystem::posix(), dir / "wal");
  REQUIRE(r.records.size() == 4);
  CHECK(r.records[3].lsn == 4);
  CHECK(r.records[3].segment == 2);
  CHECK_FALSE(r.end.corrupt);
  // An existing segment with bytes is never overwritten.
  CHECK(error_code_of([&] { WalWriter(FileSystem::posix(), dir / "wal", 2, 5, SyncMode::kFull, 200); }) ==
        ErrorCode::kAlreadyExists);
}

TEST_CASE("wal: the writer makes the log folder itself durable, whoever created it") {
  TempDir dir;
  FaultFs f(dir.path());
  f.create_directories(dir / "db" / "wal");  // as recovery does, with no folder sync
  {
    WalWriter w(f, dir / "db" / "wal", 1, 1, SyncMode::kFull, 200);
    w.wait_durable(w.append("a"));
  }
  f.sync_dir(dir.path());  // the database folder's own entry is not the log's business
  f.crash();
  f.reset();
  CHECK(read_wal(f, dir / "db" / "wal").records.size() == 1);
}

TEST_CASE("wal: an empty or missing log reads as empty") {
  TempDir dir;
  auto r = read_wal(FileSystem::posix(), dir / "nothing");
  CHECK(r.records.empty());
  CHECK_FALSE(r.end.corrupt);
  CHECK_FALSE(r.end.torn_tail);
  fs::create_directories(dir / "wal");
  test::write_file(dir / "wal" / "notes.txt", "not a segment");
  r = read_wal(FileSystem::posix(), dir / "wal");
  CHECK(r.records.empty());
  CHECK_FALSE(r.end.corrupt);
}

TEST_CASE("wal: concurrent committers share one sync") {
  TempDir dir;
  FaultFs f(dir.path());
  WalWriter w(f, dir / "wal", 1, 1, SyncMode::kFull, 200);
  constexpr uint64_t kThreads = 8;

  // The first sync is held until every thread has appended: the others must
  // append meanwhile (appends do not wait for a sync) and then share a sync.
  std::mutex mu;
  std::condition_variable cv;
  bool held_once = false, timed_out = false;
  f.set_sync_hook([&](const fs::path&) {
    std::unique_lock lk(mu);
    if (held_once) return;
    held_once = true;
    if (!cv.wait_for(lk, std::chrono::seconds(60), [&] { return w.last_lsn() == kThreads; })) timed_out = true;
  });
  uint64_t syncs_before = f.count(Op::kSync);
  std::vector<std::thread> threads;
  std::vector<Lsn> lsns(kThreads);
  std::mutex append_order;  // callers serialize appends (the engine's writer lock)
  for (uint64_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      {
        std::lock_guard lk(append_order);
        lsns[t] = w.append(payload_for(t));
      }
      { std::lock_guard lk(mu); }  // so the hook cannot miss the wake-up
      cv.notify_all();
      w.wait_durable(lsns[t]);
    });
  }
  for (auto& t : threads) t.join();
  CHECK_FALSE(timed_out);
  uint64_t syncs = f.count(Op::kSync) - syncs_before;
  CHECK(syncs >= 1);
  CHECK(syncs <= 2);  // the held one, then one for everything appended meanwhile
  f.set_sync_hook(nullptr);

  // Everything acknowledged survives a power loss.
  f.crash();
  f.reset();
  CHECK(read_wal(f, dir / "wal").records.size() == kThreads);
}

TEST_CASE("wal: many committers at once all become durable") {
  TempDir dir;
  FaultFs f(dir.path());
  constexpr int kThreads = 6, kEach = 200;
  {
    WalWriter w(f, dir / "wal", 1, 1, SyncMode::kFull, 200);
    std::mutex append_order;
    std::vector<std::thread> threads;
    uint64_t syncs_before = f.count(Op::kSync);
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < kEach; ++i) {
          Lsn lsn;
          {
            std::lock_guard lk(append_order);
            lsn = w.append("x");
          }
          w.wait_durable(lsn);
        }
      });
    for (auto& t : threads) t.join();
    CHECK(f.count(Op::kSync) - syncs_before <= uint64_t{kThreads * kEach});
    f.crash();  // with the writer still open: nothing more is synced
  }
  f.reset();
  auto r = read_wal(f, dir / "wal");
  CHECK(r.records.size() == kThreads * kEach);
  CHECK_FALSE(r.end.corrupt);
}

TEST_CASE("wal: what each sync mode keeps through a power loss") {
  TempDir dir;
  FaultFs f(dir.path());
  fs::path wal = dir / "wal";
  SECTION("full: acknowledged records survive") {
    WalWriter w(f, wal, 1, 1, SyncMode::kFull, 200);
    w.wait_durable(w.append("a"));
    w.append("b");  // appended, never waited for
    f.crash();
    f.reset();
    auto r = read_wal(f, wal);
    REQUIRE(r.records.size() == 1);
    CHECK(r.records[0].payload == "a");
  }
  SECTION("normal: the timer syncs") {
    WalWriter w(f, wal, 1, 1, SyncMode::kNormal, 5);
    uint64_t syncs = f.count(Op::kSync);
    w.wait_durable(w.append("a"));  // returns at once
    // Liveness only: wait (up to a minute) for the timer's sync.
    for (int i = 0; i < 6000 && f.count(Op::kSync) == syncs; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    f.crash();
    f.reset();
    CHECK(read_wal(f, wal).records.size() == 1);
  }
  SECTION("normal: closing syncs") {
    {
      WalWriter w(f, wal, 1, 1, SyncMode::kNormal, 3600 * 1000);
      w.append("a");
    }
    f.crash();
    f.reset();
    CHECK(read_wal(f, wal).records.size() == 1);
  }
  SECTION("off: nothing is synced but on request") {
    {
      WalWriter w(f, wal, 1, 1, SyncMode::kOff, 200);
      w.wait_durable(w.append("a"));
    }  // closing does not sync either
    f.crash();
    f.reset();
    CHECK(read_wal(f, wal).records.empty());
  }
  SECTION("off: an explicit sync and a rotation do sync") {
    WalWriter w(f, wal, 1, 1, SyncMode::kOff, 200);
    w.append("a");
    w.sync();
    w.append("b");
    w.rotate();
    w.append("c");
    f.crash();
    f.reset();
    auto r = read_wal(f, wal);
    REQUIRE(r.records.size() == 2);
    CHECK(r.records[1].payload == "b");
  }
}

TEST_CASE("wal: a failed fsync fails the waiters and then every append") {
  TempDir dir;
  FaultFs f(dir.path());
  WalWriter w(f, dir / "wal", 1, 1, SyncMode::kFull, 200);
  w.wait_durable(w.append("a"));
  Lsn lsn = w.append("b");
  f.fail_nth(Op::kSync, 1, EIO);
  std::string msg;
  CHECK(error_code_of([&] { w.wait_durable(lsn); }, &msg) == ErrorCode::kIO);
  CHECK_THAT(msg, Catch::Contains("injected") && Catch::Contains("00000001.log"));
  CHECK(w.failed());
  std::string ro;
  CHECK(error_code_of([&] { w.append("c"); }, &ro) == ErrorCode::kReadOnly);
  CHECK_THAT(ro, Catch::Contains("failed earlier") && Catch::Contains(msg) && Catch::Contains("reopen"));
  CHECK(error_code_of([&] { w.wait_durable(lsn); }) == ErrorCode::kIO);  // even once the disk is well
  CHECK(error_code_of([&] { w.rotate(); }) == ErrorCode::kReadOnly);
}

TEST_CASE("wal: waiting for an LSN not appended is refused") {
  TempDir dir;
  WalWriter w(FileSystem::posix(), dir / "wal", 1, 1, SyncMode::kFull, 200);
  w.wait_durable(0);  // nothing to wait for
  CHECK(error_code_of([&] { w.wait_durable(1); }) == ErrorCode::kInvalidArgument);
}

TEST_CASE("wal: a failed rotation fails the writer") {
  TempDir dir;
  FaultFs f(dir.path());
  WalWriter w(f, dir / "wal", 1, 1, SyncMode::kFull, 200);
  w.append("a");
  f.fail_nth(Op::kCreate, 1, ENOSPC);
  CHECK(error_code_of([&] { w.rotate(); }) == ErrorCode::kIO);
  CHECK(w.failed());
  CHECK(error_code_of([&] { w.append("b"); }) == ErrorCode::kReadOnly);
  // The old segment was synced before the new one was attempted.
  f.crash();
  f.reset();
  CHECK(read_wal(f, dir / "wal").records.size() == 1);
}

TEST_CASE("wal: a failed write fails the writer") {
  TempDir dir;
  FaultFs f(dir.path());
  WalWriter w(f, dir / "wal", 1, 1, SyncMode::kFull, 200);
  f.fail_nth(Op::kWrite, 1, ENOSPC);
  CHECK(error_code_of([&] { w.append("a"); }) == ErrorCode::kIO);
  std::string ro;
  CHECK(error_code_of([&] { w.append("b"); }, &ro) == ErrorCode::kReadOnly);
  CHECK_THAT(ro, Catch::Contains(std::strerror(ENOSPC)));
  CHECK(w.last_lsn() == 0);
}

TEST_CASE("wal: retiring segments removes or archives them") {
  TempDir dir;
  fs::path wal = dir / "wal";
  {
    WalWriter w(FileSystem::posix(), wal, 1, 1, SyncMode::kFull, 200);
    for (int i = 1; i <= 6; ++i) {
      w.append(payload_for(i));
      if (i % 2 == 0 && i < 6) w.rotate();
    }
  }
  REQUIRE(list_wal_segments(FileSystem::posix(), wal) == std::vector<uint64_t>{1, 2, 3});
  SECTION("removed") {
    retire_wal_segments(FileSystem::posix(), wal, 3, false);
    CHECK(list_wal_segments(FileSystem::posix(), wal) == std::vector<uint64_t>{3});
    CHECK_FALSE(fs::exists(wal / "archive"));
  }
  SECTION("archived") {
    retire_wal_segments(FileSystem::posix(), wal, 3, true);
    CHECK(list_wal_segments(FileSystem::posix(), wal) == std::vector<uint64_t>{3});
    auto names = FileSystem::posix().list(wal / "archive");
    REQUIRE(names.size() == 2);
    std::regex pattern(R"(0000000[12]\.\d{8}T\d{6}Z\.log)");
    for (const auto& n : names) CHECK(std::regex_match(n, pattern));
    CHECK(names[0].substr(0, 9) == "00000001.");
  }
  // What remains reads from LSN 5 on.
  auto r = read_wal(FileSystem::posix(), wal);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0].lsn == 5);
  CHECK_FALSE(r.end.corrupt);
}

TEST_CASE("wal: retirement is durable") {
  TempDir dir;
  FaultFs f(dir.path());
  fs::path wal = dir / "wal";
  {
    WalWriter w(f, wal, 1, 1, SyncMode::kFull, 200);
    w.append("a");
    w.rotate();
    w.append("b");
  }
  retire_wal_segments(f, wal, 2, true);
  f.crash();
  f.reset();
  CHECK(list_wal_segments(f, wal) == std::vector<uint64_t>{2});
  CHECK(f.list(wal / "archive").size() == 1);
}

TEST_CASE("wal: cut_wal durably drops everything from a point on") {
  TempDir dir;
  FaultFs f(dir.path());
  fs::path wal = dir / "wal";
  {
    WalWriter w(f, wal, 1, 1, SyncMode::kFull, 200);
    for (int i = 1; i <= 9; ++i) {
      w.append(payload_for(i));
      if (i % 3 == 0 && i < 9) w.rotate();
    }
  }
  auto whole = read_wal(f, wal);
  REQUIRE(whole.records.size() == 9);
  SECTION("inside a segment") {
    cut_wal(f, wal, 2, whole.records[4].offset);  // keeps LSN 1..4
    f.crash();
    f.reset();
    CHECK(list_wal_segments(f, wal) == std::vector<uint64_t>{1, 2});
    auto r = read_wal(f, wal);
    CHECK(r.records.size() == 4);
    CHECK_FALSE(r.end.corrupt);
    CHECK_FALSE(r.end.torn_tail);
  }
  SECTION("a whole segment (offset 0)") {
    cut_wal(f, wal, 2, 0);
    f.crash();
    f.reset();
    CHECK(list_wal_segments(f, wal) == std::vector<uint64_t>{1});
    CHECK(read_wal(f, wal).records.size() == 3);
  }
  SECTION("after a torn tail, so that a new writer can continue") {
    fs::path seg3 = wal_segment_path(wal, 3);
    f.truncate(seg3, f.file_size(seg3) - 2);
    auto torn = read_wal(f, wal);
    REQUIRE(torn.end.torn_tail);
    cut_wal(f, wal, torn.end.segment, torn.end.offset);
    {
      WalWriter w(f, wal, 4, torn.end.last_lsn + 1, SyncMode::kFull, 200);
      w.wait_durable(w.append("after"));
    }
    auto r = read_wal(f, wal);
    REQUIRE(r.records.size() == 9);
    CHECK(r.records.back().payload == "after");
    CHECK_FALSE(r.end.corrupt);
  }
}
