#include "catalog.h"

#include <cctype>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

using json = nlohmann::json;

void check_table_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 &&
            (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (!ok)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("bad table name '{}': use 1-64 letters, digits, '_' or '-', starting with a "
                            "letter or '_'",
                            name));
}

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::kCorruption, fmt::format("{}: {}", where, what));
}

const json& field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) bad(where, fmt::format("missing key \"{}\"", key));
  return j[key];
}

template <class T>
T get(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  try {
    return v.get<T>();
  } catch (const json::exception&) {
    bad(where, fmt::format("key \"{}\" has the wrong type ({})", key, v.dump()));
  }
}

}  // namespace

json PluginRef::to_json() const {
  return {{"component", component}, {"plugin", plugin}, {"version", version}, {"options", options}};
}

PluginRef PluginRef::from_json(const json& j, const std::string& where) {
  PluginRef r;
  r.component = get<std::string>(j, "component", where);
  r.plugin = get<std::string>(j, "plugin", where);
  r.version = get<std::string>(j, "version", where);
  if (j.contains("options")) r.options = j["options"];
  return r;
}

json TableMeta::to_json() const {
  json files_j = json::array();
  for (const auto& f : files)
    files_j.push_back({{"name", f.name}, {"bytes", f.bytes}, {"rows", f.rows}, {"checksum", f.checksum}});
  return {{"name", name},
          {"schema", schema.to_json()},
          {"format", format.to_json()},
          {"compressor", compressor.to_json()},
          {"max_rows_per_file", max_rows_per_file},
          {"max_file_size_bytes", max_file_size_bytes},
          {"indexes", indexes},
          {"next_auto_id", next_auto_id},
          {"row_count", row_count},
          {"next_file_number", next_file_number},
          {"checkpoint_lsn", checkpoint_lsn},
          {"files", std::move(files_j)}};
}

TableMeta TableMeta::from_json(const json& j, const std::string& where) {
  TableMeta m;
  m.name = get<std::string>(j, "name", where);
  try {
    m.schema = Schema::from_json(field(j, "schema", where));
  } catch (const Error& e) {
    bad(where, e.what());
  }
  m.format = PluginRef::from_json(field(j, "format", where), where + " (format)");
  m.compressor = PluginRef::from_json(field(j, "compressor", where), where + " (compressor)");
  m.max_rows_per_file = get<uint64_t>(j, "max_rows_per_file", where);
  m.max_file_size_bytes = get<uint64_t>(j, "max_file_size_bytes", where);
  m.indexes = field(j, "indexes", where);
  m.next_auto_id = get<int64_t>(j, "next_auto_id", where);
  m.row_count = get<uint64_t>(j, "row_count", where);
  m.next_file_number = get<uint64_t>(j, "next_file_number", where);
  m.checkpoint_lsn = get<uint64_t>(j, "checkpoint_lsn", where);
  for (const auto& f : field(j, "files", where)) {
    DataFile d;
    d.name = get<std::string>(f, "name", where);
    if (d.name.empty() || d.name.find('/') != std::string::npos || d.name.find("..") != std::string::npos)
      bad(where, fmt::format("bad data file name '{}'", d.name));
    d.bytes = get<uint64_t>(f, "bytes", where);
    d.rows = get<uint64_t>(f, "rows", where);
    d.checksum = get<std::string>(f, "checksum", where);
    m.files.push_back(std::move(d));
  }
  return m;
}

json CatalogMeta::to_json() const {
  return {{"format_version", format_version}, {"tables", tables}, {"checkpoint_lsn", checkpoint_lsn}};
}

CatalogMeta CatalogMeta::from_json(const json& j, const std::string& where) {
  CatalogMeta c;
  c.format_version = get<int>(j, "format_version", where);
  if (c.format_version != kCatalogFormatVersion)
    throw Error(ErrorCode::kUnsupported,
                fmt::format("{}: catalog format version {} is not supported (this build reads version {})",
                            where, c.format_version, kCatalogFormatVersion));
  c.tables = get<std::vector<std::string>>(j, "tables", where);
  for (const auto& t : c.tables) check_table_name(t);
  c.checkpoint_lsn = get<uint64_t>(j, "checkpoint_lsn", where);
  return c;
}

json read_json_file(const std::string& bytes, const std::filesystem::path& file) {
  try {
    return json::parse(bytes);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::kCorruption, fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
}

}  // namespace tessera::detail
