// tessera::Database: the public face of DatabaseImpl.
#include <cstdio>

#include <unistd.h>

#include <fmt/format.h>

#include "commit_codec.h"
#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"

namespace tessera {

namespace detail {
std::string plugin_mismatch(const PluginRegistry& reg, ComponentKind kind, const PluginRef& ref);

namespace {
PluginRef describe(const PluginRegistry& reg, ComponentKind kind, const std::string& name,
                   const nlohmann::json& options) {
  const ComponentInfo* info = reg.find(kind, name);
  if (!info) throw Error(ErrorCode::kPlugin, reg.missing_message(kind, name));
  return {name, info->plugin_name, info->plugin_version, options};
}
}  // namespace
}  // namespace detail

Database::Database(std::unique_ptr<detail::DatabaseImpl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Database> Database::open(const std::filesystem::path& dir, const Config& config,
                                         const OpenOptions& options) {
  auto impl = std::make_unique<detail::DatabaseImpl>();
  impl->dir = dir;
  impl->config = config;
  impl->options = options;
  impl->open();
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Database::~Database() {
  try {
    close();
  } catch (const std::exception& e) {
    // Every commit is in the log; the next open replays what this missed.
    std::fprintf(stderr, "tessera: checkpoint on closing %s failed: %s\n", impl_->dir.c_str(), e.what());
  }
}

void Database::close() {
  if (impl_->closed) return;
  struct MarkClosed {
    detail::DatabaseImpl* db;
    ~MarkClosed() {
      db->closed = true;
      db->wal.reset();
      if (db->lock_fd >= 0) {
        ::close(db->lock_fd);
        db->lock_fd = -1;
      }
    }
  } mark{impl_.get()};
  if (impl_->failure.empty()) checkpoint();
}

void Database::checkpoint() {
  impl_->check_open();
  detail::WriterLock writer(*impl_);
  impl_->checkpoint_locked();
}

void Database::save() { checkpoint(); }

const RecoveryReport& Database::recovery() const { return impl_->recovery; }

Table Database::create_table(std::string_view name, const Schema& schema,
                             const std::optional<TableConfig>& table_config) {
  impl_->check_open();
  detail::check_table_name(name);
  TableConfig cfg = table_config ? *table_config : impl_->config.table(name);
  if (cfg.format.empty()) cfg.format = impl_->config.default_format;
  if (cfg.compressor.empty()) cfg.compressor = impl_->config.default_compressor;
  detail::WriterLock writer(*impl_);
  impl_->check_writable();
  if (table_exists(name)) throw Error(ErrorCode::kAlreadyExists, fmt::format("table '{}' already exists", name));
  auto t = impl_->new_table_state(std::string(name), schema, cfg);
  detail::failing_on_io(*impl_, [&] { impl_->persist_new_table(t); });
  return Table(impl_.get(), t);
}

namespace detail {

std::shared_ptr<TableState> DatabaseImpl::new_table_state(const std::string& name, const Schema& schema,
                                                          const TableConfig& cfg) {
  auto t = std::make_shared<TableState>();
  t->name = name;
  t->dir = dir / kTablesDir / name;
  t->max_decompressed_bytes = config.max_decompressed_bytes;
  t->format = registry.make_format(cfg.format, cfg.format_options);
  if (cfg.compressor != "none") t->compressor = registry.make_compressor(cfg.compressor, cfg.compressor_options);
  t->set_schema(std::make_shared<const Schema>(schema));

  auto& m = t->meta;
  m.name = name;
  m.schema = schema;
  m.format = describe(registry, ComponentKind::kFormat, cfg.format, cfg.format_options);
  m.compressor = cfg.compressor == "none"
                     ? PluginRef{"none", "", "", nlohmann::json::object()}
                     : describe(registry, ComponentKind::kCompressor, cfg.compressor, cfg.compressor_options);
  m.max_rows_per_file = cfg.max_rows_per_file;
  m.max_file_size_bytes = cfg.max_file_size_bytes;
  m.indexes = nlohmann::json::array();
  for (const auto& def : index_defs_for_new_table(cfg.indexes, schema, name, registry)) {
    m.indexes.push_back(def.to_json());
    t->indexes.push_back(make_table_index(def, schema, name, registry));
  }
  std::unique_lock lock(t->mu);
  t->reset_rows();
  t->loaded = true;
  return t;
}

void DatabaseImpl::persist_new_table(const std::shared_ptr<TableState>& t) {
  if (fs->exists(t->dir)) fs->remove_all(t->dir);  // left by a create that did not finish
  fs->create_directories(t->dir);
  {
    std::shared_lock lock(t->mu);
    t->meta = t->write_files(*fs);
  }
  // Log records of an earlier table of the same name are not this table's.
  t->meta.checkpoint_lsn = wal->last_lsn();
  fs->sync_dir(t->dir);
  write_file_atomic(*fs, t->dir / kTableMetaFile, t->meta.to_json().dump(2) + "\n");
  fs->sync_dir(t->dir.parent_path());
  {
    std::unique_lock cat(catalog_mu);
    catalog.tables.push_back(t->name);
    try {
      write_catalog();  // the moment the table exists
    } catch (...) {
      catalog.tables.pop_back();
      throw;
    }
    tables[t->name] = t;
  }
  {
    std::unique_lock lock(t->mu);
    t->mark_clean();
  }
  log_marker(encode_marker(WalRecordKind::kCreateTable, t->name));
}

}  // namespace detail

void Database::drop_table(std::string_view name) {
  impl_->check_open();
  detail::WriterLock writer(*impl_);
  impl_->check_writable();
  auto t = impl_->find_table(name);
  detail::failing_on_io(*impl_, [&] {
    {
      std::unique_lock cat(impl_->catalog_mu);
      auto& list = impl_->catalog.tables;
      auto old = list;
      list.erase(std::remove(list.begin(), list.end(), t->name), list.end());
      try {
        impl_->write_catalog();
      } catch (...) {
        list = old;
        throw;
      }
      impl_->tables.erase(t->name);
    }
    {
      std::unique_lock lock(t->mu);  // handles may be reading it
      t->unavailable = "the table was dropped";
    }
    impl_->fs->remove_all(t->dir);
    impl_->log_marker(detail::encode_marker(detail::WalRecordKind::kDropTable, t->name));
  });
}

bool Database::table_exists(std::string_view name) const {
  std::shared_lock lock(impl_->catalog_mu);
  return impl_->tables.count(name) > 0;
}

std::vector<std::string> Database::table_names() const {
  std::shared_lock lock(impl_->catalog_mu);
  std::vector<std::string> names;
  for (const auto& [n, t] : impl_->tables) names.push_back(n);
  return names;
}

Table Database::table(std::string_view name) {
  impl_->check_open();
  auto t = impl_->find_table(name);
  t->ensure_loaded(*impl_->fs);
  return Table(impl_.get(), t);
}

TableStatus Database::status(std::string_view name) const {
  auto t = impl_->find_table(name);
  TableStatus s;
  s.name = t->name;
  s.error = t->unavailable_reason();
  s.available = s.error.empty();
  s.schema = t->meta.schema;
  {
    std::shared_lock lock(t->mu);
    s.loaded = t->loaded;
    s.rows = t->loaded ? t->live_rows : t->meta.row_count;
  }
  auto add = [&](ComponentKind kind, const detail::PluginRef& ref) {
    if (ref.component.empty() || ref.component == "none") return;
    s.plugins.push_back(
        {kind, ref.component, ref.plugin, ref.version, detail::plugin_mismatch(impl_->registry, kind, ref).empty()});
  };
  add(ComponentKind::kFormat, t->meta.format);
  add(ComponentKind::kCompressor, t->meta.compressor);
  if (t->meta.indexes.is_array())
    for (const auto& j : t->meta.indexes)
      if (j.contains("plugin")) {
        try {
          add(ComponentKind::kIndex, detail::PluginRef::from_json(j["plugin"], t->name));
        } catch (const Error&) {
        }
      }
  return s;
}

const std::filesystem::path& Database::path() const { return impl_->dir; }
const Config& Database::config() const { return impl_->config; }
const PluginRegistry& Database::plugins() const { return impl_->registry; }

const char* version() { return TESSERA_VERSION_STRING; }

}  // namespace tessera
