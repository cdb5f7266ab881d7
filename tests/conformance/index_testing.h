// Helpers for the index conformance suite: finding the Index plugins to
// test, a reference model of the Index contract, and checks against it.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/index.h"
#include "tessera/plugin_registry.h"

namespace tessera::test {

// Every Index component found on PluginRegistry::default_search_path(), so
// TESSERA_PLUGIN_PATH adds a third party's plugins to the run.
const PluginRegistry& index_registry();
std::vector<std::string> index_plugins();
bool is_ordered(const std::string& plugin);

std::unique_ptr<Index> make_index(const std::string& plugin, std::vector<Type> types, bool unique,
                                  const nlohmann::json& options = nlohmann::json::object());

// Keys compare column by column with tessera::compare; a shorter key that is
// a prefix of a longer one compares equal on compare_prefix.
int compare_keys(const IndexKey& a, const IndexKey& b);
int compare_prefix(const IndexKey& key, const IndexKey& bound);
bool has_null(const IndexKey& key);
std::string show(const IndexKey& key);

using Pair = std::pair<IndexKey, RowId>;
struct PairLess {
  bool operator()(const Pair& a, const Pair& b) const {
    int c = compare_keys(a.first, b.first);
    return c != 0 ? c < 0 : a.second < b.second;
  }
};
std::string show(const Pair& p);

bool within(const IndexKey& key, const std::optional<KeyBound>& lower, const std::optional<KeyBound>& upper);
std::string show(const std::optional<KeyBound>& b);

// The contract of index.h as a set of (key, row) pairs.
class Model {
 public:
  explicit Model(bool unique) : unique_(unique) {}
  bool insert(const IndexKey& key, RowId row);  // what Index::insert must return
  bool erase(const IndexKey& key, RowId row);
  bool contains(const Pair& p) const { return pairs_.count(p) != 0; }
  std::vector<RowId> find(const IndexKey& key) const;  // sorted
  std::vector<Pair> range(const std::optional<KeyBound>& lower, const std::optional<KeyBound>& upper,
                          bool reverse) const;
  size_t size() const { return pairs_.size(); }
  const std::set<Pair, PairLess>& pairs() const { return pairs_; }
  void clear() { pairs_.clear(); }

 private:
  bool unique_;
  std::set<Pair, PairLess> pairs_;
};

std::vector<Pair> drain(IndexCursor& cursor);

// Fail the running test (with the mismatch described) unless the index
// agrees with the model.
void check_find(const Index& index, const Model& model, const IndexKey& key);
void check_scan(const Index& index, const Model& model, const std::optional<KeyBound>& lower,
                const std::optional<KeyBound>& upper, bool reverse);
void check_all(const Index& index, const Model& model);

}  // namespace tessera::test

// Runs the block once per Index plugin (only ordered ones with ORDERED), as
// a Catch2 section "index plugin '<name>'": `-c "index plugin 'mine'"` on
// the command line runs one plugin's part only.
#define FOR_EACH_INDEX_PLUGIN(var)                                    \
  const auto tessera_plugins_ = ::tessera::test::index_plugins();     \
  REQUIRE(!tessera_plugins_.empty());                                 \
  for (const std::string& var : tessera_plugins_)                     \
  DYNAMIC_SECTION("index plugin '" << var << "'")

#define FOR_EACH_ORDERED_INDEX_PLUGIN(var)                                           \
  std::vector<std::string> tessera_ordered_;                                         \
  for (const auto& p : ::tessera::test::index_plugins())                             \
    if (::tessera::test::is_ordered(p)) tessera_ordered_.push_back(p);               \
  REQUIRE(!tessera_ordered_.empty());                                                \
  for (const std::string& var : tessera_ordered_)                                    \
  DYNAMIC_SECTION("index plugin '" << var << "'")
