// What the btree plugin promises beyond the Index contract: a balanced tree
// (its invariant checker runs after every change here), memory that follows
// the live entries down after deletes, duplicates in row order, keys given
// back in the column's type, and its options.
#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "index_testing.h"
#include "tessera/error.h"

namespace {

using namespace tessera;
using namespace tessera::test;

std::unique_ptr<Index> btree(std::vector<Type> types, bool unique, nlohmann::json options = {}) {
  if (options.is_null()) options = nlohmann::json::object();
  return make_index("btree", std::move(types), unique, options);
}

TEST_CASE("btree: the tree stays balanced through splits, borrows and merges") {
  for (int node_size : {8, 9, 16}) {
    INFO("node_size " << node_size);
    auto index = btree({Type::kInteger}, false, {{"node_size", node_size}, {"check_invariants", true}});
    Model model(false);
    std::mt19937_64 rng(node_size);
    auto apply = [&](bool insert, int k, RowId r) {
      bool want = insert ? model.insert({k}, r) : model.erase({k}, r);
      REQUIRE((insert ? index->insert({k}, r) : index->erase({k}, r)) == want);
    };
    for (int k = 0; k < 2000; ++k) apply(true, k, 1);      // ascending: right-edge splits
    for (int k = 3999; k >= 2000; --k) apply(true, k, 2);  // descending: left-edge splits
    for (int i = 0; i < 6000; ++i) {
      bool insert = rng() % 3 != 0;
      int k = static_cast<int>(rng() % 4000);
      apply(insert, k, rng() % 3);
    }
    check_all(*index, model);
    for (int k = 0; k < 4000; k += 2) apply(false, k, 1);  // every other entry, in order
    for (int k = 0; k < 4000; ++k)
      for (RowId r : {0, 1, 2}) apply(false, k, r);  // then everything
    CHECK(index->size() == 0);
    check_all(*index, model);
  }
}

TEST_CASE("btree: memory follows the live entries down after deletes") {
  auto long_key = [](int i) { return std::string(100, 'p') + std::to_string(i); };
  for (bool text : {false, true}) {
    INFO("long text keys: " << text);
    auto key = [&](int i) { return text ? IndexKey{long_key(i)} : IndexKey{i}; };
    const std::vector<Type> types{text ? Type::kText : Type::kInteger};
    auto small = btree(types, true);
    for (int i = 0; i < 200000; i += 2000) REQUIRE(small->insert(key(i), i));

    auto index = btree(types, true);
    for (int i = 0; i < 200000; ++i) REQUIRE(index->insert(key(i), i));
    const size_t full = index->memory_usage();
    std::vector<int> order(200000);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
    for (int i : order)
      if (i % 2000 != 0) REQUIRE(index->erase(key(i), i));
    REQUIRE(index->size() == 100);
    // A tree that shrank to 100 entries costs about what a tree built with them does.
    CHECK(index->memory_usage() * 20 < full);
    CHECK(index->memory_usage() < small->memory_usage() * 4 + 256 * 1024);
    std::vector<RowId> rows;
    index->find(key(4000), rows);
    CHECK(rows == std::vector<RowId>{4000});
    CHECK(drain(*index->scan(std::nullopt, std::nullopt, false)).size() == 100);
  }
}

TEST_CASE("btree: a key's rows come in row order, reversed in reverse scans") {
  auto index = btree({Type::kText}, false);
  std::vector<RowId> rows(500);
  std::iota(rows.begin(), rows.end(), 1000);
  std::shuffle(rows.begin(), rows.end(), std::mt19937_64(3));
  for (RowId r : rows) {
    REQUIRE(index->insert({"same"}, r));
    REQUIRE(index->insert({"other"}, r));
  }
  auto got = drain(*index->scan(KeyBound{{"same"}, true}, KeyBound{{"same"}, true}, false));
  REQUIRE(got.size() == 500);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].second == 1000 + i);
  auto back = drain(*index->scan(KeyBound{{"same"}, true}, KeyBound{{"same"}, true}, true));
  REQUIRE(back.size() == 500);
  for (size_t i = 0; i < back.size(); ++i) CHECK(back[i].second == 1499 - i);
  std::vector<RowId> found;
  index->find({"same"}, found);
  CHECK(std::is_sorted(found.begin(), found.end()));
}

TEST_CASE("btree: a cursor yields a strictly increasing sequence while pairs are inserted") {
  auto index = btree({Type::kInteger}, false, {{"node_size", 8}});
  for (int k = 0; k < 1000; k += 3) REQUIRE(index->insert({k}, 0));
  auto cursor = index->scan(std::nullopt, std::nullopt, false);
  std::vector<Pair> got;
  IndexKey key;
  RowId row;
  std::mt19937_64 rng(5);
  while (cursor->next(&key, row)) {
    got.emplace_back(key, row);
    for (int i = 0; i < 3; ++i) REQUIRE(index->insert({static_cast<int>(rng() % 1000)}, rng() % 4));
  }
  for (size_t i = 1; i < got.size(); ++i) CHECK(PairLess()(got[i - 1], got[i]));
  for (int k = 0; k < 1000; k += 3) CHECK(std::count(got.begin(), got.end(), Pair{{k}, 0}) == 1);
}

TEST_CASE("btree: scans give keys back in each column's type") {
  auto index = btree({Type::kReal, Type::kInteger, Type::kText, Type::kTimestamp, Type::kBlob}, false);
  const int64_t huge = std::numeric_limits<int64_t>::max() - 3;
  REQUIRE(index->insert({2, 3.0, std::string("x\0y", 3), Timestamp{-7}, Blob{0, 0, 1}}, 1));
  REQUIRE(index->insert({0.5, huge, "", Timestamp{9}, Blob{}}, 2));
  auto got = drain(*index->scan(std::nullopt, std::nullopt, false));
  REQUIRE(got.size() == 2);
  const IndexKey& a = got[0].first;  // 0.5 sorts first
  CHECK(a[0].type() == Type::kReal);
  CHECK(a[0].as_real() == 0.5);
  CHECK(a[1].type() == Type::kInteger);
  CHECK(a[1].as_int() == huge);
  CHECK(a[2].as_text().empty());
  CHECK(a[3].as_timestamp().micros == 9);
  CHECK(a[4].as_blob().empty());
  const IndexKey& b = got[1].first;
  CHECK(b[0].type() == Type::kReal);
  CHECK(b[0].as_real() == 2.0);
  CHECK(b[1].type() == Type::kInteger);
  CHECK(b[1].as_int() == 3);
  CHECK(b[2].as_text() == std::string("x\0y", 3));
  CHECK(b[3].as_timestamp().micros == -7);
  CHECK(b[4].as_blob() == Blob{0, 0, 1});
}

TEST_CASE("btree: options are checked") {
  CHECK(btree({Type::kInteger}, false, {{"node_size", 8}})->insert({1}, 1));
  CHECK(btree({Type::kInteger}, false, {{"node_size", 4096}})->insert({1}, 1));
  for (const auto& bad : {nlohmann::json{{"node_size", 7}}, nlohmann::json{{"node_size", 5000}},
                          nlohmann::json{{"node_size", "64"}}, nlohmann::json{{"check_invariants", 1}},
                          nlohmann::json{{"nodesize", 64}}}) {
    INFO(bad.dump());
    try {
      btree({Type::kInteger}, false, bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kConfig);
      CHECK_THAT(e.what(), Catch::Matchers::Contains(bad.begin().key()));
    }
  }
}

TEST_CASE("btree: keys must have the index's column count, bounds at most that many") {
  auto index = btree({Type::kInteger, Type::kInteger}, false);
  CHECK_THROWS_AS(index->insert({1}, 1), Error);
  CHECK_THROWS_AS(index->scan(KeyBound{{1, 2, 3}, true}, std::nullopt, false), Error);
  // An empty bound is a prefix every key matches.
  REQUIRE(index->insert({1, 2}, 1));
  CHECK(drain(*index->scan(KeyBound{{}, true}, KeyBound{{}, true}, false)).size() == 1);
  CHECK(drain(*index->scan(KeyBound{{}, false}, std::nullopt, false)).empty());
}

}  // namespace
