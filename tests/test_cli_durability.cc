// The durability commands of the `tessera` tool, run as a user would:
// verify, backup, restore, recover [--salvage], checkpoint.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <tessera/tessera.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::run_command;
using tessera::test::TempDir;
namespace fs = std::filesystem;

namespace {

Schema kv_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "v", .type = Type::kText}});
}

int tessera_cli(const std::string& args, std::string& out) {
  return run_command(std::string(TESSERA_CLI_PATH) + " " + args, out);
}

// A database whose table "kv" holds 20 rows that are only in the log: the
// process that wrote them died without a checkpoint.
void make_uncheckpointed(const fs::path& dir) {
  { Database::open(dir)->create_table("kv", kv_schema()); }
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      auto db = Database::open(dir).release();
      auto t = db->table("kv");
      for (int i = 0; i < 20; ++i) t.insert({{"v", std::string(40, static_cast<char>('a' + i))}});
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

fs::path last_segment(const fs::path& dir) {
  fs::path last;
  for (const auto& e : fs::directory_iterator(dir / "wal"))
    if (e.path().extension() == ".log" && e.path() > last) last = e.path();
  return last;
}

fs::path some_data_file(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir / "tables" / "kv"))
    if (e.path().filename().string().starts_with("data_")) return e.path();
  FAIL("no data file");
  return {};
}

int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("cli: verify prints one summary line for a sound database and a line per problem otherwise") {
  TempDir dir;
  {
    auto db = Database::open(dir / "db");
    auto t = db->create_table("kv", kv_schema());
    for (int i = 0; i < 10; ++i) t.insert({{"v", "row"}});
  }
  std::string out;
  CHECK(tessera_cli("verify " + (dir / "db").string(), out) == 0);
  CHECK(count_lines(out) == 1);
  CHECK_THAT(out, Catch::StartsWith("ok:"));

  fs::path file = some_data_file(dir / "db");
  std::string bytes = test::read_file(file);
  bytes[bytes.size() / 2] ^= 0x01;
  test::write_file(file, bytes);
  CHECK(tessera_cli("verify " + (dir / "db").string(), out) != 0);
  CHECK_THAT(out, Catch::Contains(file.filename().string()));
  CHECK_THAT(out, Catch::Contains("1 problem"));
}

TEST_CASE("cli: a damaged log is verify's problem: recover refuses it and recover --salvage drops the rest") {
  TempDir dir;
  fs::path db = dir / "db";
  make_uncheckpointed(db);
  fs::path seg = last_segment(db);
  std::string bytes = test::read_file(seg);
  size_t at = bytes.find(std::string(40, 'k'));  // the 11th commit
  REQUIRE(at != std::string::npos);
  bytes[at + 5] ^= 0x01;
  test::write_file(seg, bytes);

  std::string out;
  CHECK(tessera_cli("verify " + db.string(), out) == 1);
  CHECK_THAT(out, Catch::Contains(seg.filename().string()) && Catch::Contains("offset"));

  CHECK(tessera_cli("recover " + db.string(), out) == 1);
  CHECK_THAT(out, Catch::Contains("refused") && Catch::Contains(seg.filename().string()));
  CHECK(test::read_file(seg) == bytes);  // refusing changes nothing

  CHECK(tessera_cli("recover " + db.string() + " --salvage", out) == 0);
  CHECK_THAT(out, Catch::Contains("dropped 9 record(s)"));
  CHECK(tessera_cli("verify " + db.string(), out) == 0);
  CHECK(Database::open(db)->table("kv").size() == 10);
}

TEST_CASE("cli: recover reports the replayed commits, checkpoint writes them into the tables") {
  TempDir dir;
  fs::path db = dir / "db";
  make_uncheckpointed(db);
  std::string out;
  CHECK(tessera_cli("recover " + db.string(), out) == 0);
  CHECK_THAT(out, Catch::Contains("replayed 20 commit(s)"));
  CHECK(tessera_cli("checkpoint " + db.string(), out) == 0);
  CHECK_THAT(out, Catch::Contains("checkpoint done"));
  auto opened = Database::open(db);
  CHECK(opened->recovery().replayed_commits == 0);
  CHECK(opened->table("kv").size() == 20);
}

TEST_CASE("cli: backup and restore, refusing a non-empty target unless --force") {
  TempDir dir;
  fs::path db = dir / "db";
  make_uncheckpointed(db);
  std::string out;
  CHECK(tessera_cli("backup " + db.string() + " " + (dir / "bk").string(), out) == 0);
  CHECK_THAT(out, Catch::Contains("backup"));
  REQUIRE(fs::exists(dir / "bk" / "backup.json"));

  CHECK(tessera_cli("restore " + (dir / "bk").string() + " " + (dir / "copy").string(), out) == 0);
  CHECK(Database::open(dir / "copy")->table("kv").size() == 20);
  CHECK(tessera_cli("restore " + (dir / "bk").string() + " " + (dir / "copy").string(), out) != 0);
  CHECK(tessera_cli("restore " + (dir / "bk").string() + " " + (dir / "copy").string() + " --force", out) == 0);
  CHECK(tessera_cli("verify " + (dir / "copy").string(), out) == 0);
}
