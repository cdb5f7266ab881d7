#include "index_testing.h"

#include <algorithm>
#include <sstream>

#include <catch2/catch.hpp>

#include "tessera/error.h"
#include "test_util.h"

namespace tessera::test {

const PluginRegistry& index_registry() { return build_plugins(); }

std::vector<std::string> index_plugins() {
  std::vector<std::string> names;
  for (const ComponentInfo& c : index_registry().components())
    if (c.kind == ComponentKind::kIndex) names.push_back(c.name);
  return names;
}

bool is_ordered(const std::string& plugin) { return make_index(plugin, {Type::kInteger}, false)->ordered(); }

std::unique_ptr<Index> make_index(const std::string& plugin, std::vector<Type> types, bool unique,
                                  const nlohmann::json& options) {
  IndexSpec spec;
  spec.table = "conformance";
  spec.name = "idx";
  for (size_t i = 0; i < types.size(); ++i) spec.columns.push_back("c" + std::to_string(i));
  spec.types = std::move(types);
  spec.unique = unique;
  return index_registry().make_index(plugin, spec, options);
}

int compare_keys(const IndexKey& a, const IndexKey& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    auto c = compare(a[i], b[i]);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

int compare_prefix(const IndexKey& key, const IndexKey& bound) {
  for (size_t i = 0; i < bound.size() && i < key.size(); ++i) {
    auto c = compare(key[i], bound[i]);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

bool has_null(const IndexKey& key) {
  return std::any_of(key.begin(), key.end(), [](const Value& v) { return v.is_null(); });
}

std::string show(const IndexKey& key) {
  std::string s = "(";
  for (size_t i = 0; i < key.size(); ++i) s += (i ? ", " : "") + key[i].to_string();
  return s + ")";
}
std::string show(const Pair& p) { return show(p.first) + "@" + std::to_string(p.second); }
std::string show(const std::optional<KeyBound>& b) {
  if (!b) return "unbounded";
  return show(b->key) + (b->inclusive ? " inclusive" : " exclusive");
}

bool within(const IndexKey& key, const std::optional<KeyBound>& lower, const std::optional<KeyBound>& upper) {
  if (lower) {
    int c = compare_prefix(key, lower->key);
    if (c < 0 || (c == 0 && !lower->inclusive)) return false;
  }
  if (upper) {
    int c = compare_prefix(key, upper->key);
    if (c > 0 || (c == 0 && !upper->inclusive)) return false;
  }
  return true;
}

bool Model::insert(const IndexKey& key, RowId row) {
  Pair p{key, row};
  if (pairs_.count(p)) return true;
  if (unique_ && !has_null(key)) {
    auto it = pairs_.lower_bound(Pair{key, 0});
    if (it != pairs_.end() && compare_keys(it->first, key) == 0) return false;
  }
  pairs_.insert(std::move(p));
  return true;
}

bool Model::erase(const IndexKey& key, RowId row) { return pairs_.erase(Pair{key, row}) != 0; }

std::vector<RowId> Model::find(const IndexKey& key) const {
  std::vector<RowId> rows;
  for (auto it = pairs_.lower_bound(Pair{key, 0}); it != pairs_.end() && compare_keys(it->first, key) == 0; ++it)
    rows.push_back(it->second);
  return rows;
}

std::vector<Pair> Model::range(const std::optional<KeyBound>& lower, const std::optional<KeyBound>& upper,
                               bool reverse) const {
  std::vector<Pair> out;
  for (const Pair& p : pairs_)
    if (within(p.first, lower, upper)) out.push_back(p);
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

std::vector<Pair> drain(IndexCursor& cursor) {
  std::vector<Pair> out;
  IndexKey key;
  RowId row;
  while (cursor.next(&key, row)) out.emplace_back(key, row);
  return out;
}

void check_find(const Index& index, const Model& model, const IndexKey& key) {
  std::vector<RowId> got;
  index.find(key, got);
  std::sort(got.begin(), got.end());
  std::vector<RowId> want = model.find(key);
  if (got != want) {
    std::ostringstream msg;
    msg << "find" << show(key) << " returned " << got.size() << " rows, the model " << want.size() << ":";
    for (RowId r : got) msg << " " << r;
    msg << " vs";
    for (RowId r : want) msg << " " << r;
    FAIL(msg.str());
  }
}

// Keys may come back in another type that compares equal (1 for 1.0), so
// pairs are matched with compare; rows of one key may come in any order.
void check_scan(const Index& index, const Model& model, const std::optional<KeyBound>& lower,
                const std::optional<KeyBound>& upper, bool reverse) {
  auto cursor = index.scan(lower, upper, reverse);
  std::vector<Pair> got = drain(*cursor);
  std::vector<Pair> want = model.range(lower, upper, reverse);
  INFO("scan from " << show(lower) << " to " << show(upper) << (reverse ? " reversed" : ""));
  if (got.size() != want.size())
    FAIL("scan yielded " << got.size() << " pairs, the model has " << want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (compare_keys(got[i].first, want[i].first) != 0)
      FAIL("scan pair " << i << " is " << show(got[i]) << ", expected key " << show(want[i].first));
  }
  std::set<Pair, PairLess> got_set(got.begin(), got.end());
  if (got_set.size() != got.size()) FAIL("scan yielded a pair twice");
  for (const Pair& p : want)
    if (!got_set.count(p)) FAIL("scan did not yield " << show(p));
}

void check_all(const Index& index, const Model& model) {
  if (index.size() != model.size()) FAIL("size() is " << index.size() << ", the model has " << model.size());
  std::set<IndexKey, bool (*)(const IndexKey&, const IndexKey&)> keys(
      [](const IndexKey& a, const IndexKey& b) { return compare_keys(a, b) < 0; });
  for (const Pair& p : model.pairs()) keys.insert(p.first);
  for (const IndexKey& k : keys) check_find(index, model, k);
  if (index.ordered()) {
    check_scan(index, model, std::nullopt, std::nullopt, false);
    check_scan(index, model, std::nullopt, std::nullopt, true);
  }
}

}  // namespace tessera::test
