// DatabaseImpl: opening, table states, the commit path and checkpoints.
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "commit_codec.h"
#include "database_impl.h"
#include "tessera/error.h"

namespace tessera::detail {

namespace {

int major_version(const std::string& v) {
  try {
    return std::stoi(v.substr(0, v.find('.')));
  } catch (...) {
    return -1;
  }
}

std::string searched(const PluginRegistry& reg) {
  std::string s;
  for (const auto& p : reg.searched_paths()) s += (s.empty() ? "" : ", ") + p.string();
  return s.empty() ? std::string("no folders") : s;
}

}  // namespace

std::string plugin_mismatch(const PluginRegistry& reg, ComponentKind kind, const PluginRef& ref) {
  const ComponentInfo* info = reg.find(kind, ref.component);
  if (!info)
    return fmt::format("it needs {} plugin '{}' ({} {}), which is not loaded (searched: {})", to_string(kind),
                       ref.component, ref.plugin, ref.version, searched(reg));
  if (info->plugin_name != ref.plugin)
    return fmt::format("it was written by {} '{}' of plugin {} {}, but the loaded '{}' comes from plugin {} {} ({})",
                       to_string(kind), ref.component, ref.plugin, ref.version, ref.component, info->plugin_name,
                       info->plugin_version, info->file.string());
  if (major_version(info->plugin_version) != major_version(ref.version))
    return fmt::format("it was written by {} plugin {} {}, and the loaded version {} ({}) is not compatible",
                       to_string(kind), ref.plugin, ref.version, info->plugin_version, info->file.string());
  return {};
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

DatabaseImpl::~DatabaseImpl() {
  wal.reset();
  if (lock_fd >= 0) ::close(lock_fd);
}

void DatabaseImpl::check_open() const {
  if (closed) throw Error(ErrorCode::kInvalidArgument, fmt::format("database {} is closed", dir.string()));
}

void DatabaseImpl::check_writable() const {
  if (!failure.empty())
    throw Error(ErrorCode::kReadOnly,
                fmt::format("database {} refuses writes after an earlier failure ({}); reopen it to recover",
                            dir.string(), failure));
}

std::shared_ptr<TableState> DatabaseImpl::find_table(std::string_view name) const {
  std::shared_lock lock(catalog_mu);
  auto it = tables.find(name);
  if (it == tables.end()) throw Error(ErrorCode::kNotFound, fmt::format("no table '{}' in {}", name, dir.string()));
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
  t->set_schema(std::make_shared<const Schema>(t->meta.schema));
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
    for (size_t i = 0; i < t->meta.indexes.size(); ++i) {
      auto def = IndexDef::from_json(t->meta.indexes[i], *t->schema, name,
                                     fmt::format("{} (indexes[{}])", meta_path.string(), i), ErrorCode::kCorruption);
      std::string missing = plugin_mismatch(registry, ComponentKind::kIndex, def.plugin);
      if (!missing.empty()) throw Error(ErrorCode::kPlugin, fmt::format("index '{}': {}", def.name, missing));
      t->indexes.push_back(make_table_index(def, *t->schema, name, registry));
    }
  } catch (const Error& e) {
    t->unavailable = e.what();
    return t;
  }
  // Undo what an interrupted checkpoint left: unlisted files, and bytes
  // appended past the recorded size of a listed file.
  for (const auto& f : fs->list(t->dir)) {
    const DataFile* listed = nullptr;
    for (const auto& df : t->meta.files)
      if (df.name == f) listed = &df;
    if (!listed && f != kTableMetaFile && (f.starts_with("data_") || f.ends_with(".tmp"))) fs->remove(t->dir / f);
    if (listed && fs->file_size(t->dir / f) > listed->bytes) fs->truncate(t->dir / f, listed->bytes);
  }
  return t;
}

void DatabaseImpl::open() {
  if (options.file_system) fs = options.file_system;
  {
    // A new database folder is durable only once its parent is synced.
    std::filesystem::path folder = dir.has_filename() ? dir : dir.parent_path();
    bool existed = fs->exists(folder);
    fs->create_directories(folder);
    if (!existed) fs->sync_dir(folder.has_parent_path() ? folder.parent_path() : std::filesystem::path("."));
  }
  auto lock_path = dir / "LOCK";
  lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) throw Error(ErrorCode::kIO, fmt::format("open {}: {}", lock_path.string(), std::strerror(errno)));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
    throw Error(ErrorCode::kUnavailable,
                fmt::format("database {} is already open (in this or another process)", dir.string()));

  registry.load_directories(PluginRegistry::default_search_path(config.plugin_paths));

  // Leftovers of an interrupted catalog write or backup.
  for (const auto& f : fs->list(dir))
    if (f == std::string(kCatalogFile) + ".tmp" || f.starts_with(".backup-")) fs->remove_all(dir / f);

  auto catalog_path = dir / kCatalogFile;
  if (fs->exists(catalog_path)) {
    catalog = CatalogMeta::from_json(read_json_file(fs->read_all(catalog_path), catalog_path), catalog_path.string());
  } else {
    fs->create_directories(dir / kTablesDir);
    fs->create_directories(dir / "wal");
    write_catalog();
  }
  for (const auto& name : catalog.tables) tables[name] = load_table_state(name);
  recover();
}

void DatabaseImpl::write_catalog() { write_file_atomic(*fs, dir / kCatalogFile, catalog.to_json().dump(2) + "\n"); }

Lsn DatabaseImpl::commit(std::vector<TableChanges>& changes) {
  check_writable();
  size_t count = 0;
  for (auto& tc : changes) count += tc.rows.size();
  CommitEncoder enc(changes.size());
  for (auto& tc : changes) {
    enc.begin_table(tc.table->name, tc.rows.size());
    for (const auto& [key, row] : tc.rows.entries()) {
      if (row) enc.put(*row);
      else enc.erase(key);
    }
  }
  Lsn lsn;
  try {
    lsn = wal->append(enc.payload());
  } catch (const Error& e) {
    if (failure.empty()) failure = e.what();
    throw;
  }
  for (auto& tc : changes) {
    TableState& t = *tc.table;
    auto list = tc.rows.release();
    std::unique_lock lock(t.mu);
    t.apply(list);
    t.dirty = true;
  }
  return lsn;
}

void DatabaseImpl::finish_commit(Lsn lsn) {
  if (!lsn) return;
  try {
    wal->wait_durable(lsn);
  } catch (const Error& e) {
    if (failure.empty()) failure = e.what();
    throw;
  }
  if (config.durability.checkpoint_wal_bytes && wal->bytes_in_segment() >= config.durability.checkpoint_wal_bytes) {
    WriterLock writer(*this);
    if (wal->bytes_in_segment() >= config.durability.checkpoint_wal_bytes) checkpoint_locked();
  }
}

void DatabaseImpl::log_marker(std::string payload) {
  check_writable();
  try {
    wal->wait_durable(wal->append(payload));
  } catch (const Error& e) {
    if (failure.empty()) failure = e.what();
    throw;
  }
}

void DatabaseImpl::checkpoint_table(TableState& t, Lsn lsn) {
  std::optional<TableMeta> m;
  {
    std::shared_lock lock(t.mu);
    m = t.append_files(*fs);
    if (!m) m = t.write_files(*fs);
  }
  m->checkpoint_lsn = lsn;
  fs->sync_dir(t.dir);
  write_file_atomic(*fs, t.dir / kTableMetaFile, m->to_json().dump(2) + "\n");
  for (const auto& old : t.meta.files) {
    bool kept = false;
    for (const auto& f : m->files) kept = kept || f.name == old.name;
    if (!kept) fs->remove(t.dir / old.name);
  }
  std::unique_lock lock(t.mu);
  t.meta = std::move(*m);
  t.dirty = false;
  t.mark_clean();
}

void DatabaseImpl::checkpoint_locked() {
  check_writable();
  try {
    Lsn lsn = wal->last_lsn();
    wal->sync();
    std::vector<std::shared_ptr<TableState>> list;
    {
      std::shared_lock lock(catalog_mu);
      for (auto& [name, t] : tables) list.push_back(t);
    }
    for (auto& t : list)
      if (t->loaded && t->dirty && t->unavailable_reason().empty()) checkpoint_table(*t, lsn);
    Lsn covered = pending_lsn ? std::min(lsn, pending_lsn - 1) : lsn;
    if (covered != catalog.checkpoint_lsn) {
      catalog.checkpoint_lsn = covered;
      write_catalog();
    }
    uint64_t segment = wal->rotate();
    if (!pending_lsn) retire_wal_segments(*fs, dir / "wal", segment, config.durability.keep_wal_archive);
  } catch (const Error& e) {
    // The log still holds every commit, but what is on disk is no longer
    // known: refuse writes until a reopen recovers from the log.
    if (e.code() == ErrorCode::kIO && failure.empty()) failure = e.what();
    throw;
  }
}

}  // namespace tessera::detail
