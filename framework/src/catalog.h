// The catalog on disk: <dir>/tessera.json lists the tables, and each table's
// folder <dir>/tables/<name>/ holds table.json (its metadata) and its data
// files. See docs/formats/catalog.md; the JSON keys here are part of the
// persistent format.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/config.h"
#include "tessera/schema.h"

namespace tessera::detail {

inline constexpr int kCatalogFormatVersion = 1;
inline constexpr const char* kCatalogFile = "tessera.json";
inline constexpr const char* kTableMetaFile = "table.json";
inline constexpr const char* kTablesDir = "tables";

// Throws Error(kInvalidArgument) unless name is 1-64 characters of letters,
// digits, '_' or '-', starting with a letter or '_'. Checked before any path
// is built from a name, so no name can reach outside the database folder.
void check_table_name(std::string_view name);

// Which plugin component stores a table, as recorded when it was written.
struct PluginRef {
  std::string component;  // "csv"; "none" for no compressor
  std::string plugin;     // "tessera-csv"
  std::string version;    // "0.1.0"
  nlohmann::json options = nlohmann::json::object();

  nlohmann::json to_json() const;
  static PluginRef from_json(const nlohmann::json& j, const std::string& where);
};

struct DataFile {
  std::string name;  // relative to the table folder
  uint64_t bytes = 0;
  uint64_t rows = 0;
  std::string checksum;  // "xxh3:..." over the bytes on disk
};

struct TableMeta {
  std::string name;
  Schema schema;
  PluginRef format;
  PluginRef compressor;  // component "none" when uncompressed
  uint64_t max_rows_per_file = 0;
  uint64_t max_file_size_bytes = 0;
  nlohmann::json indexes = nlohmann::json::array();
  int64_t next_auto_id = 1;
  uint64_t row_count = 0;
  uint64_t next_file_number = 0;
  uint64_t checkpoint_lsn = 0;  // the WAL position these files include
  std::vector<DataFile> files;

  nlohmann::json to_json() const;
  static TableMeta from_json(const nlohmann::json& j, const std::string& where);
};

struct CatalogMeta {
  int format_version = kCatalogFormatVersion;
  std::vector<std::string> tables;
  uint64_t checkpoint_lsn = 0;  // every WAL record up to here is in the table files

  nlohmann::json to_json() const;
  static CatalogMeta from_json(const nlohmann::json& j, const std::string& where);
};

// A JSON file read and parsed, with errors naming the file.
nlohmann::json read_json_file(const std::string& bytes, const std::filesystem::path& file);

}  // namespace tessera::detail
