// Creating and dropping indexes at run time.
#include <fmt/format.h>

#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"

namespace tessera {

namespace {

// table.json with the table's current index list (the files it lists are
// unchanged: index definitions do not wait for a checkpoint).
void write_index_list(detail::DatabaseImpl& db, detail::TableState& t) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& ix : t.indexes) list.push_back(ix.def.to_json());
  detail::TableMeta m = t.meta;
  m.indexes = list;
  detail::write_file_atomic(*db.fs, t.dir / detail::kTableMetaFile, m.to_json().dump(2) + "\n");
  t.meta.indexes = std::move(list);
}

}  // namespace

void Table::create_index(const IndexDefinition& d) {
  db_->check_open();
  detail::WriterLock writer(*db_);
  db_->check_writable();
  state_->ensure_loaded(*db_->fs);
  nlohmann::json j = {{"columns", d.columns}, {"type", d.type}, {"unique", d.unique}, {"options", d.options}};
  if (!d.name.empty()) j["name"] = d.name;
  auto def = detail::IndexDef::from_json(j, *state_->schema, state_->name,
                                         fmt::format("table '{}', new index", state_->name), ErrorCode::kInvalidArgument);
  for (const auto& ix : state_->indexes)
    if (ix.def.name == def.name)
      throw Error(ErrorCode::kAlreadyExists, fmt::format("table '{}' already has an index '{}'", state_->name, def.name));
  const ComponentInfo* info = db_->registry.find(ComponentKind::kIndex, def.type);
  if (!info)
    throw Error(ErrorCode::kPlugin, fmt::format("table '{}', index '{}': {}", state_->name, def.name,
                                                db_->registry.missing_message(ComponentKind::kIndex, def.type)));
  def.plugin = {def.type, info->plugin_name, info->plugin_version, def.options};
  auto ix = detail::make_table_index(def, *state_->schema, state_->name, db_->registry);
  std::unique_lock lock(state_->mu);
  state_->add_index(std::move(ix));
  try {
    write_index_list(*db_, *state_);
  } catch (...) {
    state_->indexes.pop_back();
    throw;
  }
}

void Table::drop_index(std::string_view name) {
  db_->check_open();
  detail::WriterLock writer(*db_);
  db_->check_writable();
  state_->ensure_loaded(*db_->fs);
  std::unique_lock lock(state_->mu);
  auto& list = state_->indexes;
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->def.name != name) continue;
    if (it->def.implicit)
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("table '{}': index '{}' enforces UNIQUE on column '{}' and cannot be dropped",
                              state_->name, name, it->def.columns[0]));
    auto removed = std::move(*it);
    list.erase(it);
    try {
      write_index_list(*db_, *state_);
    } catch (...) {
      list.push_back(std::move(removed));
      throw;
    }
    return;
  }
  throw Error(ErrorCode::kNotFound, fmt::format("table '{}' has no index '{}'", state_->name, name));
}

std::vector<IndexInfo> Table::indexes() const {
  std::shared_lock lock(state_->mu);
  std::vector<IndexInfo> out;
  for (const auto& ix : state_->indexes)
    out.push_back({ix.def.name, ix.def.columns, ix.def.type, ix.def.unique, ix.def.implicit, ix.def.plugin.plugin,
                   ix.def.plugin.version});
  return out;
}

}  // namespace tessera
