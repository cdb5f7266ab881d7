// The values the pickle reader builds: scalars, record dicts and a stand-in
// for the top-level list (whose items are handed out, never kept).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera::pickle_format {

struct Dict;
// Strings and bytes are shared, so that DUP and memo gets copy no payload.
using SharedStr = std::shared_ptr<const std::string>;

struct Obj {
  enum class Kind : uint8_t { kNone, kBool, kInt, kFloat, kStr, kBytes, kDict, kTopList };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  SharedStr s;              // kStr (UTF-8) and kBytes
  std::shared_ptr<Dict> d;  // kDict
};

inline Obj make_obj(Obj::Kind kind) {
  Obj o;
  o.kind = kind;
  return o;
}

// A dict with str keys and scalar values, in insertion order (as Python's).
struct Dict {
  std::vector<std::pair<SharedStr, Obj>> items;
  bool frozen = false;            // handed out as a record: no more changes
  std::vector<uint64_t> memo_ids;  // memo entries that hold this dict

  // d[key] = value; an existing key keeps its place.
  void set(SharedStr key, Obj value) {
    if (Obj* found = find(*key)) {
      *found = std::move(value);
      return;
    }
    if (!index.empty() || items.size() == kIndexFrom) {
      if (index.empty()) {
        for (size_t i = 0; i < items.size(); ++i) index.emplace(*items[i].first, i);
      }
      index.emplace(*key, items.size());
    }
    items.emplace_back(std::move(key), std::move(value));
  }

 private:
  // Records are usually narrow: a scan beats hashing until this many keys.
  static constexpr size_t kIndexFrom = 16;

  Obj* find(std::string_view key) {
    if (index.empty()) {
      for (auto& [k, v] : items)
        if (*k == key) return &v;
      return nullptr;
    }
    auto it = index.find(key);
    return it == index.end() ? nullptr : &items[it->second].second;
  }

  std::unordered_map<std::string_view, size_t> index;  // views into the keys
};

// "None", "bool", "int", "float", "str", "bytes", "dict", "list".
const char* kind_name(Obj::Kind kind);

// Approximate memory held by o, for the memo's budget.
uint64_t estimate_bytes(const Obj& o);

}  // namespace tessera::pickle_format
