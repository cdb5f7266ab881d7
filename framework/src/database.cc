#include <cstdio>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"

namespace tessera {

namespace detail {

namespace {

int major_version(const std::string& v) {
  try {
    return std::stoi(v.substr(0, v.find('.')));
  } catch (...) {
    return -1;
  }
}

// Empty when the loaded component may read what ref wrote; else why not.
std::string plugin_mismatch(const PluginRegistry& reg, ComponentKind kind, const PluginRef& ref) {
  const ComponentInfo* info = reg.find(kind, ref.component);
  if (!info)
    return fmt::format("it needs {} plugin '{}' ({} {}), which is not loaded (searched: {})", to_string(kind),
                       ref.component, ref.plugin, ref.version,
                       [&] {
                         std::string s;
                         for (const auto& p : reg.searched_paths()) s += (s.empty() ? "" : ", ") + p.string();
                         return s.empty() ? std::string("no folders") : s;
                       }());
  if (info->plugin_name != ref.plugin)
    return fmt::format("it was written by {} '{}' of plugin {} {}, but the loaded '{}' comes from plugin {} {} "
                       "({})",
                       to_string(kind), ref.component, ref.plugin, ref.version, ref.component,
                       info->plugin_name, info->plugin_version, info->file.string());
  if (major_version(info->plugin_version) != major_version(ref.version))
    return fmt::format("it was written by {} plugin {} {}, and the loaded version {} ({}) is not compatible",
                       to_string(kind), ref.plugin, ref.version, info->plugin_version, info->file.string());
  return {};
}

PluginRef describe(const PluginRegistry& reg, ComponentKind kind, const std::string& name,
                   const nlohmann::json& options) {
  const ComponentInfo* info = reg.find(kind, name);
  return {name, info->plugin_name, info->plugin_version, options};
}

}  // namespace

DatabaseImpl::~DatabaseImpl() {
  if (lock_fd >= 0) ::close(lock_fd);
}

void DatabaseImpl::check_open() const {
  if (closed) throw Error(ErrorCode::kInvalidArgument, fmt::format("database {} is closed", dir.string()));
}

WriterLock::WriterLock(DatabaseImpl& db) {
  if (db.writer_thread.load() == std::this_thread::get_id())
    throw Error(ErrorCode::kInvalidArgument,
                "a transaction is open on this thread: make this change through it (or end it first)");
  db.write_mu.lock();
  db.writer_thread.store(std::this_thread::get_id());
  db_ = &db;
}

void WriterLock::release() {
  if (!db_) return;
  db_->writer_thread.store(std::thread::id());
  db_->write_mu.unlock();
  db_ = nullptr;
}

std::shared_ptr<TableState> DatabaseImpl::find_table(std::string_view name) const {
  std::shared_lock lock(catalog_mu);
  auto it = tables.find(name);
  if (it == tables.end())
    throw Error(ErrorCode::kNotFound, fmt::format("no table '{}' in {}", name, dir.string()));
  return it->second;
}

std::shared_ptr<TableState> DatabaseImpl::usable_table(std::string_view name) {
  auto t = find_table(name);
  t->ensure_loaded(*fs);
  return t;
}

std::shared_ptr<TableState> DatabaseImpl::load_table_state(const std::string& name) {
  auto t = std::make_shared<TableState>();
  t->name = name;
  t->dir = dir / kTablesDir / name;
  t->max_decompressed_bytes = config.max_decompressed_bytes;
  auto meta_path = t->dir / kTableMetaFile;
  try {
    t->meta = TableMeta::from_json(read_json_file(fs->read_all(meta_path), meta_path), meta_path.string());
  } catch (const Error& e) {
    t->unavailable = e.what();
    return t;
  }
  t->schema = std::make_shared<const Schema>(t->meta.schema);
  std::string why = plugin_mismatch(registry, ComponentKind::kFormat, t->meta.format);
  if (why.empty() && t->meta.compressor.component != "none")
    why = plugin_mismatch(registry, ComponentKind::kCompressor, t->meta.compressor);
  if (!why.empty()) {
    t->unavailable = why;
    return t;
  }
  try {
    t->format = registry.make_format(t->meta.format.component, t->meta.format.options);
    if (t->meta.compressor.component != "none")
      t->compressor = registry.make_compressor(t->meta.compressor.component, t->meta.compressor.options);
  } catch (const Error& e) {
    t->unavailable = e.what();
    return t;
  }
  // Files left by an interrupted save are not listed in the metadata.
  for (const auto& f : fs->list(t->dir)) {
    bool listed = f == kTableMetaFile;
    for (const auto& df : t->meta.files) listed = listed || df.name == f;
    if (!listed && (f.starts_with("data_") || f.ends_with(".tmp"))) fs->remove(t->dir / f);
  }
  return t;
}

void DatabaseImpl::open() {
  fs->create_directories(dir);
  auto lock_path = dir / "LOCK";
  lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0)
    throw Error(ErrorCode::kIO, fmt::format("open {}: {}", lock_path.string(), std::strerror(errno)));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
    throw Error(ErrorCode::kUnavailable,
                fmt::format("database {} is already open (in this or another process)", dir.string()));

  registry.load_directories(PluginRegistry::default_search_path(config.plugin_paths));

  auto catalog_path = dir / kCatalogFile;
  if (fs->exists(catalog_path)) {
    catalog = CatalogMeta::from_json(read_json_file(fs->read_all(catalog_path), catalog_path),
                                     catalog_path.string());
  } else {
    fs->create_directories(dir / kTablesDir);
    write_catalog();
  }
  for (const auto& name : catalog.tables) tables[name] = load_table_state(name);
}

void DatabaseImpl::write_catalog() {
  write_file_atomic(*fs, dir / kCatalogFile, catalog.to_json().dump(2) + "\n");
}

void DatabaseImpl::commit(std::vector<TableChanges>& changes) {
  for (auto& tc : changes) {
    TableState& t = *tc.table;
    std::unique_lock lock(t.mu);
    for (auto& [key, row] : tc.rows) {
      if (row)
        t.put_row(std::move(*row));
      else
        t.remove_row(key);
    }
    t.dirty = true;
  }
}

void DatabaseImpl::save_locked() {
  std::vector<std::shared_ptr<TableState>> list;
  {
    std::shared_lock lock(catalog_mu);
    for (auto& [name, t] : tables) list.push_back(t);
  }
  for (auto& t : list) {
    if (!t->loaded || !t->dirty || !t->unavailable.empty()) continue;
    TableMeta m;
    {
      std::shared_lock lock(t->mu);
      m = t->write_files(*fs);
    }
    fs->sync_dir(t->dir);
    write_file_atomic(*fs, t->dir / kTableMetaFile, m.to_json().dump(2) + "\n");
    for (const auto& old : t->meta.files) {
      bool kept = false;
      for (const auto& f : m.files) kept = kept || f.name == old.name;
      if (!kept) fs->remove(t->dir / old.name);
    }
    t->meta = std::move(m);
    t->dirty = false;
  }
}

}  // namespace detail

Database::Database(std::unique_ptr<detail::DatabaseImpl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Database> Database::open(const std::filesystem::path& dir, const Config& config) {
  auto impl = std::make_unique<detail::DatabaseImpl>();
  impl->dir = dir;
  impl->config = config;
  impl->open();
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Database::~Database() {
  try {
    close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: closing %s failed: %s\n", impl_->dir.c_str(), e.what());
  }
}

void Database::close() {
  if (impl_->closed) return;
  save();
  impl_->closed = true;
  if (impl_->lock_fd >= 0) {
    ::close(impl_->lock_fd);
    impl_->lock_fd = -1;
  }
}

void Database::save() {
  impl_->check_open();
  detail::WriterLock writer(*impl_);
  impl_->save_locked();
}

Table Database::create_table(std::string_view name, const Schema& schema,
                             const std::optional<TableConfig>& table_config) {
  impl_->check_open();
  detail::check_table_name(name);
  TableConfig cfg = table_config ? *table_config : impl_->config.table(name);
  if (cfg.format.empty()) cfg.format = impl_->config.default_format;
  if (cfg.compressor.empty()) cfg.compressor = impl_->config.default_compressor;

  detail::WriterLock writer(*impl_);
  if (table_exists(name))
    throw Error(ErrorCode::kAlreadyExists, fmt::format("table '{}' already exists", name));

  auto t = std::make_shared<detail::TableState>();
  t->name = std::string(name);
  t->dir = impl_->dir / detail::kTablesDir / t->name;
  t->max_decompressed_bytes = impl_->config.max_decompressed_bytes;
  t->format = impl_->registry.make_format(cfg.format, cfg.format_options);
  if (cfg.compressor != "none")
    t->compressor = impl_->registry.make_compressor(cfg.compressor, cfg.compressor_options);
  t->schema = std::make_shared<const Schema>(schema);

  auto& m = t->meta;
  m.name = t->name;
  m.schema = schema;
  m.format = detail::describe(impl_->registry, ComponentKind::kFormat, cfg.format, cfg.format_options);
  m.compressor = cfg.compressor == "none"
                     ? detail::PluginRef{"none", "", "", nlohmann::json::object()}
                     : detail::describe(impl_->registry, ComponentKind::kCompressor, cfg.compressor,
                                        cfg.compressor_options);
  m.max_rows_per_file = cfg.max_rows_per_file;
  m.max_file_size_bytes = cfg.max_file_size_bytes;
  m.indexes = cfg.indexes;

  auto& fs = *impl_->fs;
  if (fs.exists(t->dir)) fs.remove_all(t->dir);  // left by a create that did not finish
  fs.create_directories(t->dir);
  t->reset_rows();
  t->loaded = true;
  m = t->write_files(fs);
  fs.sync_dir(t->dir);
  detail::write_file_atomic(fs, t->dir / detail::kTableMetaFile, m.to_json().dump(2) + "\n");
  fs.sync_dir(t->dir.parent_path());

  std::unique_lock cat(impl_->catalog_mu);
  impl_->catalog.tables.push_back(t->name);
  try {
    impl_->write_catalog();
  } catch (...) {
    impl_->catalog.tables.pop_back();
    throw;
  }
  impl_->tables[t->name] = t;
  return Table(impl_.get(), t);
}

void Database::drop_table(std::string_view name) {
  impl_->check_open();
  detail::WriterLock writer(*impl_);
  auto t = impl_->find_table(name);
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
  t->unavailable = "the table was dropped";
  impl_->fs->remove_all(t->dir);
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
  s.available = t->unavailable.empty();
  s.error = t->unavailable;
  auto add = [&](ComponentKind kind, const detail::PluginRef& ref) {
    if (ref.component.empty() || ref.component == "none") return;
    s.plugins.push_back({kind, ref.component, ref.plugin, ref.version,
                         detail::plugin_mismatch(impl_->registry, kind, ref).empty()});
  };
  add(ComponentKind::kFormat, t->meta.format);
  add(ComponentKind::kCompressor, t->meta.compressor);
  return s;
}

const std::filesystem::path& Database::path() const { return impl_->dir; }
const Config& Database::config() const { return impl_->config; }
const PluginRegistry& Database::plugins() const { return impl_->registry; }

const char* version() { return TESSERA_VERSION_STRING; }

}  // namespace tessera
