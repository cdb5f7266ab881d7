// The fault-injecting FileSystem: its power-loss model and its faults. The
// crash tests prove durability against this model, so it is tested first.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>

#include <tessera/error.h>

#include "fault_fs.h"
#include "test_util.h"

using namespace tessera;
using tessera::test::FaultFs;
using tessera::test::TempDir;
using tessera::test::error_code_of;
namespace fs = std::filesystem;

namespace {

using Op = FaultFs::Op;

void put(detail::FileSystem& f, const fs::path& p, const std::string& bytes, bool sync) {
  auto w = f.create(p);
  w->append(bytes.data(), bytes.size());
  if (sync) w->sync();
  w->close();
}

void append(detail::FileSystem& f, const fs::path& p, const std::string& bytes, bool sync) {
  auto w = f.open_append(p);
  w->append(bytes.data(), bytes.size());
  if (sync) w->sync();
  w->close();
}

std::string content(const fs::path& p) { return test::read_file(p); }


}  // namespace

TEST_CASE("fault fs: a new file survives a crash only with its data and its folder entry synced") {
  TempDir dir;
  FaultFs f(dir.path());
  put(f, dir / "none", "a", false);          // neither synced
  put(f, dir / "data_only", "b", true);      // data synced, entry not
  f.crash();
  CHECK_FALSE(fs::exists(dir / "none"));
  CHECK_FALSE(fs::exists(dir / "data_only"));

  f.reset();
  put(f, dir / "entry_only", "c", false);
  put(f, dir / "both", "d", true);
  f.sync_dir(dir.path());
  f.crash();
  REQUIRE(fs::exists(dir / "entry_only"));
  CHECK(content(dir / "entry_only").empty());  // never synced: empty
  CHECK(content(dir / "both") == "d");
}

TEST_CASE("fault fs: a file keeps the content of its last sync") {
  TempDir dir;
  FaultFs f(dir.path());
  auto w = f.create(dir / "log");
  f.sync_dir(dir.path());
  w->append("one", 3);
  w->sync();
  w->append("two", 3);
  CHECK(w->size() == 6);
  CHECK(content(dir / "log") == "onetwo");  // the real file has everything
  f.crash();
  CHECK(content(dir / "log") == "one");
}

TEST_CASE("fault fs: a sync through a second handle covers the file") {
  TempDir dir;
  FaultFs f(dir.path());
  auto a = f.create(dir / "log");
  auto b = f.open_append(dir / "log");
  f.sync_dir(dir.path());
  a->append("xyz", 3);
  b->sync();
  f.crash();
  CHECK(content(dir / "log") == "xyz");
}

TEST_CASE("fault fs: files present at the start are durable and unsynced changes to them are undone") {
  TempDir dir;
  fs::create_directories(dir / "sub");
  test::write_file(dir / "sub" / "old", "original");
  test::write_file(dir / "gone", "keep me");
  FaultFs f(dir.path());
  append(f, dir / "sub" / "old", "+more", false);
  f.truncate(dir / "gone", 2);
  f.remove(dir / "gone");
  CHECK_FALSE(fs::exists(dir / "gone"));
  f.crash();
  CHECK(content(dir / "sub" / "old") == "original");
  CHECK(content(dir / "gone") == "keep me");  // the removal was not synced
}

TEST_CASE("fault fs: truncate and create over a file last as far as a sync") {
  TempDir dir;
  test::write_file(dir / "a", "0123456789");
  test::write_file(dir / "b", "old content");
  FaultFs f(dir.path());
  f.truncate(dir / "a", 4);
  append(f, dir / "a", "", true);
  put(f, dir / "b", "new", false);
  f.crash();
  CHECK(content(dir / "a") == "0123");
  CHECK(content(dir / "b") == "old content");
}

TEST_CASE("fault fs: a rename lasts only once its folder is synced") {
  TempDir dir;
  test::write_file(dir / "target", "old");
  FaultFs f(dir.path());
  SECTION("not synced: undone") {
    put(f, dir / "target.tmp", "new", true);
    f.rename(dir / "target.tmp", dir / "target");
    CHECK(content(dir / "target") == "new");
    f.crash();
    CHECK(content(dir / "target") == "old");
    CHECK_FALSE(fs::exists(dir / "target.tmp"));
  }
  SECTION("write_file_atomic: synced") {
    detail::write_file_atomic(f, dir / "target", "new");
    f.crash();
    CHECK(content(dir / "target") == "new");
    CHECK_FALSE(fs::exists(dir / "target.tmp"));
  }
}

TEST_CASE("fault fs: a rename across folders keeps each side as its folder was synced") {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  test::write_file(dir / "a" / "f", "data");
  FaultFs f(dir.path());
  f.rename(dir / "a" / "f", dir / "b" / "f");
  SECTION("only the target folder synced: in both") {
    f.sync_dir(dir / "b");
    f.crash();
    CHECK(content(dir / "a" / "f") == "data");
    CHECK(content(dir / "b" / "f") == "data");
  }
  SECTION("only the source folder synced: in neither") {
    f.sync_dir(dir / "a");
    f.crash();
    CHECK_FALSE(fs::exists(dir / "a" / "f"));
    CHECK_FALSE(fs::exists(dir / "b" / "f"));
  }
}

TEST_CASE("fault fs: a removal lasts once its folder is synced") {
  TempDir dir;
  test::write_file(dir / "f", "x");
  FaultFs f(dir.path());
  f.remove(dir / "f");
  f.remove(dir / "absent");  // no error, as with POSIX
  f.sync_dir(dir.path());
  f.crash();
  CHECK_FALSE(fs::exists(dir / "f"));
}

TEST_CASE("fault fs: new folders need their parent synced and their content goes with them") {
  TempDir dir;
  FaultFs f(dir.path());
  f.create_directories(dir / "x" / "y");
  put(f, dir / "x" / "y" / "file", "z", true);
  f.sync_dir(dir / "x" / "y");
  f.sync_dir(dir / "x");
  SECTION("root not synced") {
    f.crash();
    CHECK_FALSE(fs::exists(dir / "x"));
  }
  SECTION("root synced") {
    f.sync_dir(dir.path());
    f.crash();
    CHECK(content(dir / "x" / "y" / "file") == "z");
  }
}

TEST_CASE("fault fs: a removed folder comes back unless the removal was synced") {
  TempDir dir;
  fs::create_directories(dir / "t");
  test::write_file(dir / "t" / "data", "rows");
  FaultFs f(dir.path());
  f.remove_all(dir / "t");
  CHECK_FALSE(fs::exists(dir / "t"));
  f.crash();
  CHECK(content(dir / "t" / "data") == "rows");
}

TEST_CASE("fault fs: after a crash every operation is refused until reset") {
  TempDir dir;
  FaultFs f(dir.path());
  auto w = f.create(dir / "f");
  f.sync_dir(dir.path());
  auto r = f.open_read(dir / "f");
  f.crash();
  CHECK(f.crashed());
  char c;
  CHECK(error_code_of([&] { w->append("a", 1); }) == ErrorCode::kIO);
  CHECK(error_code_of([&] { w->sync(); }) == ErrorCode::kIO);
  CHECK(error_code_of([&] { r->read(&c, 1); }) == ErrorCode::kIO);
  CHECK(error_code_of([&] { f.create(dir / "g"); }) == ErrorCode::kIO);
  CHECK(error_code_of([&] { f.exists(dir / "f"); }) == ErrorCode::kIO);
  CHECK(error_code_of([&] { f.list(dir.path()); }) == ErrorCode::kIO);
  f.reset();
  CHECK_FALSE(f.crashed());
  CHECK(f.exists(dir / "f"));
  CHECK(error_code_of([&] { w->append("a", 1); }) == ErrorCode::kIO);  // handles from before stay dead
  put(f, dir / "g", "ok", true);
  CHECK(content(dir / "g") == "ok");
}

TEST_CASE("fault fs: counts operations by kind") {
  TempDir dir;
  FaultFs f(dir.path());
  detail::write_file_atomic(f, dir / "a", "1");  // create, write, sync, rename, sync_dir
  f.truncate(dir / "a", 0);
  f.remove(dir / "a");
  CHECK(f.count(Op::kCreate) == 1);
  CHECK(f.count(Op::kWrite) == 1);
  CHECK(f.count(Op::kSync) == 1);
  CHECK(f.count(Op::kRename) == 1);
  CHECK(f.count(Op::kSyncDir) == 1);
  CHECK(f.count(Op::kTruncate) == 1);
  CHECK(f.count(Op::kRemove) == 1);
  CHECK(f.count(Op::kAny) == 7);
  f.reset();
  CHECK(f.count(Op::kAny) == 0);
}

TEST_CASE("fault fs: fails the chosen operation with the chosen error once or for good") {
  TempDir dir;
  FaultFs f(dir.path());
  auto w = f.create(dir / "f");
  std::string msg;

  f.fail_nth(Op::kWrite, 2, ENOSPC);
  w->append("a", 1);
  CHECK(error_code_of([&] { w->append("b", 1); }, &msg) == ErrorCode::kIO);
  CHECK_THAT(msg, Catch::Contains("injected") && Catch::Contains(std::strerror(ENOSPC)) &&
                      Catch::Contains((dir / "f").string()));
  w->append("c", 1);  // once only
  CHECK(content(dir / "f") == "ac");  // the failed write did nothing

  f.fail_nth(Op::kSync, 1, EIO, true);
  CHECK(error_code_of([&] { w->sync(); }, &msg) == ErrorCode::kIO);
  CHECK_THAT(msg, Catch::Contains(std::strerror(EIO)) && Catch::Contains("injected"));
  CHECK(error_code_of([&] { w->sync(); }) == ErrorCode::kIO);  // persistent
  f.clear_faults();
  w->sync();

  f.fail_nth(Op::kAny, 3);
  f.sync_dir(dir.path());
  w->append("d", 1);
  CHECK(error_code_of([&] { f.rename(dir / "f", dir / "g"); }) == ErrorCode::kIO);
  CHECK(fs::exists(dir / "f"));  // the failed rename did nothing
  f.rename(dir / "f", dir / "g");
}

TEST_CASE("fault fs: a failed sync makes nothing durable") {
  TempDir dir;
  FaultFs f(dir.path());
  auto w = f.create(dir / "f");
  f.sync_dir(dir.path());
  w->append("a", 1);
  w->sync();
  w->append("b", 1);
  f.fail_nth(Op::kSync, 1);
  CHECK(error_code_of([&] { w->sync(); }) == ErrorCode::kIO);
  f.crash();
  CHECK(content(dir / "f") == "a");
}

TEST_CASE("fault fs: refuses paths outside its folder") {
  TempDir dir, other;
  FaultFs f(dir.path());
  CHECK(error_code_of([&] { f.create(other / "x"); }) == ErrorCode::kInvalidArgument);
}
