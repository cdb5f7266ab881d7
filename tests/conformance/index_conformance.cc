// The Index contract (tessera/index.h), checked for every loaded Index
// plugin: equality semantics here, ordered scans in index_scan.cc, random
// operations against the model in index_random.cc.
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "index_testing.h"
#include "tessera/error.h"

namespace {

using namespace tessera;
using namespace tessera::test;

std::vector<RowId> rows_of(const Index& index, const IndexKey& key) {
  std::vector<RowId> rows;
  index.find(key, rows);
  std::sort(rows.begin(), rows.end());
  return rows;
}
using Rows = std::vector<RowId>;

TEST_CASE("an index stores (key, row) pairs and finds them by key") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kInteger}, false);
    CHECK(index->name() == plugin);
    CHECK(index->size() == 0);
    CHECK(rows_of(*index, {1}).empty());
    CHECK(index->insert({1}, 10));
    CHECK(index->insert({2}, 20));
    CHECK(index->insert({1}, 11));
    CHECK(index->size() == 3);
    CHECK(rows_of(*index, {1}) == Rows{10, 11});
    CHECK(rows_of(*index, {2}) == Rows{20});
    CHECK(rows_of(*index, {3}).empty());

    SECTION("inserting a pair twice is a no-op") {
      CHECK(index->insert({1}, 10));
      CHECK(index->size() == 3);
      CHECK(rows_of(*index, {1}) == Rows{10, 11});
    }
    SECTION("erase removes one pair and reports absent ones") {
      CHECK(index->erase({1}, 10));
      CHECK_FALSE(index->erase({1}, 10));
      CHECK_FALSE(index->erase({2}, 21));
      CHECK_FALSE(index->erase({7}, 20));
      CHECK(index->size() == 2);
      CHECK(rows_of(*index, {1}) == Rows{11});
      CHECK(rows_of(*index, {2}) == Rows{20});
    }
    SECTION("find appends to what the vector holds") {
      std::vector<RowId> rows{99};
      index->find({2}, rows);
      CHECK(rows == Rows{99, 20});
    }
    SECTION("clear empties the index, which stays usable") {
      index->clear();
      CHECK(index->size() == 0);
      CHECK(rows_of(*index, {1}).empty());
      CHECK(index->insert({1}, 12));
      CHECK(rows_of(*index, {1}) == Rows{12});
    }
    CHECK(index->memory_usage() > 0);
  }
}

TEST_CASE("a unique index refuses a second row for a key and changes nothing") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kText}, true);
    CHECK(index->insert({"ann@example.com"}, 1));
    CHECK(index->insert({"bob@example.com"}, 2));
    CHECK_FALSE(index->insert({"ann@example.com"}, 3));
    CHECK(index->size() == 2);
    CHECK(rows_of(*index, {"ann@example.com"}) == Rows{1});
    CHECK(index->insert({"ann@example.com"}, 1));  // the same pair: a no-op, not a conflict
    CHECK(index->size() == 2);
    // Once the key's row is erased, another row may take it.
    CHECK(index->erase({"ann@example.com"}, 1));
    CHECK(index->insert({"ann@example.com"}, 3));
    CHECK(rows_of(*index, {"ann@example.com"}) == Rows{3});
  }
}

TEST_CASE("NULL keys are stored and found, and never conflict in a unique index") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    for (bool unique : {false, true}) {
      INFO("unique: " << unique);
      auto index = make_index(plugin, {Type::kInteger}, unique);
      CHECK(index->insert({Value()}, 1));
      CHECK(index->insert({Value()}, 2));
      CHECK(index->insert({Value()}, 3));
      CHECK(index->insert({0}, 4));
      CHECK(index->size() == 4);
      CHECK(rows_of(*index, {Value()}) == Rows{1, 2, 3});
      CHECK(rows_of(*index, {0}) == Rows{4});  // NULL is not 0
      CHECK(index->erase({Value()}, 2));
      CHECK(rows_of(*index, {Value()}) == Rows{1, 3});

      // A composite key with any NULL part is exempt too.
      auto pair = make_index(plugin, {Type::kText, Type::kInteger}, unique);
      CHECK(pair->insert({"a", Value()}, 1));
      CHECK(pair->insert({"a", Value()}, 2));
      CHECK(pair->insert({Value(), 5}, 3));
      CHECK(pair->insert({Value(), 5}, 4));
      CHECK(pair->insert({"a", 5}, 5));
      CHECK(pair->insert({"a", 5}, 6) == !unique);
      CHECK(rows_of(*pair, {"a", Value()}) == Rows{1, 2});
      CHECK(rows_of(*pair, {Value(), 5}) == Rows{3, 4});
    }
  }
}

TEST_CASE("INTEGER and REAL values that compare equal are one key") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kReal}, true);
    CHECK(index->insert({1}, 1));
    CHECK_FALSE(index->insert({1.0}, 2));
    CHECK(rows_of(*index, {1.0}) == Rows{1});
    CHECK(index->insert({1.5}, 3));
    CHECK(rows_of(*index, {1.5}) == Rows{3});
    CHECK(rows_of(*index, {2}).empty());
    CHECK(index->insert({-0.0}, 4));
    CHECK(rows_of(*index, {0}) == Rows{4});
    CHECK(rows_of(*index, {0.0}) == Rows{4});
    // Beyond 2^53 doubles are sparse: 2^53 + 1 is no double's value.
    const int64_t big = (int64_t{1} << 53) + 1;
    CHECK(index->insert({big}, 5));
    CHECK(index->insert({9007199254740992.0}, 6));
    CHECK(rows_of(*index, {big}) == Rows{5});
    CHECK(rows_of(*index, {big - 1}) == Rows{6});
    CHECK(index->insert({std::numeric_limits<int64_t>::max()}, 7));
    CHECK(index->insert({9223372036854775808.0}, 8));  // 2^63: above every int64
    CHECK(rows_of(*index, {std::numeric_limits<int64_t>::max()}) == Rows{7});
    CHECK(rows_of(*index, {9223372036854775808.0}) == Rows{8});
    // NaN equals NaN in tessera::compare.
    CHECK(index->insert({std::numeric_limits<double>::quiet_NaN()}, 9));
    CHECK_FALSE(index->insert({-std::numeric_limits<double>::quiet_NaN()}, 10));
    CHECK(rows_of(*index, {std::numeric_limits<double>::quiet_NaN()}) == Rows{9});
    CHECK(index->erase({1.0}, 1));
    CHECK(rows_of(*index, {1}).empty());
  }
}

TEST_CASE("TEXT and BLOB keys compare bytewise") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kText}, false);
    const std::string with_nul("a\0b", 3);
    const std::string long_a(200, 'x'), long_b = std::string(199, 'x') + "y";
    int row = 0;
    for (const std::string& s : {std::string(), std::string("a"), std::string("A"), with_nul,
                                 std::string("a", 1) + std::string(1, '\0'), long_a, long_b,
                                 std::string("user123456@example.com"), std::string("user123457@example.com")})
      CHECK(index->insert({s}, ++row));
    CHECK(rows_of(*index, {""}) == Rows{1});
    CHECK(rows_of(*index, {"a"}) == Rows{2});
    CHECK(rows_of(*index, {"A"}) == Rows{3});
    CHECK(rows_of(*index, {with_nul}) == Rows{4});
    CHECK(rows_of(*index, {std::string("a\0", 2)}) == Rows{5});
    CHECK(rows_of(*index, {long_a}) == Rows{6});
    CHECK(rows_of(*index, {long_b}) == Rows{7});
    CHECK(rows_of(*index, {"user123457@example.com"}) == Rows{9});
    CHECK(rows_of(*index, {"user123458@example.com"}).empty());
    // Different types never meet: TEXT "1" is not INTEGER 1, BLOB "a" not TEXT "a".
    CHECK(index->insert({1}, 10));
    CHECK(index->insert({Blob{'a'}}, 11));
    CHECK(rows_of(*index, {"1"}).empty());
    CHECK(rows_of(*index, {1}) == Rows{10});
    CHECK(rows_of(*index, {Blob{'a'}}) == Rows{11});
    CHECK(rows_of(*index, {"a"}) == Rows{2});
  }
}

TEST_CASE("composite keys match on every column") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kText, Type::kInteger, Type::kBoolean}, true);
    CHECK(index->insert({"a", 1, true}, 1));
    CHECK(index->insert({"a", 1, false}, 2));
    CHECK(index->insert({"a", 2, true}, 3));
    CHECK(index->insert({"ab", 1, true}, 4));
    CHECK(index->insert({std::string("a\0", 2), 1, true}, 5));
    CHECK_FALSE(index->insert({"a", 1.0, true}, 6));
    CHECK(rows_of(*index, {"a", 1, true}) == Rows{1});
    CHECK(rows_of(*index, {"a", 1.0, false}) == Rows{2});
    CHECK(rows_of(*index, {"ab", 1, true}) == Rows{4});
    CHECK(rows_of(*index, {std::string("a\0", 2), 1, true}) == Rows{5});
    CHECK(rows_of(*index, {"a", 3, true}).empty());
  }
}

TEST_CASE("long keys survive heavy churn") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kText}, true);
    auto key = [](int i) { return std::string(120, 'k') + std::to_string(i); };
    const int n = 30000;
    for (int i = 0; i < n; ++i) REQUIRE(index->insert({key(i)}, i));
    for (int i = 0; i < n; ++i)
      if (i % 8 != 0) REQUIRE(index->erase({key(i)}, i));
    CHECK(index->size() == n / 8);
    for (int i = 0; i < n; i += 997) {
      INFO("key " << i);
      CHECK(rows_of(*index, {key(i)}) == (i % 8 == 0 ? Rows{RowId(i)} : Rows{}));
    }
    for (int i = 0; i < n; ++i)
      if (i % 8 != 0) REQUIRE(index->insert({key(i)}, i + n));
    CHECK(rows_of(*index, {key(8)}) == Rows{8});
    CHECK(rows_of(*index, {key(9)}) == Rows{RowId(9 + n)});
  }
}

TEST_CASE("options a plugin does not know are a config error naming them") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    try {
      make_index(plugin, {Type::kInteger}, false, {{"no_such_option_for_tests", 1}});
      FAIL("the unknown option was accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kConfig);
      CHECK_THAT(e.what(), Catch::Matchers::Contains("no_such_option_for_tests"));
    }
    // Empty options are always fine.
    CHECK(make_index(plugin, {Type::kInteger}, false, nlohmann::json::object()) != nullptr);
  }
}

TEST_CASE("an index that is not ordered refuses scans") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kInteger}, false);
    if (index->ordered()) {
      CHECK(index->scan(std::nullopt, std::nullopt, false) != nullptr);
    } else {
      try {
        index->scan(std::nullopt, std::nullopt, false);
        FAIL("scan did not throw");
      } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::kUnsupported);
      }
    }
  }
}

}  // namespace
