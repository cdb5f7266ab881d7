#include "table_indexes.h"

#include <set>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

using json = nlohmann::json;

json IndexDef::to_json() const {
  json j = {{"name", name}, {"columns", columns}, {"type", type}, {"unique", unique}, {"options", options}};
  if (implicit) j["implicit"] = true;
  if (!plugin.component.empty()) j["plugin"] = plugin.to_json();
  return j;
}

IndexDef IndexDef::from_json(const json& j, const Schema& schema, const std::string& table,
                             const std::string& where, ErrorCode code) {
  auto fail = [&](const std::string& what) -> void {
    throw Error(code, fmt::format("{}: {}", where, what));
  };
  if (!j.is_object()) fail("an index definition must be an object");
  static const std::set<std::string> keys = {"name", "column", "columns", "type", "unique", "options", "implicit",
                                             "plugin"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!keys.count(it.key())) fail(fmt::format("unknown key '{}' (expected name, column or columns, type, unique, options)", it.key()));
  IndexDef d;
  if (j.contains("column") == j.contains("columns")) fail("give exactly one of \"column\" or \"columns\"");
  if (j.contains("column")) {
    if (!j["column"].is_string()) fail("\"column\" must be a string");
    d.columns.push_back(j["column"].get<std::string>());
  } else {
    if (!j["columns"].is_array() || j["columns"].empty()) fail("\"columns\" must be a non-empty array");
    for (const auto& c : j["columns"]) {
      if (!c.is_string()) fail("\"columns\" must hold column names");
      d.columns.push_back(c.get<std::string>());
    }
  }
  for (const auto& c : d.columns)
    if (!schema.find(c)) fail(fmt::format("table '{}' has no column '{}'", table, c));
  if (j.contains("type") && !j["type"].is_string()) fail("\"type\" must be a string");
  d.type = j.value("type", "btree");
  if (j.contains("unique") && !j["unique"].is_boolean()) fail("\"unique\" must be true or false");
  d.unique = j.value("unique", false);
  d.implicit = j.value("implicit", false);
  if (j.contains("options")) {
    if (!j["options"].is_object()) fail("\"options\" must be an object");
    d.options = j["options"];
  }
  std::string joined;
  for (const auto& c : d.columns) joined += "_" + c;
  if (j.contains("name") && !j["name"].is_string()) fail("\"name\" must be a string");
  d.name = j.value("name", fmt::format("{}{}", d.unique ? "unique" : "idx", joined));
  if (j.contains("plugin")) d.plugin = PluginRef::from_json(j["plugin"], where);
  return d;
}

std::vector<IndexDef> index_defs_for_new_table(const json& configured, const Schema& schema, const std::string& table,
                                               const PluginRegistry& registry) {
  std::vector<IndexDef> defs;
  for (size_t i = 0; i < configured.size(); ++i)
    defs.push_back(IndexDef::from_json(configured[i], schema, table,
                                       fmt::format("tables.{}.indexes[{}]", table, i), ErrorCode::kConfig));
  for (const Column& c : schema.columns()) {
    if (!c.unique || c.primary_key) continue;
    bool covered = false;
    for (const auto& d : defs) covered = covered || (d.unique && d.columns == std::vector<std::string>{c.name});
    if (!covered) {
      IndexDef d;
      d.name = "unique_" + c.name;
      d.columns = {c.name};
      d.type = "hash";
      d.unique = true;
      d.implicit = true;
      defs.push_back(std::move(d));
    }
  }
  std::set<std::string> names;
  for (auto& d : defs) {
    if (!names.insert(d.name).second)
      throw Error(ErrorCode::kConfig, fmt::format("table '{}': two indexes are named '{}'", table, d.name));
    const ComponentInfo* info = registry.find(ComponentKind::kIndex, d.type);
    if (!info)
      throw Error(ErrorCode::kPlugin,
                  fmt::format("table '{}', index '{}': {}", table, d.name,
                              registry.missing_message(ComponentKind::kIndex, d.type)));
    d.plugin = {d.type, info->plugin_name, info->plugin_version, d.options};
  }
  return defs;
}

TableIndex make_table_index(const IndexDef& def, const Schema& schema, const std::string& table,
                            const PluginRegistry& registry) {
  TableIndex ti;
  ti.def = def;
  IndexSpec spec;
  spec.table = table;
  spec.name = def.name;
  spec.columns = def.columns;
  spec.unique = def.unique;
  for (const auto& c : def.columns) {
    size_t i = schema.index_of(c, table);
    ti.cols.push_back(i);
    spec.types.push_back(schema[i].type);
  }
  ti.index = registry.make_index(def.type, spec, def.options);
  return ti;
}

}  // namespace tessera::detail
