// Converting a table between formats and compressors, and creating a table
// with its rows in one step.
#include <catch2/catch.hpp>

#include <tessera/tessera.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;

namespace {

Schema schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "name", .type = Type::kText},
                 {.name = "email", .type = Type::kText, .unique = true},
                 {.name = "blob", .type = Type::kBlob}});
}

std::vector<std::string> data_files(const std::filesystem::path& table_dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(table_dir))
    if (e.path().filename().string().starts_with("data_")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool built(const std::string& lib) {
  return std::filesystem::exists(std::filesystem::path(TESSERA_BUILD_PLUGIN_DIR) / lib);
}

}  // namespace

TEST_CASE("convert rewrites a table in another form and records the new plugins") {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> forms = {{"csv", "none"}, {"jsonl", "none"}};
  if (built("libtessera_compressor_zstd.so")) forms.push_back({"csv", "zstd"});
  if (built("libtessera_compressor_lz4.so")) forms.push_back({"jsonl", "lz4"});
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("people", schema());
    for (int i = 0; i < 300; ++i)
      t.insert({{"name", "n,\"" + std::to_string(i)}, {"email", "e" + std::to_string(i)}, {"blob", Blob{1, 2, 3}}});
    for (const auto& [format, compressor] : forms) {
      INFO(format << "+" << compressor);
      t.insert({{"name", "added before " + format}});  // uncheckpointed changes are carried over
      db->convert_table("people", format, nlohmann::json::object(), compressor, nlohmann::json::object());
      auto files = data_files(dir.path() / "tables" / "people");
      REQUIRE(files.size() == 1);
      std::string ext = "." + format + (compressor == "none" ? "" : compressor == "zstd" ? ".zst" : ".lz4");
      CHECK(files[0].ends_with(ext));
      auto st = db->status("people");
      CHECK(st.plugins[0].name == format);
      CHECK(t.get(Value(5)));
      CHECK_THROWS_AS(t.insert({{"email", "e7"}}), Error);  // indexes still enforce
    }
  }
  auto db = Database::open(dir.path());
  auto t = db->table("people");
  CHECK(t.size() == 300 + forms.size());
  CHECK((*t.get(Value(10)))["name"] == Value("n,\"9"));
  CHECK(db->status("people").plugins[0].name == forms.back().first);
}

TEST_CASE("convert to a missing plugin fails and leaves the table as it was") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("people", schema());
  t.insert({{"name", "a"}});
  db->checkpoint();
  auto before = data_files(dir.path() / "tables" / "people");
  CHECK_THROWS_WITH(db->convert_table("people", "parquet", {}, "none", {}), Catch::Contains("parquet"));
  CHECK(data_files(dir.path() / "tables" / "people") == before);
  CHECK(t.size() == 1);
}

TEST_CASE("create_table_with validates every row and creates nothing on a bad one") {
  TempDir dir;
  auto db = Database::open(dir.path());
  std::vector<Record> rows = {{Value(), "a", "x@x", Value()}, {Value(), "b", "y@y", Value()}};
  size_t i = 0;
  auto feed = [&](Record& r) {
    if (i == rows.size()) return false;
    r = rows[i++];
    return true;
  };
  auto t = db->create_table_with("imported", schema(), std::nullopt, feed);
  CHECK(t.size() == 2);
  CHECK(t.insert({{"name", "c"}}) == Value(3));

  rows.push_back({Value(), "c", "x@x", Value()});  // duplicate email
  i = 0;
  CHECK_THROWS_WITH(db->create_table_with("imported2", schema(), std::nullopt, feed), Catch::Contains("x@x"));
  CHECK(!db->table_exists("imported2"));
  CHECK(!std::filesystem::exists(dir.path() / "tables" / "imported2" / "table.json"));
}
