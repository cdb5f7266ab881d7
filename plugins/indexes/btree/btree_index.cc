// The btree Index plugin: an ordered index over a B+tree of (key, row)
// entries. Structure, options and guarantees: docs/indexes.md.
#include <string>

#include "btree.h"
#include "btree_cursor.h"
#include "tessera/plugin.h"

namespace {

using namespace tessera;
using btree_detail::BTree;
using btree_detail::KeyRef;
using btree_detail::key_from_bytes;

// Measured with bench/index_bench (1M keys, sizes 32-256): 64 entries per
// node gave the best lookups, inserts and erases; larger nodes scan up to
// ~10% faster, which matters less (docs/indexes.md has the numbers).
constexpr int64_t kDefaultNodeSize = 64;

struct Options {
  uint16_t node_size = kDefaultNodeSize;
  bool check_invariants = false;
};

Options parse_options(const nlohmann::json& options) {
  Options out;
  if (options.is_null()) return out;
  if (!options.is_object()) throw Error(ErrorCode::kConfig, "index 'btree': options must be a JSON object");
  for (const auto& item : options.items()) {
    const auto& v = item.value();
    if (item.key() == "node_size") {
      if (!v.is_number_integer() || v.get<int64_t>() < 8 || v.get<int64_t>() > 4096)
        throw Error(ErrorCode::kConfig,
                    "index 'btree': option 'node_size' must be an integer in [8, 4096], got " + v.dump());
      out.node_size = static_cast<uint16_t>(v.get<int64_t>());
    } else if (item.key() == "check_invariants") {
      if (!v.is_boolean())
        throw Error(ErrorCode::kConfig, "index 'btree': option 'check_invariants' must be a boolean, got " + v.dump());
      out.check_invariants = v.get<bool>();
    } else {
      throw Error(ErrorCode::kConfig, "index 'btree': unknown option '" + item.key() + "'");
    }
  }
  return out;
}

class BTreeIndex final : public Index {
 public:
  BTreeIndex(const IndexSpec& spec, const nlohmann::json& options)
      : spec_(spec), options_(parse_options(options)), tree_(options_.node_size) {
    if (spec.columns.empty())
      throw Error(ErrorCode::kInvalidArgument, "index '" + spec.name + "': no columns");
    // Decoding keys needs a type per column; unknown ones decode numbers as INTEGER when integral.
    spec_.types.resize(spec_.columns.size(), Type::kNull);
  }

  const char* name() const override { return "btree"; }
  bool ordered() const override { return true; }

  bool insert(const IndexKey& key, RowId row) override {
    index_keys::check_key_size(spec_, key);
    index_keys::KeyBuffer buf;
    bool has_null = index_keys::encode_key(key, key.size(), buf);
    auto r = tree_.insert(key_from_bytes(buf.data(), buf.size()), row, spec_.unique && !has_null);
    if (options_.check_invariants) tree_.check();
    return r != BTree::InsertResult::kConflict;
  }

  bool erase(const IndexKey& key, RowId row) override {
    index_keys::check_key_size(spec_, key);
    index_keys::KeyBuffer buf;
    index_keys::encode_key(key, key.size(), buf);
    bool erased = tree_.erase(key_from_bytes(buf.data(), buf.size()), row);
    if (options_.check_invariants) tree_.check();
    return erased;
  }

  void find(const IndexKey& key, std::vector<RowId>& rows) const override {
    index_keys::check_key_size(spec_, key);
    index_keys::KeyBuffer buf;
    index_keys::encode_key(key, key.size(), buf);
    tree_.find(key_from_bytes(buf.data(), buf.size()), rows);
  }

  std::unique_ptr<IndexCursor> scan(const std::optional<KeyBound>& lower, const std::optional<KeyBound>& upper,
                                    bool reverse) const override {
    return btree_detail::make_cursor(tree_, spec_.types, lower, upper, reverse);
  }

  size_t size() const override { return tree_.size(); }
  void clear() override { tree_.clear(); }
  size_t memory_usage() const override { return sizeof(*this) - sizeof(tree_) + tree_.memory_usage(); }

 private:
  IndexSpec spec_;
  Options options_;
  BTree tree_;
};

const ComponentDescriptor kComponents[] = {index_component<BTreeIndex>("btree")};
const PluginManifest kManifest = make_manifest("tessera-btree", "0.1.0", kComponents);
const PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
