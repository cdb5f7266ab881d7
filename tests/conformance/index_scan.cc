// Ordered scans (plugins whose ordered() is true): bounds, reverse order,
// prefix bounds on composite keys, and cursors that live through changes.
#include <string>

#include <catch2/catch.hpp>

#include "index_testing.h"

namespace {

using namespace tessera;
using namespace tessera::test;

std::vector<std::optional<KeyBound>> bounds_from(const std::vector<IndexKey>& keys) {
  std::vector<std::optional<KeyBound>> out{std::nullopt};
  for (const IndexKey& k : keys)
    for (bool inclusive : {true, false}) out.push_back(KeyBound{k, inclusive});
  return out;
}

// Every combination of the bounds, both directions.
void check_all_ranges(const Index& index, const Model& model, const std::vector<IndexKey>& bound_keys) {
  auto bounds = bounds_from(bound_keys);
  for (const auto& lo : bounds)
    for (const auto& hi : bounds)
      for (bool reverse : {false, true}) check_scan(index, model, lo, hi, reverse);
}

TEST_CASE("ordered scans honour inclusive and exclusive bounds in both directions") {
  FOR_EACH_ORDERED_INDEX_PLUGIN(plugin) {
    for (bool unique : {false, true}) {
      INFO("unique: " << unique);
      auto index = make_index(plugin, {Type::kInteger}, unique);
      Model model(unique);
      // Even keys 0..98; two rows each when duplicates are allowed.
      for (int k = 0; k < 100; k += 2)
        for (RowId r : {RowId(k) * 10 + 1, RowId(k) * 10}) {
          bool want = model.insert({k}, r);
          REQUIRE(index->insert({k}, r) == want);
        }
      REQUIRE(index->size() == model.size());
      // Bounds on keys, between keys (odd, and REAL), at the ends and outside the data.
      check_all_ranges(*index, model, {{-1000}, {0}, {1}, {10}, {10.5}, {11}, {50}, {98}, {99}, {1000}});
      // A scan of an empty index yields nothing.
      auto empty = make_index(plugin, {Type::kInteger}, unique);
      check_all_ranges(*empty, Model(unique), {{0}, {5}});
    }
  }
}

TEST_CASE("ordered scans order values of every type as tessera::compare does") {
  FOR_EACH_ORDERED_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kText}, false);
    Model model(false);
    const std::vector<IndexKey> keys = {
        {Value()}, {false}, {true}, {-1e300}, {std::numeric_limits<int64_t>::min()}, {-1}, {-0.5},
        {0}, {0.25}, {1}, {(int64_t{1} << 53) + 1}, {9007199254740994.0}, {std::numeric_limits<int64_t>::max()},
        {1e300}, {std::numeric_limits<double>::infinity()}, {std::numeric_limits<double>::quiet_NaN()},
        {""}, {std::string("\0", 1)}, {"a"}, {std::string("a\0", 2)}, {"ab"}, {std::string(40, 'z')},
        {Blob{}}, {Blob{0, 1}}, {Blob{0xff}}, {Timestamp{-5}}, {Timestamp{0}}, {Timestamp{1'700'000'000'000'000}}};
    RowId row = 0;
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
      REQUIRE(model.insert(*it, ++row));
      REQUIRE(index->insert(*it, row));
    }
    check_all(*index, model);
    check_all_ranges(*index, model, {{Value()}, {true}, {0}, {0.5}, {"a"}, {Blob{0}}, {Timestamp{0}}});
  }
}

TEST_CASE("a bound with fewer columns than the index compares on that prefix") {
  FOR_EACH_ORDERED_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kText, Type::kInteger, Type::kReal}, false);
    Model model(false);
    RowId row = 0;
    for (const char* s : {"", "a", "ab", "b", "long text beyond sixteen bytes"})
      for (int i : {-2, 0, 1, 3})
        for (double d : {-1.5, 0.0, 2.0}) {
          ++row;
          REQUIRE(model.insert({s, i, d}, row));
          REQUIRE(index->insert({s, i, d}, row));
        }
    REQUIRE(model.insert({Value(), 1, 1.0}, ++row));
    REQUIRE(index->insert({Value(), 1, 1.0}, row));
    REQUIRE(model.insert({"a", Value(), 1.0}, ++row));
    REQUIRE(index->insert({"a", Value(), 1.0}, row));
    check_all_ranges(*index, model,
                     {{"a"}, {"aa"}, {"b"}, {Value()}, {"zzz"}, {"a", 1}, {"a", 1.0}, {"a", 2}, {"ab", -2},
                      {"a", Value()}, {"a", 1, 0.0}, {"a", 1, 1.0}, {"long text beyond sixteen bytes", 0}});
  }
}

TEST_CASE("a cursor survives erasing passed and upcoming pairs") {
  FOR_EACH_ORDERED_INDEX_PLUGIN(plugin) {
    for (bool reverse : {false, true}) {
      INFO("reverse: " << reverse);
      auto index = make_index(plugin, {Type::kInteger}, false);
      Model model(false);
      for (int k = 0; k < 2000; ++k)
        for (RowId r : {RowId(1), RowId(2)}) {
          model.insert({k}, r);
          REQUIRE(index->insert({k}, r));
        }
      auto cursor = index->scan(KeyBound{{100}, true}, KeyBound{{1899}, true}, reverse);
      std::vector<Pair> got;
      IndexKey key;
      RowId row;
      int step = 0;
      while (cursor->next(&key, row)) {
        got.emplace_back(key, row);
        REQUIRE(model.contains(got.back()));  // never a pair erased ahead of the cursor
        REQUIRE(within(key, KeyBound{{100}, true}, KeyBound{{1899}, true}));
        int k = static_cast<int>(key[0].as_int());
        // Erase the pair just yielded, one already passed and two ahead.
        for (int victim : {k, reverse ? k + 5 : k - 5, reverse ? k - 1 : k + 1, reverse ? k - 7 : k + 7})
          if (model.erase({victim}, 2)) REQUIRE(index->erase({victim}, 2));
        // And insert some pairs well away from the cursor.
        if (++step % 10 == 0) {
          int far = reverse ? 1950 : 50;
          if (model.insert({far}, 100 + step)) REQUIRE(index->insert({far}, 100 + step));
        }
      }
      // Every key in range is reached: row 1 always, row 2 only where it was not erased ahead.
      std::set<Pair, PairLess> seen(got.begin(), got.end());
      REQUIRE(seen.size() == got.size());
      for (int k = 100; k <= 1899; ++k) CHECK(seen.count(Pair{{k}, 1}) == 1);
      for (size_t i = 1; i < got.size(); ++i) {
        int c = compare_keys(got[i - 1].first, got[i].first);
        CHECK((reverse ? c >= 0 : c <= 0));
      }
      check_all(*index, model);
    }
  }
}

TEST_CASE("a cursor yields pairs inserted ahead of it at most once and none erased ahead of it") {
  FOR_EACH_ORDERED_INDEX_PLUGIN(plugin) {
    auto index = make_index(plugin, {Type::kInteger}, false);
    for (int k = 0; k < 1000; k += 10) REQUIRE(index->insert({k}, 1));
    auto cursor = index->scan(std::nullopt, std::nullopt, false);
    IndexKey key;
    RowId row;
    REQUIRE(cursor->next(&key, row));
    CHECK(key[0] == Value(0));
    for (int k = 10; k < 1000; k += 20) REQUIRE(index->erase({k}, 1));  // 10, 30, ... go
    for (int k = 5; k < 1000; k += 100) REQUIRE(index->insert({k}, 2));  // new pairs ahead
    std::vector<Pair> rest = drain(*cursor);
    std::set<Pair, PairLess> seen(rest.begin(), rest.end());
    CHECK(seen.size() == rest.size());
    for (int k = 20; k < 1000; k += 20) CHECK(seen.count(Pair{{k}, 1}) == 1);
    for (int k = 10; k < 1000; k += 20) CHECK(seen.count(Pair{{k}, 1}) == 0);
    for (const Pair& p : rest) CHECK(compare_keys(p.first, {0}) > 0);
  }
}

}  // namespace
