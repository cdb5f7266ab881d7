// Backup while writers run, restore with verification, and verify().
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <tessera/tessera.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;

namespace {

Schema ledger_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                 {.name = "amount", .type = Type::kInteger}});
}

std::vector<std::filesystem::path> data_files(const std::filesystem::path& db) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(db / "tables"))
    if (e.path().filename().string().starts_with("data_")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a backup taken during concurrent transactions restores to a consistent state") {
  TempDir dir;
  auto db = Database::open(dir / "db");
  auto debit = db->create_table("debit", ledger_schema());
  auto credit = db->create_table("credit", ledger_schema());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{0};
  // Each transaction writes the same id into both tables: a consistent
  // snapshot has exactly the same ids in each.
  std::thread writer([&] {
    for (int64_t id = 1; !stop; ++id) {
      auto txn = db->begin();
      txn.insert("debit", {{"id", id}, {"amount", -id}});
      txn.insert("credit", {{"id", id}, {"amount", id}});
      txn.commit();
      committed = id;
    }
  });
  while (committed < 200) std::this_thread::yield();
  auto report = db->backup(dir / "backup");
  int64_t after = committed;
  while (committed < after + 100) std::this_thread::yield();
  stop = true;
  writer.join();
  CHECK(report.files >= 5);  // catalog, two table.json, two data files
  CHECK(std::filesystem::exists(report.path / "backup.json"));

  Database::restore(report.path, dir / "restored");
  auto restored = Database::open(dir / "restored");
  auto d = restored->table("debit"), c = restored->table("credit");
  CHECK(d.size() == c.size());
  CHECK(d.size() >= 200);
  CHECK(d.size() <= static_cast<uint64_t>(after));
  for (const Row& row : d.scan()) {
    auto other = c.get(row["id"]);
    REQUIRE(other);
    CHECK((*other)["amount"].as_int() == -row["amount"].as_int());
  }
  // Every id up to the largest is there: no transaction was cut in half or skipped.
  int64_t max_id = 0;
  for (const Row& row : d.scan()) max_id = std::max(max_id, row["id"].as_int());
  CHECK(static_cast<uint64_t>(max_id) == d.size());
  // The live database went on unharmed.
  CHECK(db->table("debit").size() == static_cast<uint64_t>(committed.load()));
}

TEST_CASE("restore refuses a non-empty folder unless forced, and a damaged backup always") {
  TempDir dir;
  {
    auto db = Database::open(dir / "db");
    db->create_table("t", ledger_schema()).insert({{"id", 1}, {"amount", 5}});
    db->backup(dir / "b");
  }
  std::filesystem::create_directories(dir / "busy");
  test::write_file(dir / "busy" / "keep.txt", "x");
  CHECK_THROWS_WITH(Database::restore(dir / "b", dir / "busy"), Catch::Contains("not empty"));
  CHECK(std::filesystem::exists(dir / "busy" / "keep.txt"));
  Database::restore(dir / "b", dir / "busy", /*force=*/true);
  CHECK(!std::filesystem::exists(dir / "busy" / "keep.txt"));
  CHECK(Database::open(dir / "busy")->table("t").size() == 1);

  auto files = data_files(dir / "b");
  REQUIRE(!files.empty());
  std::string bytes = test::read_file(files[0]);
  bytes[bytes.size() / 2] ^= 0x20;
  test::write_file(files[0], bytes);
  CHECK_THROWS_WITH(Database::restore(dir / "b", dir / "fresh"),
                    Catch::Contains(files[0].filename().string()) && Catch::Contains("checksum"));
  CHECK(!std::filesystem::exists(dir / "fresh" / "tessera.json"));
}

TEST_CASE("a backup into an existing folder gets a timestamped name") {
  TempDir dir;
  auto db = Database::open(dir / "db");
  db->create_table("t", ledger_schema());
  std::filesystem::create_directories(dir / "backups");
  test::write_file(dir / "backups" / "older", "");
  auto report = db->backup(dir / "backups");
  CHECK(report.path.parent_path() == dir / "backups");
  CHECK_THAT(report.path.filename().string(), Catch::StartsWith("tessera-backup-"));
}

TEST_CASE("verify finds a flipped byte in any data file, and damage in the log") {
  TempDir dir;
  {
    auto db = Database::open(dir / "db");
    TableConfig tc;
    tc.max_rows_per_file = 10;
    auto t = db->create_table("t", ledger_schema(), tc);
    for (int i = 0; i < 35; ++i) t.insert({{"id", i}, {"amount", i * 3}});
    db->checkpoint();
    CHECK(db->verify().ok());
    CHECK(db->verify().files_checked == 4);
  }
  auto files = data_files(dir / "db");
  REQUIRE(files.size() == 4);
  for (const auto& file : files) {
    std::string original = test::read_file(file);
    std::string bytes = original;
    bytes[bytes.size() / 3] ^= 0x04;
    test::write_file(file, bytes);
    {
      auto db = Database::open(dir / "db");
      auto report = db->verify();
      REQUIRE(report.problems.size() == 1);
      CHECK_THAT(report.problems[0], Catch::Contains(file.filename().string()));
    }
    test::write_file(file, original);
  }
  auto db = Database::open(dir / "db");
  CHECK(db->verify().ok());
}
