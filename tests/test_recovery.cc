// Recovery from the write-ahead log: commits survive a process that dies
// without closing; a torn tail is dropped silently; damage before the tail
// is reported and can be salvaged; checkpoints append or rewrite as they should.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <sys/wait.h>

#include <fstream>

#include <tessera/tessera.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;

namespace {

Schema kv_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "v", .type = Type::kText}});
}

// Runs body in a child process that then dies without closing anything.
template <class F>
void in_child_that_dies(F&& body) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      _exit(3);
    }
    _exit(0);  // no destructors: the database is not closed or checkpointed
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

std::vector<std::filesystem::path> wal_segments(const std::filesystem::path& db) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(db / "wal"))
    if (e.path().extension() == ".log") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void append_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << bytes;
}

}  // namespace

TEST_CASE("committed changes survive a process that dies without closing") {
  TempDir dir;
  { Database::open(dir.path())->create_table("kv", kv_schema()); }
  in_child_that_dies([&] {
    auto db = Database::open(dir.path()).release();  // leaked on purpose
    auto t = db->table("kv");
    for (int i = 0; i < 50; ++i) t.insert({{"v", "row" + std::to_string(i)}});
    t.update(Value(7), {{"v", "changed"}});
    t.erase(Value(9));
    auto txn = db->begin();
    txn.insert("kv", {{"v", "in txn"}});
    txn.commit();
    auto open_txn = db->begin();  // never committed
    open_txn.insert("kv", {{"v", "lost"}});
  });
  auto db = Database::open(dir.path());
  CHECK(db->recovery().replayed_commits == 53);
  auto t = db->table("kv");
  CHECK(t.size() == 50);
  CHECK((*t.get(Value(7)))["v"] == Value("changed"));
  CHECK(!t.get(Value(9)));
  CHECK((*t.get(Value(51)))["v"] == Value("in txn"));
  CHECK(!t.get(Value(52)));
  // The next id continues after every id handed out before the crash.
  CHECK(t.insert({{"v", "next"}}) == Value(52));
}

TEST_CASE("a torn record at the log's tail is dropped silently") {
  TempDir dir;
  { Database::open(dir.path())->create_table("kv", kv_schema()); }
  in_child_that_dies([&] {
    auto db = Database::open(dir.path()).release();
    auto t = db->table("kv");
    for (int i = 0; i < 5; ++i) t.insert({{"v", "x"}});
  });
  auto segs = wal_segments(dir.path());
  REQUIRE(!segs.empty());
  // Half a record: a header announcing 100 bytes, then 10 of them.
  std::string torn(16, '\0');
  torn[0] = 100;
  append_bytes(segs.back(), torn + std::string(10, 'z'));
  auto db = Database::open(dir.path());
  CHECK(db->recovery().torn_tail);
  CHECK(db->table("kv").size() == 5);
  db->table("kv").insert({{"v", "after"}});
  db.reset();
  // The cut is permanent: a second open finds a clean log.
  auto again = Database::open(dir.path());
  CHECK(!again->recovery().torn_tail);
  CHECK(again->table("kv").size() == 6);
}

TEST_CASE("damage before the tail refuses the open naming file and offset, and salvage keeps what came before") {
  TempDir dir;
  { Database::open(dir.path())->create_table("kv", kv_schema()); }
  in_child_that_dies([&] {
    auto db = Database::open(dir.path()).release();
    auto t = db->table("kv");
    for (int i = 0; i < 20; ++i) t.insert({{"v", std::string(40, 'a' + i)}});
  });
  auto segs = wal_segments(dir.path());
  auto seg = segs.back();
  std::string bytes = test::read_file(seg);
  // Flip a byte inside the payload of the 'k' row (the 11th commit).
  size_t at = bytes.find(std::string(40, 'k'));
  REQUIRE(at != std::string::npos);
  bytes[at + 5] ^= 0x01;
  test::write_file(seg, bytes);

  std::string message;
  try {
    Database::open(dir.path());
  } catch (const Error& e) {
    message = e.what();
    CHECK(e.code() == ErrorCode::kCorruption);
  }
  CHECK_THAT(message, Catch::Contains(seg.filename().string()) && Catch::Contains("offset") &&
                          Catch::Contains("--salvage"));

  OpenOptions salvage;
  salvage.salvage = true;
  {
    auto db = Database::open(dir.path(), Config(), salvage);
    CHECK(db->recovery().salvaged);
    CHECK(db->recovery().dropped_records == 9);  // commits 12..20; the damaged one is not intact
    CHECK(db->table("kv").size() == 10);
  }
  auto db = Database::open(dir.path());
  CHECK(db->table("kv").size() == 10);
}

TEST_CASE("checkpoints append insert-only changes, rewrite otherwise, and retire the log") {
  TempDir dir;
  auto db = Database::open(dir.path());
  TableConfig tc;
  tc.format = "jsonl";
  auto t = db->create_table("kv", kv_schema(), tc);
  for (int i = 0; i < 10; ++i) t.insert({{"v", "a"}});
  db->checkpoint();
  auto files = [&] {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path() / "tables" / "kv"))
      if (e.path().filename().string().starts_with("data_")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  auto first = files();
  REQUIRE(first.size() == 1);
  auto size_before = std::filesystem::file_size(dir.path() / "tables" / "kv" / first[0]);
  for (int i = 0; i < 10; ++i) t.insert({{"v", "b"}});
  db->checkpoint();
  CHECK(files() == first);  // same file, grown
  CHECK(std::filesystem::file_size(dir.path() / "tables" / "kv" / first[0]) > size_before);
  CHECK(wal_segments(dir.path()).size() == 1);  // only the fresh segment remains

  t.update(Value(1), {{"v", "changed"}});
  db->checkpoint();
  CHECK(files() != first);  // rewritten into a new file
  db.reset();
  auto again = Database::open(dir.path());
  CHECK(again->recovery().replayed_commits == 0);
  CHECK(again->table("kv").size() == 20);
  CHECK((*again->table("kv").get(Value(1)))["v"] == Value("changed"));
}

TEST_CASE("an interrupted append is undone by the recorded size") {
  TempDir dir;
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("kv", kv_schema());
    t.insert({{"v", "a"}});
  }
  auto data = dir.path() / "tables" / "kv";
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(data))
    if (e.path().filename().string().starts_with("data_")) file = e.path();
  append_bytes(file, "{\"id\":99,\"v\":\"half");  // a checkpoint died mid-append
  auto db = Database::open(dir.path());
  CHECK(db->table("kv").size() == 1);
}

TEST_CASE("a data file that fails its checksum makes only its table unavailable") {
  TempDir dir;
  {
    auto db = Database::open(dir.path());
    db->create_table("good", kv_schema()).insert({{"v", "fine"}});
    db->create_table("bad", kv_schema()).insert({{"v", "will be damaged"}});
  }
  std::filesystem::path file;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "tables" / "bad"))
    if (e.path().filename().string().starts_with("data_")) file = e.path();
  std::string bytes = test::read_file(file);
  bytes[bytes.find("damaged")] = 'D';
  test::write_file(file, bytes);

  auto db = Database::open(dir.path());
  CHECK_THROWS_WITH(db->table("bad"), Catch::Contains("bad") && Catch::Contains(file.filename().string()) &&
                                          Catch::Contains("checksum"));
  CHECK(!db->status("bad").available);
  CHECK(db->table("good").size() == 1);
  CHECK_NOTHROW(db->table("good").insert({{"v", "still writable"}}));
}

TEST_CASE("the log is checkpointed by itself when it passes its size limit") {
  TempDir dir;
  auto config = Config::from_string(R"({"durability": {"checkpoint_wal_bytes": 4096}})");
  auto db = Database::open(dir.path(), config);
  auto t = db->create_table("kv", kv_schema());
  for (int i = 0; i < 200; ++i) t.insert({{"v", std::string(100, 'x')}});
  // 200 records of >100 bytes would be >20 KiB in one segment.
  for (const auto& seg : wal_segments(dir.path())) CHECK(std::filesystem::file_size(seg) < 8192);
}

TEST_CASE("a damaged length in the middle of the last segment is corruption, not a torn tail") {
  TempDir dir;
  { Database::open(dir.path())->create_table("kv", kv_schema()); }
  in_child_that_dies([&] {
    auto db = Database::open(dir.path()).release();
    auto t = db->table("kv");
    for (int i = 0; i < 10; ++i) t.insert({{"v", std::string(30, 'a' + i)}});
  });
  auto seg = wal_segments(dir.path()).back();
  std::string bytes = test::read_file(seg);
  size_t payload = bytes.find(std::string(30, 'e'));
  REQUIRE(payload != std::string::npos);
  // Find the start of that record's header: walk the records from the segment header.
  size_t at = 16, record = std::string::npos;
  while (at + 16 <= bytes.size()) {
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= uint32_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    if (payload >= at && payload < at + 16 + len) {
      record = at;
      break;
    }
    at += 16 + len;
  }
  REQUIRE(record != std::string::npos);
  bytes[record + 2] = 0x7f;  // the length now runs far past the end of the file
  test::write_file(seg, bytes);
  CHECK_THROWS_WITH(Database::open(dir.path()), Catch::Contains("intact record") && Catch::Contains("--salvage"));
  OpenOptions salvage;
  salvage.salvage = true;
  auto db = Database::open(dir.path(), Config(), salvage);
  CHECK(db->table("kv").size() == 4);
  CHECK(db->recovery().dropped_records == 5);
}
