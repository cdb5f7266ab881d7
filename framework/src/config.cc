#include "tessera/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera {

namespace {

using json = nlohmann::json;

[[noreturn]] void config_error(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::kConfig, fmt::format("config: {}: {}", path, what));
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

void expect_object(const json& j, const std::string& path, std::initializer_list<const char*> keys) {
  if (!j.is_object()) config_error(path.empty() ? "(top level)" : path, "expected an object");
  std::set<std::string> allowed(keys.begin(), keys.end());
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!allowed.count(it.key())) {
      std::string list;
      for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
      config_error(join(path, it.key()), fmt::format("unknown key (expected one of: {})", list));
    }
  }
}

std::string get_string(const json& j, const std::string& path) {
  if (!j.is_string()) config_error(path, fmt::format("expected a string, got {}", j.dump()));
  return j.get<std::string>();
}

uint64_t get_uint(const json& j, const std::string& path) {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0))
    config_error(path, fmt::format("expected a non-negative integer, got {}", j.dump()));
  return j.get<uint64_t>();
}

json get_object(const json& j, const std::string& path) {
  if (!j.is_object()) config_error(path, fmt::format("expected an object, got {}", j.dump()));
  return j;
}

}  // namespace

json TableConfig::to_json() const {
  json j = json::object();
  if (!format.empty()) j["format"] = format;
  if (!format_options.empty()) j["format_options"] = format_options;
  if (!compressor.empty()) j["compressor"] = compressor;
  if (!compressor_options.empty()) j["compressor_options"] = compressor_options;
  if (!indexes.empty()) j["indexes"] = indexes;
  if (max_rows_per_file) j["max_rows_per_file"] = max_rows_per_file;
  if (max_file_size_bytes) j["max_file_size_bytes"] = max_file_size_bytes;
  return j;
}

TableConfig TableConfig::from_json(const json& j, const std::string& path) {
  expect_object(j, path,
                {"format", "format_options", "compressor", "compressor_options", "indexes",
                 "max_rows_per_file", "max_file_size_bytes"});
  TableConfig t;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    std::string p = join(path, k);
    if (k == "format") t.format = get_string(*it, p);
    else if (k == "format_options") t.format_options = get_object(*it, p);
    else if (k == "compressor") t.compressor = get_string(*it, p);
    else if (k == "compressor_options") t.compressor_options = get_object(*it, p);
    else if (k == "indexes") {
      if (!it->is_array()) config_error(p, "expected an array of index definitions");
      t.indexes = *it;
    } else if (k == "max_rows_per_file") t.max_rows_per_file = get_uint(*it, p);
    else if (k == "max_file_size_bytes") t.max_file_size_bytes = get_uint(*it, p);
  }
  return t;
}

Config Config::from_json(const json& j) {
  expect_object(j, "", {"plugin_paths", "defaults", "tables", "durability", "cache", "limits"});
  Config c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "plugin_paths") {
      if (!it->is_array()) config_error(k, "expected an array of folder paths");
      for (size_t i = 0; i < it->size(); ++i)
        c.plugin_paths.emplace_back(get_string((*it)[i], fmt::format("plugin_paths[{}]", i)));
    } else if (k == "defaults") {
      expect_object(*it, k, {"format", "compressor", "compressor_options"});
      if (it->contains("format")) c.default_format = get_string((*it)["format"], "defaults.format");
      if (it->contains("compressor"))
        c.default_compressor = get_string((*it)["compressor"], "defaults.compressor");
      if (it->contains("compressor_options"))
        c.default_compressor_options =
            get_object((*it)["compressor_options"], "defaults.compressor_options");
    } else if (k == "tables") {
      if (!it->is_object()) config_error(k, "expected an object keyed by table name");
      for (auto t = it->begin(); t != it->end(); ++t)
        c.tables[t.key()] = TableConfig::from_json(*t, "tables." + t.key());
    } else if (k == "durability") {
      expect_object(*it, k, {"sync", "checkpoint_wal_bytes", "wal_retention", "normal_sync_interval_ms"});
      for (auto d = it->begin(); d != it->end(); ++d) {
        std::string p = join(k, d.key());
        if (d.key() == "sync") {
          std::string s = get_string(*d, p);
          if (s == "full") c.durability.sync = SyncMode::kFull;
          else if (s == "normal") c.durability.sync = SyncMode::kNormal;
          else if (s == "off") c.durability.sync = SyncMode::kOff;
          else config_error(p, fmt::format("'{}' is not one of full, normal, off", s));
        } else if (d.key() == "checkpoint_wal_bytes") {
          c.durability.checkpoint_wal_bytes = get_uint(*d, p);
        } else if (d.key() == "wal_retention") {
          std::string s = get_string(*d, p);
          if (s != "archive" && s != "delete") config_error(p, fmt::format("'{}' is not one of archive, delete", s));
          c.durability.keep_wal_archive = s == "archive";
        } else if (d.key() == "normal_sync_interval_ms") {
          c.durability.normal_sync_interval_ms = static_cast<uint32_t>(get_uint(*d, p));
        }
      }
    } else if (k == "cache") {
      expect_object(*it, k, {"memory_budget_bytes", "eviction"});
      if (it->contains("memory_budget_bytes"))
        c.cache.memory_budget_bytes = get_uint((*it)["memory_budget_bytes"], "cache.memory_budget_bytes");
      if (it->contains("eviction")) c.cache.eviction = get_string((*it)["eviction"], "cache.eviction");
    } else if (k == "limits") {
      expect_object(*it, k, {"max_decompressed_bytes"});
      if (it->contains("max_decompressed_bytes"))
        c.max_decompressed_bytes =
            get_uint((*it)["max_decompressed_bytes"], "limits.max_decompressed_bytes");
    }
  }
  return c;
}

Config Config::from_string(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::kConfig, fmt::format("config: not valid JSON: {}", e.what()));
  }
  return from_json(j);
}

Config Config::from_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorCode::kConfig, fmt::format("config: cannot read {}", file.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return from_string(ss.str());
  } catch (const Error& e) {
    throw Error(ErrorCode::kConfig, fmt::format("{} ({})", e.what(), file.string()));
  }
}

TableConfig Config::table(std::string_view name) const {
  TableConfig t;
  if (auto it = tables.find(std::string(name)); it != tables.end()) t = it->second;
  if (t.format.empty()) t.format = default_format;
  if (t.compressor.empty()) {
    t.compressor = default_compressor;
    if (t.compressor_options.empty()) t.compressor_options = default_compressor_options;
  }
  return t;
}

}  // namespace tessera
