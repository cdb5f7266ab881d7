// Random operations against the model: 100k per seed and key shape, on
// unique and non-unique indexes, with cursors kept open across changes.
#include <functional>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "index_testing.h"

namespace {

using namespace tessera;
using namespace tessera::test;
using Rng = std::mt19937_64;

struct Shape {
  const char* name;
  std::vector<Type> types;
  std::function<IndexKey(Rng&)> key;
};

size_t pick(Rng& rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
bool chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

// A small number domain with collisions across INTEGER and REAL and the
// awkward values of tessera::compare.
Value number(Rng& rng) {
  static const std::vector<Value> odd = {
      (int64_t{1} << 53) + 1, 9007199254740992.0, 9007199254740994.0, std::numeric_limits<int64_t>::max(),
      std::numeric_limits<int64_t>::min(), 9223372036854775808.0, -9.3e18, -0.0,
      std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::quiet_NaN(), 1e-300};
  switch (pick(rng, 8)) {
    case 0: return Value();
    case 1: return odd[pick(rng, odd.size())];
    case 2: return static_cast<double>(static_cast<int>(pick(rng, 41)) - 20);
    case 3: return static_cast<int>(pick(rng, 41)) - 20 + 0.5;
    default: return static_cast<int>(pick(rng, 41)) - 20;
  }
}

Value text(Rng& rng) {
  static const std::vector<std::string> fixed = {
      "", "a", std::string("a\0", 2), std::string("a\0b", 3), "ab", "b", "B", "sixteen-byte-pfx",
      "sixteen-byte-pfx1", "sixteen-byte-pfx2", "sixteen-byte-pfx10"};
  if (chance(rng, 0.05)) return Value();
  if (chance(rng, 0.5)) return fixed[pick(rng, fixed.size())];
  return "user" + std::to_string(100000 + pick(rng, 30)) + "@example.com";
}

Value any_value(Rng& rng) {
  switch (pick(rng, 6)) {
    case 0: return pick(rng, 2) == 0;
    case 1: return Blob{static_cast<uint8_t>(pick(rng, 3)), 0};
    case 2: return Timestamp{static_cast<int64_t>(pick(rng, 5)) - 2};
    case 3: return text(rng);
    default: return number(rng);
  }
}

Value small_number(Rng& rng) {
  switch (pick(rng, 10)) {
    case 0: return Value();
    case 1:
    case 2: return static_cast<double>(pick(rng, 3));  // REAL twins of 0, 1, 2
    default: return static_cast<int>(pick(rng, 7)) - 3;
  }
}

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> all = {
      {"numbers", {Type::kInteger}, [](Rng& r) { return IndexKey{number(r)}; }},
      {"text", {Type::kText}, [](Rng& r) { return IndexKey{text(r)}; }},
      {"mixed types", {Type::kInteger}, [](Rng& r) { return IndexKey{any_value(r)}; }},
      {"composite", {Type::kText, Type::kInteger}, [](Rng& r) { return IndexKey{text(r), small_number(r)}; }}};
  return all;
}

RowId random_row(Rng& rng) { return pick(rng, 48); }

// A full key, or for composite keys sometimes a one-column prefix.
std::optional<KeyBound> random_bound(Rng& rng, const Shape& shape) {
  if (chance(rng, 0.25)) return std::nullopt;
  IndexKey k = shape.key(rng);
  if (k.size() > 1 && chance(rng, 0.5)) k.resize(1);
  return KeyBound{k, chance(rng, 0.5)};
}

// A cursor opened on the model's state, advanced while random pairs are
// inserted and erased (including ones it passed and ones ahead of it).
void cursor_session(Index& index, Model& model, Rng& rng, const Shape& shape) {
  auto lo = random_bound(rng, shape), hi = random_bound(rng, shape);
  bool reverse = chance(rng, 0.5);
  INFO("cursor from " << show(lo) << " to " << show(hi) << (reverse ? " reversed" : ""));
  const std::vector<Pair> at_open = model.range(lo, hi, reverse);
  std::set<Pair, PairLess> yielded, erased_unreached, reinserted;
  std::vector<Pair> order;  // yielded pairs that were present at open, in yield order
  auto cursor = index.scan(lo, hi, reverse);
  IndexKey key;
  RowId row;
  for (int step = 0;; ++step) {
    if (step < 300 && chance(rng, 0.3)) {
      Pair p = !at_open.empty() && chance(rng, 0.6) ? at_open[pick(rng, at_open.size())]
                                                    : Pair{shape.key(rng), random_row(rng)};
      if (chance(rng, 0.5)) {
        bool want = model.erase(p.first, p.second);
        REQUIRE(index.erase(p.first, p.second) == want);
        if (want && !yielded.count(p)) erased_unreached.insert(p);
      } else {
        bool was = model.contains(p);
        bool want = model.insert(p.first, p.second);
        REQUIRE(index.insert(p.first, p.second) == want);
        if (want && !was && yielded.count(p)) reinserted.insert(p);
      }
      continue;
    }
    if (!cursor->next(&key, row)) break;
    Pair p{key, row};
    INFO("yielded " << show(p));
    REQUIRE(model.contains(p));
    REQUIRE(within(key, lo, hi));
    if (yielded.count(p)) REQUIRE(reinserted.erase(p) == 1);
    yielded.insert(p);
    if (std::binary_search(at_open.begin(), at_open.end(), p, [&](const Pair& a, const Pair& b) {
          return reverse ? PairLess()(b, a) : PairLess()(a, b);
        }))
      order.push_back(p);
  }
  for (const Pair& p : at_open)
    if (!yielded.count(p) && !erased_unreached.count(p)) FAIL("cursor never yielded " << show(p));
  for (size_t i = 1; i < order.size(); ++i) {
    int c = compare_keys(order[i - 1].first, order[i].first);
    if (reverse ? c < 0 : c > 0) FAIL("cursor yielded " << show(order[i]) << " after " << show(order[i - 1]));
  }
}

void run(const std::string& plugin, const Shape& shape, bool unique, uint64_t seed, int ops) {
  INFO("plugin " << plugin << ", keys: " << shape.name << ", unique: " << unique << ", seed " << seed);
  Rng rng(seed);
  auto index = make_index(plugin, shape.types, unique);
  Model model(unique);
  const bool ordered = index->ordered();
  for (int op = 0; op < ops; ++op) {
    INFO("operation " << op);
    int r = static_cast<int>(pick(rng, 1000));
    if (r < 420) {
      IndexKey k = shape.key(rng);
      RowId row = random_row(rng);
      bool want = model.insert(k, row);
      if (index->insert(k, row) != want) FAIL("insert" << show(k) << "@" << row << " should return " << want);
    } else if (r < 700) {
      // Mostly pairs that exist, so that erase is exercised.
      IndexKey k = shape.key(rng);
      std::vector<RowId> rows = model.find(k);
      RowId row = !rows.empty() && chance(rng, 0.8) ? rows[pick(rng, rows.size())] : random_row(rng);
      bool want = model.erase(k, row);
      if (index->erase(k, row) != want) FAIL("erase" << show(k) << "@" << row << " should return " << want);
    } else if (r < 985 || !ordered) {
      check_find(*index, model, shape.key(rng));
    } else if (r < 995) {
      check_scan(*index, model, random_bound(rng, shape), random_bound(rng, shape), chance(rng, 0.5));
    } else if (r < 999) {
      cursor_session(*index, model, rng, shape);
    } else {
      check_all(*index, model);
    }
    if (index->size() != model.size()) FAIL("size() " << index->size() << ", model " << model.size());
  }
  check_all(*index, model);
  // Erasing everything leaves an empty, working index.
  std::vector<Pair> all(model.pairs().begin(), model.pairs().end());
  std::shuffle(all.begin(), all.end(), rng);
  for (const Pair& p : all) REQUIRE(index->erase(p.first, p.second));
  model.clear();
  check_all(*index, model);
}

TEST_CASE("random operations agree with the model") {
  FOR_EACH_INDEX_PLUGIN(plugin) {
    for (const Shape& shape : shapes())
      for (bool unique : {false, true})
        for (uint64_t seed : {1, 2, 3}) run(plugin, shape, unique, seed * 7919 + (unique ? 1 : 0), 100000);
  }
}

}  // namespace
