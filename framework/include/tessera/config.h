// Database configuration, read from JSON.
//
//   {
//     "plugin_paths": ["/opt/tessera/plugins"],
//     "defaults": {"format": "jsonl", "compressor": "none"},
//     "tables": {
//       "users": {"format": "csv", "format_options": {},
//                 "compressor": "zstd", "compressor_options": {"level": 3},
//                 "indexes": [{"column": "email", "type": "hash", "unique": true}],
//                 "max_rows_per_file": 100000, "max_file_size_bytes": 67108864}
//     },
//     "durability": {"sync": "full"},
//     "cache": {"memory_budget_bytes": 0, "eviction": "lru"}
//   }
//
// Unknown keys and wrong types are Error(kConfig) naming the key's path,
// e.g. "config: tables.users.compresor: unknown key".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera {

// How a table is stored. Empty strings mean "use the database default".
struct TableConfig {
  std::string format;
  nlohmann::json format_options = nlohmann::json::object();
  std::string compressor;  // "none", "lz4", "zstd", or a plugin's name
  nlohmann::json compressor_options = nlohmann::json::object();
  nlohmann::json indexes = nlohmann::json::array();  // index definitions
  uint64_t max_rows_per_file = 0;                    // 0: no limit
  uint64_t max_file_size_bytes = 0;                  // 0: no limit

  nlohmann::json to_json() const;
  // path is the key path used in messages, e.g. "tables.users".
  static TableConfig from_json(const nlohmann::json& j, const std::string& path);
};

enum class SyncMode { kFull, kNormal, kOff };

struct DurabilityConfig {
  SyncMode sync = SyncMode::kFull;
  uint64_t checkpoint_wal_bytes = 64ull << 20;  // auto-checkpoint threshold
  bool keep_wal_archive = false;                // wal_retention: "archive" | "delete"
  uint32_t normal_sync_interval_ms = 200;       // sync: normal timer
};

struct CacheConfig {
  uint64_t memory_budget_bytes = 0;  // 0: unlimited
  std::string eviction = "lru";
};

struct Config {
  std::vector<std::filesystem::path> plugin_paths;
  std::string default_format = "jsonl";
  std::string default_compressor = "none";
  nlohmann::json default_compressor_options = nlohmann::json::object();
  std::map<std::string, TableConfig> tables;
  DurabilityConfig durability;
  CacheConfig cache;
  uint64_t max_decompressed_bytes = 4ull << 30;  // bound for one data file

  static Config from_json(const nlohmann::json& j);
  static Config from_string(std::string_view json_text);
  static Config from_file(const std::filesystem::path& file);

  // The settings for a table: its entry in tables, with defaults filled in.
  TableConfig table(std::string_view name) const;
};

}  // namespace tessera
