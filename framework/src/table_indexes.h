// A table's secondary indexes: their definitions (persisted in table.json),
// the Index plugin objects that hold them, and how a row maps to a key.
//
// A UNIQUE column without an explicit unique index on exactly that column
// gets an implicit hash index ("unique_<column>"), so every UNIQUE
// constraint is enforced through an index. The primary key's index is the
// table's own key map, not a plugin.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog.h"
#include "tessera/error.h"
#include "tessera/index.h"
#include "tessera/plugin_registry.h"
#include "tessera/schema.h"

namespace tessera::detail {

struct IndexDef {
  std::string name;
  std::vector<std::string> columns;
  std::string type;  // the Index component: "hash", "btree", ...
  bool unique = false;
  bool implicit = false;  // made for a UNIQUE column
  nlohmann::json options = nlohmann::json::object();
  PluginRef plugin;  // who builds it, recorded when created

  nlohmann::json to_json() const;
  // Parses a definition from configuration or table.json; where names it in
  // errors (kConfig for configuration, kCorruption for stored metadata).
  static IndexDef from_json(const nlohmann::json& j, const Schema& schema, const std::string& table,
                            const std::string& where, ErrorCode code);
};

// The definitions a new table gets: the configured ones, plus the implicit
// ones for UNIQUE columns; names checked unique; plugins recorded.
std::vector<IndexDef> index_defs_for_new_table(const nlohmann::json& configured, const Schema& schema,
                                               const std::string& table, const PluginRegistry& registry);

struct IndexKeyHash {
  size_t operator()(const IndexKey& k) const {
    size_t h = 0x84222325;
    for (const Value& v : k) h = (h ^ v.hash()) * 0x100000001b3ULL;
    return h;
  }
};

struct TableIndex {
  IndexDef def;
  std::vector<size_t> cols;  // schema positions of def.columns
  std::unique_ptr<Index> index;

  void key_of(RecordView r, IndexKey& key) const {
    key.resize(cols.size());
    for (size_t i = 0; i < cols.size(); ++i) key[i] = r[cols[i]];
  }
  IndexKey key_of(RecordView r) const {
    IndexKey k;
    key_of(r, k);
    return k;
  }
  static bool has_null(const IndexKey& k) {
    for (const Value& v : k)
      if (v.is_null()) return true;
    return false;
  }
};

// Creates the plugin object for def. Throws Error(kPlugin) when missing.
TableIndex make_table_index(const IndexDef& def, const Schema& schema, const std::string& table,
                            const PluginRegistry& registry);

}  // namespace tessera::detail
