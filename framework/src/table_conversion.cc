// Converting a table to other plugins, and creating a table with its rows.
#include <fmt/format.h>

#include "commit_codec.h"
#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"

namespace tessera {

namespace {

// Reads back every file of m through codec, checking sizes, counts and checksums.
void verify_by_reading(detail::FileSystem& fs, const std::filesystem::path& dir, const detail::TableMeta& m,
                       const detail::TableCodec& codec) {
  detail::TableFileReader reader(fs, dir, m, codec);
  Record r;
  uint64_t n = 0;
  while (reader.next(r)) ++n;
  if (n != m.row_count)
    throw Error(ErrorCode::kCorruption,
                fmt::format("table '{}': the new files hold {} rows, {} were written", m.name, n, m.row_count));
}

detail::PluginRef ref_for(const PluginRegistry& reg, ComponentKind kind, const std::string& name,
                          const nlohmann::json& options) {
  if (kind == ComponentKind::kCompressor && name == "none") return {"none", "", "", nlohmann::json::object()};
  const ComponentInfo* info = reg.find(kind, name);
  if (!info) throw Error(ErrorCode::kPlugin, reg.missing_message(kind, name));
  return {name, info->plugin_name, info->plugin_version, options};
}

}  // namespace

void Database::convert_table(std::string_view name, const std::string& format, const nlohmann::json& format_options,
                             const std::string& compressor, const nlohmann::json& compressor_options) {
  impl_->check_open();
  detail::WriterLock writer(*impl_);
  impl_->check_writable();
  auto t = impl_->find_table(name);
  t->ensure_loaded(*impl_->fs);
  auto& fs = *impl_->fs;

  auto new_format = impl_->registry.make_format(format, format_options);
  std::unique_ptr<Compressor> new_compressor;
  if (compressor != "none") new_compressor = impl_->registry.make_compressor(compressor, compressor_options);
  detail::TableCodec codec{new_format.get(), new_compressor.get(), impl_->config.max_decompressed_bytes};

  // Everything committed goes into the new files, so nothing in the log
  // needs replaying into them: checkpoint first.
  impl_->checkpoint_locked();
  detail::TableMeta m = t->meta;
  m.format = ref_for(impl_->registry, ComponentKind::kFormat, format, format_options);
  m.compressor = ref_for(impl_->registry, ComponentKind::kCompressor, compressor, compressor_options);
  detail::failing_on_io(*impl_, [&] {
    {
      std::shared_lock lock(t->mu);
      m.files = detail::write_data_files(fs, t->dir, m, codec, t->feed_rows());
    }
    fs.sync_dir(t->dir);
    verify_by_reading(fs, t->dir, m, codec);
    detail::write_file_atomic(fs, t->dir / detail::kTableMetaFile, m.to_json().dump(2) + "\n");
  });
  // The table is in its new form from here: an old file that cannot be
  // removed is an unlisted file, which the next open removes.
  for (const auto& old : t->meta.files) {
    try {
      fs.remove(t->dir / old.name);
    } catch (const Error&) {
    }
  }
  std::unique_lock lock(t->mu);
  t->meta = std::move(m);
  t->format = std::move(new_format);
  t->compressor = std::move(new_compressor);
  t->mark_clean();
}

Table Database::create_table_with(std::string_view name, const Schema& schema,
                                  const std::optional<TableConfig>& table_config,
                                  const std::function<bool(Record&)>& next_row) {
  impl_->check_open();
  detail::check_table_name(name);
  TableConfig cfg = table_config ? *table_config : impl_->config.table(name);
  if (cfg.format.empty()) cfg.format = impl_->config.default_format;
  if (cfg.compressor.empty()) cfg.compressor = impl_->config.default_compressor;
  detail::WriterLock writer(*impl_);
  impl_->check_writable();
  if (table_exists(name)) throw Error(ErrorCode::kAlreadyExists, fmt::format("table '{}' already exists", name));
  auto t = impl_->new_table_state(std::string(name), schema, cfg);
  {
    // Rows are validated through the same path as inserts, into the empty
    // in-memory table, before anything reaches the disk.
    std::unique_lock lock(t->mu);
    Record r;
    while (next_row(r)) {
      Schema const& s = *t->schema;
      if (r.size() != s.size())
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("table '{}': a record of {} values for {} columns", name, r.size(), s.size()));
      const size_t pkc = s.primary_key();
      if (r[pkc].is_null() && s[pkc].auto_increment) r[pkc] = Value(t->next_auto_id++);
      for (size_t i = 0; i < s.size(); ++i) s.check_value(t->name, i, r[i]);
      if (t->find(r[pkc]))
        throw Error(ErrorCode::kConstraint, fmt::format("table '{}', column '{}': duplicate primary key {}", name,
                                                        s[pkc].name, r[pkc].to_string()));
      IndexKey key;
      for (auto& ix : t->indexes) {
        if (!ix.def.unique) continue;
        ix.key_of(r, key);
        if (auto holder = t->unique_holder(ix, key))
          throw Error(ErrorCode::kConstraint,
                      fmt::format("table '{}', index '{}': value {} is already used by the row with key {}", name,
                                  ix.def.name, key[0].to_string(), t->rows.cell(*holder, pkc).to_string()));
      }
      t->put_row(std::move(r));
      r = Record();
    }
  }
  detail::failing_on_io(*impl_, [&] { impl_->persist_new_table(t); });
  return Table(impl_.get(), t);
}

}  // namespace tessera
