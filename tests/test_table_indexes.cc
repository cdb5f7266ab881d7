// Secondary indexes inside tables: UNIQUE through indexes, runtime
// create/drop, reopen, and a missing index plugin.
#include <catch2/catch.hpp>

#include <tessera/tessera.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;

namespace {

Schema user_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "email", .type = Type::kText, .unique = true},
                 {.name = "team", .type = Type::kText},
                 {.name = "number", .type = Type::kInteger}});
}

bool has_index(const Table& t, const std::string& name) {
  for (const auto& ix : t.indexes())
    if (ix.name == name) return true;
  return false;
}

}  // namespace

TEST_CASE("a UNIQUE column is enforced through an implicit hash index") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("users", user_schema());
  auto list = t.indexes();
  REQUIRE(list.size() == 1);
  CHECK(list[0].name == "unique_email");
  CHECK(list[0].type == "hash");
  CHECK(list[0].implicit);
  CHECK(list[0].plugin == "tessera-hash");
  t.insert({{"email", "a@x"}});
  CHECK_THROWS_WITH(t.insert({{"email", "a@x"}}), Catch::Contains("'email'") && Catch::Contains("key 1"));
  // NULLs never conflict.
  t.insert({{"email", Value()}});
  t.insert({{"email", Value()}});
  CHECK(t.size() == 3);
  CHECK_THROWS_WITH(t.drop_index("unique_email"), Catch::Contains("UNIQUE"));
}

TEST_CASE("a composite unique index refuses duplicates of the whole key only") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("users", user_schema());
  t.create_index({.name = "team_number", .columns = {"team", "number"}, .type = "hash", .unique = true});
  t.insert({{"team", "red"}, {"number", 7}});
  t.insert({{"team", "blue"}, {"number", 7}});
  t.insert({{"team", "red"}, {"number", 8}});
  CHECK_THROWS_WITH(t.insert({{"team", "red"}, {"number", 7}}),
                    Catch::Contains("team_number") && Catch::Contains("\"red\", 7") && Catch::Contains("key 1"));
  CHECK(t.size() == 3);
  // Moving a value between rows in one transaction is fine.
  auto txn = db->begin();
  txn.update("users", Value(1), {{"number", 9}});
  txn.update("users", Value(3), {{"number", 7}});
  txn.commit();
  CHECK((*t.get(Value(3)))["number"] == Value(7));
}

TEST_CASE("creating a unique index over duplicates fails and creates nothing") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("users", user_schema());
  t.insert({{"team", "red"}});
  t.insert({{"team", "red"}});
  CHECK_THROWS_WITH(t.create_index({.columns = {"team"}, .type = "hash", .unique = true}),
                    Catch::Contains("\"red\"") && Catch::Contains("keys"));
  CHECK(!has_index(t, "unique_team"));
  CHECK_NOTHROW(t.create_index({.columns = {"team"}, .type = "hash"}));
  CHECK(has_index(t, "idx_team"));
  CHECK_THROWS_AS(t.create_index({.columns = {"team"}, .type = "hash"}), Error);  // same name
  CHECK_THROWS_WITH(t.create_index({.columns = {"nope"}, .type = "hash"}), Catch::Contains("'nope'"));
  CHECK_THROWS_WITH(t.create_index({.name = "q", .columns = {"team"}, .type = "quadtree"}), Catch::Contains("quadtree"));
}

TEST_CASE("indexes survive reopen and crash recovery, and can be dropped") {
  TempDir dir;
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("users", user_schema());
    t.create_index({.name = "by_team", .columns = {"team"}, .type = "hash"});
    for (int i = 0; i < 100; ++i) t.insert({{"email", "u" + std::to_string(i)}, {"team", i % 2 ? "odd" : "even"}});
  }
  {
    auto db = Database::open(dir.path());
    auto t = db->table("users");
    CHECK(has_index(t, "by_team"));
    CHECK_THROWS_AS(t.insert({{"email", "u5"}}), Error);
    t.drop_index("by_team");
  }
  auto db = Database::open(dir.path());
  CHECK(!has_index(db->table("users"), "by_team"));
}

TEST_CASE("configured indexes are created with the table and a bad definition names its key") {
  TempDir dir;
  auto config = Config::from_string(R"({"tables": {"users": {"indexes": [
      {"name": "by_email", "column": "email", "type": "hash", "unique": true},
      {"columns": ["team", "number"], "type": "hash"}]}}})");
  auto db = Database::open(dir.path(), config);
  auto t = db->create_table("users", user_schema());
  auto list = t.indexes();
  REQUIRE(list.size() == 2);  // by_email covers the UNIQUE column: no implicit one
  CHECK(list[0].name == "by_email");
  CHECK(list[1].name == "idx_team_number");

  auto bad = Config::from_string(R"({"tables": {"users": {"indexes": [{"column": "email", "typo": 1}]}}})");
  auto db2 = Database::open(dir / "other", bad);
  CHECK_THROWS_WITH(db2->create_table("users", user_schema()),
                    Catch::Contains("tables.users.indexes[0]") && Catch::Contains("typo"));
  CHECK(!db2->table_exists("users"));
}
