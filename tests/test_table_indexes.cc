// Secondary indexes inside tables: UNIQUE through indexes, runtime
// create/drop, reopen, and a missing index plugin.
#include <algorithm>
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>
#include <fmt/format.h>

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

TEST_CASE("every index answers as a full scan does after updates that keep or change its key") {
  TempDir dir;
  Config config;
  config.durability.sync = SyncMode::kOff;
  auto db = Database::open(dir.path(), config);
  auto t = db->create_table("users", user_schema());
  t.create_index({.name = "by_team", .columns = {"team"}, .type = "hash"});
  t.create_index({.name = "by_number", .columns = {"number"}, .type = "btree"});
  t.create_index({.name = "by_team_number", .columns = {"team", "number"}, .type = "btree"});
  const char* teams[] = {"red", "blue", "green"};
  for (int i = 0; i < 60; ++i) t.insert({{"email", "u" + std::to_string(i) + "@x"}, {"team", teams[i % 3]}, {"number", i % 7}});
  uint64_t state = 99;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  for (int round = 0; round < 40; ++round) {
    auto txn = db->begin();
    for (int k = 0; k < 10; ++k) {
      const int64_t id = 1 + static_cast<int64_t>(next(60));
      Fields f;
      switch (next(4)) {  // keep every key, or change one or more of them
        case 0: f = {{"number", static_cast<int64_t>(next(7))}}; break;
        case 1: f = {{"team", teams[next(3)]}}; break;
        case 2: f = {{"email", "v" + std::to_string(round * 100 + k) + "@x"}, {"number", static_cast<int64_t>(next(7))}}; break;
        default: break;  // an update that changes nothing
      }
      txn.update("users", Value(id), f);
    }
    txn.commit();
  }
  std::vector<Record> rows;
  t.for_each([&](RecordView r) { rows.emplace_back(r.begin(), r.end()); });
  auto ids_where = [&](auto pred) {
    std::vector<int64_t> ids;
    for (const auto& r : rows)
      if (pred(r)) ids.push_back(r[0].as_int());
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  auto ids_of = [&](Query q) {
    INFO(q.explain());
    CHECK(q.explain().find("full scan") == std::string::npos);  // through the index
    std::vector<int64_t> ids;
    q.for_each([&](RecordView r) { ids.push_back(r[0].as_int()); });
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  for (const char* team : teams) {
    CHECK(ids_of(t.query().where(fmt::format("team = '{}'", team))) ==
          ids_where([&](const Record& r) { return r[2] == Value(team); }));
    for (int64_t n = 0; n < 7; ++n)
      CHECK(ids_of(t.query().where(fmt::format("team = '{}' AND number = {}", team, n))) ==
            ids_where([&](const Record& r) { return r[2] == Value(team) && r[3] == Value(n); }));
  }
  for (int64_t n = 0; n < 7; ++n)
    CHECK(ids_of(t.query().where(fmt::format("number >= {}", n))) ==
          ids_where([&](const Record& r) { return r[3] >= Value(n); }));
  for (const auto& r : rows) {
    Record found;
    REQUIRE(t.get_by("email", r[1], found));
    CHECK(found == r);
  }
}

TEST_CASE("an ordered index filled at load lists every row in key order, for every kind of key") {
  // Loading fills a one-column ordered index in key order: number columns
  // through a sorted 64-bit image of each value, others (or a column with
  // NULL or NaN) through sorted Values. Each must give back exactly the
  // stored keys, in order, after a reopen.
  struct Kind {
    const char* name;
    Type type;
    std::vector<Value> values;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Kind> kinds = {
      {"integers", Type::kInteger, {Value(int64_t{-5}), Value(int64_t{0}), Value(INT64_MIN), Value(INT64_MAX), Value(int64_t{7})}},
      {"reals", Type::kReal, {Value(-2.5), Value(-0.0), Value(0.0), Value(1e300), Value(-inf), Value(inf), Value(3.25)}},
      {"reals with NULL and NaN", Type::kReal, {Value(1.5), Value(), Value(std::nan("")), Value(-1.0)}},
      {"texts", Type::kText, {Value("b"), Value("a"), Value(""), Value(std::string(40, 'z')), Value()}},
  };
  for (const Kind& kind : kinds) {
    INFO(kind.name);
    TempDir dir;
    Schema schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                   {.name = "v", .type = kind.type}});
    std::vector<Value> stored;
    {
      auto db = Database::open(dir.path());
      auto t = db->create_table("t", schema);
      t.create_index({.name = "by_v", .columns = {"v"}, .type = "btree"});
      auto txn = db->begin();
      for (int64_t id = 1; id <= 300; ++id) {  // each value many times, in no order
        const Value& v = kind.values[static_cast<size_t>(id * 7919 % 31) % kind.values.size()];
        txn.insert("t", {{"id", Value(id)}, {"v", v}});
        stored.push_back(v);
      }
      txn.commit();
      db->checkpoint();
    }
    std::stable_sort(stored.begin(), stored.end(), [](const Value& a, const Value& b) { return compare(a, b) < 0; });
    auto db = Database::open(dir.path());
    auto t = db->table("t");
    Query q = t.query().order_by("v");
    CHECK_THAT(q.explain(), Catch::Contains("by_v"));
    std::vector<Value> listed;
    q.for_each([&](RecordView r) { listed.push_back(r[1]); });
    REQUIRE(listed.size() == stored.size());
    for (size_t i = 0; i < listed.size(); ++i) {
      INFO("position " << i << ": " << listed[i].to_string() << " vs " << stored[i].to_string());
      // The same value and type, bit for bit (-0.0 stays -0.0).
      CHECK(listed[i].type() == stored[i].type());
      CHECK(listed[i].to_string() == stored[i].to_string());
    }
    // Equality lookups through the index find every copy.
    for (const Value& v : kind.values) {
      if (v.is_null()) continue;
      const auto want = std::count_if(stored.begin(), stored.end(), [&](const Value& s) { return compare(s, v) == 0; });
      CHECK(t.query().where(Predicate::compare("v", CompareOp::kEq, v)).count() == static_cast<uint64_t>(want));
    }
  }
}
