// A damaged data file is found by its checksum, whatever the format and
// compressor: the table becomes unavailable with an error naming the file,
// the other tables keep working, and Database::verify() reports it.
#include <catch2/catch.hpp>

#include "format_testing.h"
#include "tessera/database.h"
#include "tessera/error.h"
#include "test_util.h"

namespace {

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

std::vector<fs::path> data_files(const fs::path& db_dir, const std::string& table) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(db_dir / "tables" / table))
    if (e.path().filename().string().rfind("data_", 0) == 0) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

void flip_byte(const fs::path& file, size_t at) {
  std::string bytes = read_file(file);
  bytes.at(at) = static_cast<char>(bytes[at] ^ 0x5a);
  write_file(file, bytes);
}

TEST_CASE("a flipped byte in any data file is found when the table loads and by verify") {
  FOR_EACH_STACK(stack) {
    TempDir pristine;
    std::vector<Record> rows;
    for (int64_t id = 1; id <= 7; ++id) rows.push_back(generated_record(id));
    {
      auto db = Database::open(pristine.path(), quiet_config());
      TableConfig config = stack.table_config();
      config.max_rows_per_file = 3;  // several files
      db->create_table("damaged", all_types_schema(), config);
      db->create_table("other", all_types_schema(), Stack{"jsonl", "none"}.table_config());
      Transaction txn = db->begin();
      for (const Record& r : rows) txn.insert_record("damaged", r), txn.insert_record("other", r);
      txn.commit();
      db->close();
    }
    const auto files = data_files(pristine.path(), "damaged");
    REQUIRE(files.size() == 3);
    for (const fs::path& file : files) {
      const size_t size = fs::file_size(file);
      REQUIRE(size > 0);
      // The first byte (a header or frame start), the last (a trailer or
      // checksum) and the middle (values).
      for (size_t at : {size_t{0}, size / 2, size - 1}) {
        const std::string name = file.filename().string();
        INFO(stack.label() << ": byte " << at << " of " << name << " (" << size << " bytes)");
        TempDir work;
        fs::copy(pristine.path(), work.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        flip_byte(work.path() / "tables" / "damaged" / name, at);
        auto db = Database::open(work.path(), quiet_config());

        VerifyReport report = db->verify();
        REQUIRE(report.problems.size() == 1);
        CHECK_THAT(report.problems[0], Catch::Contains(name) && Catch::Contains("damaged"));

        try {
          db->table("damaged").size();
          FAIL("a damaged table loaded");
        } catch (const Error& e) {
          INFO(e.what());
          CHECK((e.code() == ErrorCode::kCorruption || e.code() == ErrorCode::kUnavailable));
          CHECK_THAT(e.what(), Catch::Contains(name));
        }
        TableStatus status = db->status("damaged");
        CHECK_FALSE(status.available);
        CHECK_THAT(status.error, Catch::Contains(name));
        CHECK_THROWS_AS(db->table("damaged"), Error);
        // The other table is untouched and readable (and, once, writable).
        Table other = db->table("other");
        CHECK(other.size() == rows.size());
        if (at == 0 && file == files.front()) {
          other.insert_record(generated_record(100));
          CHECK(other.get(Value(100)).has_value());
        }
      }
    }
  }
}

}  // namespace
