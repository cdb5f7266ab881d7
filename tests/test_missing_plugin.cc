// A database whose table needs a plugin that is no longer found: that table
// is unavailable, with a message saying what is missing and where it was
// looked for, and every other table keeps working.
#include <algorithm>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "tessera/database.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace tessera;
using Catch::Matchers::Contains;

// The folder holding the test-extra plugin (format "extra_lines", version 3.1.0).
const fs::path kExtraDir = fs::path(TESSERA_TEST_PLUGIN_DIR) / "extra_format";

Schema people_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "name", .type = Type::kText}});
}

Config with_extra_plugins() {
  Config c;
  c.plugin_paths = {kExtraDir};
  return c;
}

TableConfig stored_as(const std::string& format) {
  TableConfig t;
  t.format = format;
  return t;
}

// Creates "kept" (format extra_lines, from kExtraDir) and "plain" (jsonl).
void create_database(const fs::path& dir) {
  auto db = Database::open(dir, with_extra_plugins());
  auto kept = db->create_table("kept", people_schema(), stored_as("extra_lines"));
  kept.insert({{"name", "Ann"}});
  kept.insert({{"name", "Bob"}});
  auto plain = db->create_table("plain", people_schema(), stored_as("jsonl"));
  plain.insert({{"name", "Cy"}});
  db->close();
}

}  // namespace

TEST_CASE("a table whose format plugin is missing is unavailable, the others work", "[plugins][database]") {
  test::TempDir tmp;
  const fs::path dir = tmp / "db";
  create_database(dir);

  {
    auto db = Database::open(dir);  // without kExtraDir
    auto names = db->table_names();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"kept", "plain"});
    CHECK(db->table_exists("kept"));

    try {
      db->table("kept");
      FAIL("table() on a table with a missing plugin did not throw");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kUnavailable);
      const std::string msg = e.what();
      CHECK_THAT(msg, Contains("table 'kept' is unavailable"));
      CHECK_THAT(msg, Contains("format plugin 'extra_lines' (test-extra 3.1.0)"));
      CHECK_THAT(msg, Contains("searched: "));
      CHECK_THAT(msg, Contains(TESSERA_BUILD_PLUGIN_DIR));
    }

    TableStatus kept = db->status("kept");
    CHECK(kept.name == "kept");
    CHECK_FALSE(kept.available);
    CHECK_THAT(kept.error, Contains("extra_lines"));
    REQUIRE(kept.plugins.size() == 1);  // uncompressed: no compressor requirement
    CHECK(kept.plugins[0].kind == ComponentKind::kFormat);
    CHECK(kept.plugins[0].name == "extra_lines");
    CHECK(kept.plugins[0].plugin == "test-extra");
    CHECK(kept.plugins[0].version == "3.1.0");
    CHECK_FALSE(kept.plugins[0].found);

    TableStatus plain = db->status("plain");
    CHECK(plain.available);
    CHECK(plain.error.empty());
    REQUIRE(plain.plugins.size() == 1);
    CHECK(plain.plugins[0].name == "jsonl");
    CHECK(plain.plugins[0].plugin == "tessera-jsonl");
    CHECK(plain.plugins[0].found);

    // The jsonl table reads and writes as usual.
    auto t = db->table("plain");
    CHECK(t.size() == 1);
    auto row = t.get(Value(1));
    REQUIRE(row);
    CHECK((*row)["name"] == Value("Cy"));
    Value id = t.insert({{"name", "Dee"}});
    CHECK(id == Value(2));
    db->close();
  }

  {
    // What was written without the plugin persisted, and the unavailable
    // table's files were left alone: with its folder back, it reads again.
    auto db = Database::open(dir, with_extra_plugins());
    CHECK(db->table("plain").size() == 2);
    CHECK(db->status("kept").available);
    auto kept = db->table("kept");
    CHECK(kept.size() == 2);
    auto row = kept.get(Value(2));
    REQUIRE(row);
    CHECK((*row)["name"] == Value("Bob"));
  }
}

TEST_CASE("creating a table with a plugin that is not loaded names it", "[plugins][database]") {
  test::TempDir tmp;
  auto db = Database::open(tmp / "db");
  try {
    db->create_table("t", people_schema(), stored_as("extra_lines"));
    FAIL("create_table with a missing format did not throw");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kPlugin);
    CHECK_THAT(std::string(e.what()), Contains("no format plugin 'extra_lines' is loaded"));
  }
  CHECK_FALSE(db->table_exists("t"));
}
