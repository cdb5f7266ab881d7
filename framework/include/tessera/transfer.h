// Importing files into tables and exporting tables to files.
//
//   tessera::ImportResult r = tessera::import_file(*db, "people", "people.csv");
//   tessera::export_table(*db, "people", "people.json", {.format = "json"});
//
// File kinds, chosen by ImportOptions/ExportOptions::format or else by the
// file name: ".csv", ".jsonl" (or ".ndjson"), ".json", ".pkl" (or ".pickle"),
// each optionally followed by a compressor's extension (".zst", ".lz4").
//  - csv, jsonl, pickle: read with the Format plugin's document reader (csv)
//    or the framework's line reader (jsonl), written with the plugin's
//    writer, so the files are exactly what docs/formats/<name>.md describes.
//    Any other Format plugin with a document reader can be named too.
//  - json: one document written by the framework,
//      {"table": ..., "exported_at": ..., "count": N, "columns": [...],
//       "records": [{...}, ...]}
//    where columns are the schema's (as Schema::to_json) and each record is
//    typed like a jsonl line. Import also accepts a bare array of objects.
//
// Atomicity: a new table is created with Database::create_table_with, so it
// appears complete or not at all; rows for an existing table go in one
// transaction. Without skip_errors the first bad row aborts the import and
// nothing is imported. See docs/cli.md ("import") for the type inference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/config.h"
#include "tessera/schema.h"

namespace tessera {

class Database;

struct ImportProgress {
  uint64_t rows = 0;         // records read so far in this pass
  uint64_t bytes = 0;        // bytes of the file read so far (compressed bytes when compressed)
  uint64_t total_bytes = 0;  // the file's size
  bool inferring = false;    // the first pass, which reads the file to infer column types
};

struct ImportOptions {
  // "csv", "jsonl", "json", "pickle" (or another Format plugin); empty:
  // from the file's extension.
  std::string format{};
  nlohmann::json format_options = nlohmann::json::object();  // e.g. {"delimiter": ";"} for csv
  // "none" or a Compressor plugin; empty: from the extension (".zst", ".lz4").
  std::string compressor{};
  // The columns of a table that does not exist yet; when absent they are
  // inferred (or taken from a json export's "columns"). Ignored, like the
  // file's own columns, when the table exists: its schema rules.
  std::optional<Schema> schema;
  // How a new table is stored; default: the database configuration.
  std::optional<TableConfig> table_config;
  // Skip rows that cannot be imported (a value of the wrong type, a
  // constraint, a malformed JSON line) instead of aborting. Damage that
  // stops the file from being read further (a CSV quoting error, a refused
  // pickle opcode, a truncated file) still aborts.
  bool skip_errors = false;
  size_t max_reported_errors = 10;
  // Called every few thousand records and once at the end of each pass.
  std::function<void(const ImportProgress&)> progress;
};

// One row that was skipped.
struct ImportIssue {
  uint64_t record = 0;  // 1-based position of the record in the file
  uint64_t line = 0;    // 1-based line where it starts; 0 when the format has no lines
  std::string message;
};

struct ImportResult {
  uint64_t imported = 0;
  uint64_t skipped = 0;
  std::vector<ImportIssue> errors;  // the first max_reported_errors skipped rows
  bool created = false;             // the table was created by this import
  std::string format{};               // what the file was read as
  std::string compressor{};
};

// Throws tessera::Error, and then nothing is imported: kNotFound for a
// missing file; kInvalidArgument for an unknown file kind, or for a row that
// does not fit (the message names the file, the line or record, and the
// column); kConstraint for a row a constraint refuses; kCorruption for a file
// that cannot be read on (truncated, malformed); kUnsupported for a refused
// pickle opcode (named in the message).
ImportResult import_file(Database& db, std::string_view table, const std::filesystem::path& path,
                         const ImportOptions& options = {});

struct ExportOptions {
  // "csv", "jsonl", "json", "pickle" (or another Format plugin); empty: from
  // the path's extension, or csv when writing to a stream.
  std::string format{};
  nlohmann::json format_options = nlohmann::json::object();
  // "none" or a Compressor plugin; empty: from the path's extension.
  std::string compressor{};
  nlohmann::json compressor_options = nlohmann::json::object();
};

struct ExportResult {
  uint64_t rows = 0;
  uint64_t bytes = 0;  // bytes written
  std::string format{};
  std::string compressor{};
};

// Writes the table to path through a temporary file renamed into place, so
// path holds a complete export or is left as it was.
ExportResult export_table(Database& db, std::string_view table, const std::filesystem::path& path,
                          const ExportOptions& options = {});
ExportResult export_table(Database& db, std::string_view table, std::ostream& out,
                          const ExportOptions& options = {});

}  // namespace tessera
