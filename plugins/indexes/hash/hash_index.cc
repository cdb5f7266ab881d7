// The hash Index plugin: equality lookups in expected O(1); not ordered.
// Structure and options: docs/indexes.md.
#include <bit>
#include <cmath>
#include <optional>
#include <string>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../common/key_codec.h"
#include "hash_table.h"
#include "tessera/plugin.h"

namespace {

using namespace tessera;
using hash_detail::HashKey;
using hash_detail::HashTable;
using hash_detail::InsertResult;

uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

void set_scalar(HashKey& k, uint8_t kind, uint64_t word) {
  k.word = word;
  k.hk = (mix64(word ^ (uint64_t{kind} * 0x9E3779B97F4A7C15ULL)) & ~uint64_t{0xF}) | kind;
}

void set_bytes(HashKey& k, uint8_t kind, const void* p, size_t n) {
  if (n >= (size_t{1} << 32)) throw Error(ErrorCode::kInvalidArgument, "hash index: key longer than 4 GiB");
  k.bytes = static_cast<const uint8_t*>(p);
  k.len = static_cast<uint32_t>(n);
  k.hk = (XXH3_64bits_withSeed(p, n, kind) & ~uint64_t{0xF}) | kind;
}

// Numbers that compare equal must land on the same (kind, word).
void set_number(HashKey& k, double d) {
  if (std::isnan(d)) return set_scalar(k, hash_detail::kReal, 0x7ff8000000000000ULL);
  if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
    return set_scalar(k, hash_detail::kInt, static_cast<uint64_t>(static_cast<int64_t>(d)));
  set_scalar(k, hash_detail::kReal, std::bit_cast<uint64_t>(d));
}

// Byte keys (TEXT, BLOB, several columns) get wide slots, see HashTable.
bool wants_wide_slots(const IndexSpec& spec) {
  return spec.columns.size() > 1 ||
         (!spec.types.empty() && (spec.types[0] == Type::kText || spec.types[0] == Type::kBlob));
}

class HashIndex final : public Index {
  // Defined first: the members below deduce their return types from them.
  template <class F>
  decltype(auto) with_table(F&& f) {
    return wide_ ? f(*wide_) : f(*narrow_);
  }
  template <class F>
  decltype(auto) with_table(F&& f) const {
    return wide_ ? f(*wide_) : f(*narrow_);
  }

 public:
  HashIndex(const IndexSpec& spec, const nlohmann::json& options) : spec_(spec) {
    if (spec.columns.empty())
      throw Error(ErrorCode::kInvalidArgument, "index '" + spec.name + "': no columns");
    size_t initial = parse(options, "initial_capacity", 0);
    double load = parse_load(options);
    if (wants_wide_slots(spec)) wide_.emplace(initial, load);
    else narrow_.emplace(initial, load);
  }

  const char* name() const override { return "hash"; }
  bool ordered() const override { return false; }

  bool insert(const IndexKey& key, RowId row) override {
    index_keys::KeyBuffer buf;
    HashKey k = prepare(key, buf);
    return with_table([&](auto& t) { return t.insert(k, row, spec_.unique); }) != InsertResult::kConflict;
  }
  bool erase(const IndexKey& key, RowId row) override {
    index_keys::KeyBuffer buf;
    HashKey k = prepare(key, buf);
    return with_table([&](auto& t) { return t.erase(k, row); });
  }
  void find(const IndexKey& key, std::vector<RowId>& rows) const override {
    index_keys::KeyBuffer buf;
    HashKey k = prepare(key, buf);
    with_table([&](const auto& t) { t.find(k, rows); });
  }

  size_t size() const override {
    return with_table([](const auto& t) { return t.pairs(); });
  }
  void clear() override {
    with_table([](auto& t) { t.clear(); });
  }
  size_t memory_usage() const override {
    return sizeof(*this) + with_table([](const auto& t) { return t.memory_usage(); });
  }

 private:
  // Single-column keys are hashed straight from the Value; composite keys
  // through their canonical encoding in buf.
  HashKey prepare(const IndexKey& key, index_keys::KeyBuffer& buf) const {
    index_keys::check_key_size(spec_, key);
    HashKey k;
    if (key.size() > 1) {
      k.has_null = index_keys::encode_key(key, key.size(), buf);
      set_bytes(k, hash_detail::kComposite, buf.data(), buf.size());
      return k;
    }
    const Value& v = key[0];
    switch (v.type()) {
      case Type::kNull: k.has_null = true; set_scalar(k, hash_detail::kNull, 0); break;
      case Type::kBoolean: set_scalar(k, hash_detail::kBool, v.as_bool()); break;
      case Type::kInteger: set_scalar(k, hash_detail::kInt, static_cast<uint64_t>(v.int_unchecked())); break;
      case Type::kReal: set_number(k, v.as_real()); break;
      case Type::kTimestamp:
        set_scalar(k, hash_detail::kTimestamp, static_cast<uint64_t>(v.as_timestamp().micros));
        break;
      case Type::kText: {
        std::string_view s = v.text_unchecked();
        set_bytes(k, hash_detail::kText, s.data(), s.size());
        break;
      }
      case Type::kBlob: {
        const Blob& b = v.as_blob();
        set_bytes(k, hash_detail::kBlob, b.data(), b.size());
        break;
      }
    }
    return k;
  }

  static size_t parse(const nlohmann::json& options, const char* name, size_t fallback) {
    check_keys(options);
    if (!options.is_object() || !options.contains(name)) return fallback;
    const auto& v = options.at(name);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      throw Error(ErrorCode::kConfig,
                  std::string("index 'hash': option '") + name + "' must be a non-negative integer, got " + v.dump());
    uint64_t n = v.get<uint64_t>();
    if (n > (uint64_t{1} << 36))
      throw Error(ErrorCode::kConfig, std::string("index 'hash': option '") + name + "' is too large: " + v.dump());
    return static_cast<size_t>(n);
  }
  static double parse_load(const nlohmann::json& options) {
    if (!options.is_object() || !options.contains("max_load_factor")) return 0.7;
    const auto& v = options.at("max_load_factor");
    if (!v.is_number() || v.get<double>() < 0.25 || v.get<double>() > 0.95)
      throw Error(ErrorCode::kConfig,
                  "index 'hash': option 'max_load_factor' must be a number in [0.25, 0.95], got " + v.dump());
    return v.get<double>();
  }
  static void check_keys(const nlohmann::json& options) {
    if (options.is_null()) return;
    if (!options.is_object()) throw Error(ErrorCode::kConfig, "index 'hash': options must be a JSON object");
    for (const auto& item : options.items())
      if (item.key() != "initial_capacity" && item.key() != "max_load_factor")
        throw Error(ErrorCode::kConfig, "index 'hash': unknown option '" + item.key() + "'");
  }

  IndexSpec spec_;
  std::optional<HashTable<8>> narrow_;
  std::optional<HashTable<24>> wide_;
};

const ComponentDescriptor kComponents[] = {index_component<HashIndex>("hash")};
const PluginManifest kManifest = make_manifest("tessera-hash", "0.1.0", kComponents);
const PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
