// The primary-key map against a model, through growth and back-shifting
// removals, with integer and text keys.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "pk_map.h"

using namespace tessera;
using tessera::detail::PkMap;

namespace {

tessera::detail::RowStore two_columns() {
  tessera::detail::RowStore rows;
  rows.set_layout(2, 1);
  return rows;
}

// Rows live in slots as in a table: a removed row's slot is reused.
struct Table {
  tessera::detail::RowStore rows = two_columns();
  PkMap map{&rows, 1};
  std::map<Value, RowId> model;

  void put(const Value& key) {
    const RowId id = rows.add(Record{Value("payload"), key});
    map.insert(rows.cell(id, 1), id);
    model[key] = id;
  }
  void remove(const Value& key) {
    RowId id = map.erase(key);
    auto it = model.find(key);
    REQUIRE(id == (it == model.end() ? PkMap::kNone : it->second));
    if (it == model.end()) return;
    model.erase(it);
    rows.free(id);
  }
  void check_all() {
    REQUIRE(map.size() == model.size());
    for (const auto& [k, id] : model) REQUIRE(map.find(k) == id);
  }
};

Value key_for(int kind, uint64_t n) {
  if (kind == 0) return Value(static_cast<int64_t>(n));
  if (kind == 1) return Value(static_cast<int64_t>(n << 40));  // only high bits differ
  return Value("user" + std::to_string(n) + "@example.com");
}

}  // namespace

TEST_CASE("the primary-key map agrees with a model through inserts and removals") {
  for (int kind = 0; kind < 3; ++kind) {
    CAPTURE(kind);
    Table t;
    std::mt19937_64 rng(1234 + kind);
    for (int op = 0; op < 60000; ++op) {
      Value k = key_for(kind, rng() % 5000);
      bool present = t.model.count(k) > 0;
      if (rng() % 3 == 0 || present) t.remove(k);
      else t.put(k);
      if (op % 10000 == 0) t.check_all();
    }
    t.check_all();
    // Absent keys, including ones that equal a present key's hash bucket.
    for (uint64_t n = 5000; n < 5200; ++n) REQUIRE(t.map.find(key_for(kind, n)) == PkMap::kNone);
    for (const auto& [k, id] : std::map<Value, RowId>(t.model)) t.remove(k);
    REQUIRE(t.map.size() == 0);
    REQUIRE(t.map.find(key_for(kind, 1)) == PkMap::kNone);
  }
}

TEST_CASE("the primary-key map finds an INTEGER key by an equal REAL") {
  Table t;
  t.put(Value(int64_t{7}));
  CHECK(t.map.find(Value(7.0)) == 0);
  CHECK(t.map.find(Value(7.5)) == PkMap::kNone);
}

TEST_CASE("reserve makes room without losing entries and clear empties the map") {
  Table t;
  for (int i = 0; i < 100; ++i) t.put(Value(i));
  t.map.reserve(100000);
  t.check_all();
  t.map.clear();
  CHECK(t.map.size() == 0);
  CHECK(t.map.find(Value(3)) == PkMap::kNone);
}

TEST_CASE("keys that follow row ids are found through their row, and the rest through the slots") {
  Table t;
  for (int64_t k = 1; k <= 1000; ++k) t.put(Value(k));  // key k in row k - 1
  t.check_all();
  // Free some rows and reuse their slots for keys that do not follow ids,
  // so the guessed row of key 10 now holds key 5000 and vice versa.
  for (int64_t k : {10, 20, 30}) t.remove(Value(k));
  t.put(Value(int64_t{5000}));  // reuses row 29, the guess for key 30
  t.put(Value(int64_t{-7}));    // far below the offset: the guess wraps around
  t.check_all();
  CHECK(t.map.find(Value(int64_t{30})) == PkMap::kNone);  // its guessed row holds 5000
  CHECK(t.map.find(Value(int64_t{10})) == PkMap::kNone);  // its guessed row is free
  CHECK(t.map.find(Value(int64_t{1001})) == PkMap::kNone);  // past the last row
  CHECK(t.map.find(Value(500.0)) == 499);  // a REAL key takes the slot path
  CHECK(t.map.find(Value("1")) == PkMap::kNone);
  t.map.clear();  // forgets the offset with the keys
  CHECK(t.map.find(Value(int64_t{1})) == PkMap::kNone);
}
