// import_file: rows from a file into a new table (created whole by
// create_table_with) or an existing one (one transaction).
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "tessera/database.h"
#include "tessera/error.h"
#include "tessera/transfer.h"
#include "transfer_internal.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;
using detail::transfer::Document;
using detail::transfer::FileKind;
using detail::transfer::Input;

constexpr uint64_t kProgressEvery = 4096;

// One pass over the file: documents, progress, and what to do with a row
// that does not fit.
class Pass {
 public:
  Pass(Database& db, const fs::path& path, const FileKind& kind, const ImportOptions& options,
       ImportResult& result, bool inferring)
      : in_(db.plugins(), path, kind, options.format_options),
        path_(path.string()),
        options_(options),
        result_(result),
        inferring_(inferring) {}

  detail::transfer::DocumentStream& documents() { return in_.documents(); }

  // The next record that was read; a malformed one is handed to reject().
  bool next(Document& doc) {
    if (!in_.documents().next(doc)) {
      report();
      return false;
    }
    if (++record_ % kProgressEvery == 0) report();
    return true;
  }
  uint64_t record() const { return record_; }

  // A row that cannot be imported: skipped and counted, or the end of the import.
  void reject(const Document& doc, const std::string& why, ErrorCode code = ErrorCode::kInvalidArgument) {
    std::string where = doc.line ? fmt::format("{}:{}", path_, doc.line) : fmt::format("{}: record {}", path_, record_);
    if (!options_.skip_errors) throw Error(code, fmt::format("{}: {} (nothing was imported)", where, why));
    ++result_.skipped;
    if (result_.errors.size() < options_.max_reported_errors) result_.errors.push_back({record_, doc.line, why});
  }

 private:
  void report() {
    if (options_.progress) options_.progress({record_, in_.bytes_read(), in_.total_bytes(), inferring_});
  }
  Input in_;
  std::string path_;
  const ImportOptions& options_;
  ImportResult& result_;
  bool inferring_;
  uint64_t record_ = 0;
};

// Fields named as in the file, typed for the schema. Unknown names are an error.
std::string to_fields(const Schema& schema, Fields& fields) {
  for (auto& [name, value] : fields) {
    auto i = schema.find(name);
    if (!i) return fmt::format("column '{}': not a column of the table", name);
    std::string why = detail::transfer::coerce(value, schema[*i]);
    if (!why.empty()) return why;
  }
  return {};
}

// A free name for an added key column: "_id", else "_id_2", "_id_3"...
std::string free_key_name(const std::vector<std::string>& names) {
  auto taken = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  std::string name = "_id";
  for (int i = 2; taken(name); ++i) name = fmt::format("_id_{}", i);
  return name;
}

// Reads the whole file once and picks a schema (docs/cli.md, "import").
Schema infer_schema(Pass& pass, std::string_view table, const std::string& path) {
  std::vector<std::string> names;
  std::vector<detail::transfer::TypeGuess> guesses;
  std::unordered_map<std::string, size_t> slot;
  // Key candidates: whether each "id"/"_id" value is a distinct non-NULL integer.
  struct KeyCandidate {
    bool ok = true;
    uint64_t seen = 0;
    std::unordered_set<int64_t> values;
  };
  std::unordered_map<std::string, KeyCandidate> keys{{"id", {}}, {"_id", {}}};
  const bool typed = pass.documents().typed();
  uint64_t records = 0;
  Document doc;
  while (pass.next(doc)) {
    if (!doc.error.empty()) continue;  // skipped (or refused) in the second pass
    ++records;
    for (auto& [name, value] : doc.fields) {
      auto [it, added] = slot.try_emplace(name, names.size());
      if (added) names.push_back(name), guesses.emplace_back();
      guesses[it->second].observe(value, typed);
      auto key = keys.find(name);
      if (key == keys.end() || !key->second.ok) continue;
      Column as_int{.name = name, .type = Type::kInteger};
      Value v = value;
      key->second.ok = !v.is_null() && detail::transfer::coerce(v, as_int).empty() &&
                       key->second.values.insert(v.as_int()).second;
      ++key->second.seen;
    }
  }
  if (names.empty())
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("{}: no records to infer table '{}' from; give its schema", path, table));
  std::vector<Column> columns;
  std::string key;
  for (const char* candidate : {"id", "_id"}) {
    auto it = slot.find(candidate);
    const KeyCandidate& k = keys[candidate];
    if (key.empty() && it != slot.end() && k.ok && k.seen == records &&
        guesses[it->second].type() == Type::kInteger)
      key = candidate;
  }
  if (key.empty()) {
    key = free_key_name(names);
    columns.push_back({.name = key, .type = Type::kInteger, .primary_key = true, .auto_increment = true});
  }
  for (size_t i = 0; i < names.size(); ++i) {
    Column c{.name = names[i], .type = guesses[i].type()};
    if (names[i] == key) c.nullable = false, c.primary_key = true, c.auto_increment = true;
    columns.push_back(std::move(c));
  }
  try {
    return Schema(std::move(columns));
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: cannot make table '{}' from the file's columns: {}; give its schema",
                                      path, table, e.what()));
  }
}

// What create_table_with would refuse, found first so that the row can be
// named (or skipped): values, duplicate keys and UNIQUE values. Assigns
// auto-increment keys the way the table does.
class RowChecker {
 public:
  explicit RowChecker(const Schema& schema) : schema_(schema), seen_(schema.size()) {}

  std::string check(std::string_view table, Record& r) {
    const size_t pk = schema_.primary_key();
    if (r[pk].is_null() && schema_[pk].auto_increment) r[pk] = Value(next_auto_id_);
    try {
      for (size_t i = 0; i < schema_.size(); ++i) schema_.check_value(table, i, r[i]);
    } catch (const Error& e) {
      return e.what();
    }
    for (size_t i = 0; i < schema_.size(); ++i) {
      const Column& c = schema_[i];
      if ((c.primary_key || c.unique) && !r[i].is_null() && seen_[i].count(r[i]))
        return fmt::format("column '{}': {} {} is already used by an earlier row", c.name,
                           c.primary_key ? "primary key" : "UNIQUE value", r[i].to_string());
    }
    for (size_t i = 0; i < schema_.size(); ++i)
      if ((schema_[i].primary_key || schema_[i].unique) && !r[i].is_null()) seen_[i].insert(r[i]);
    if (r[pk].type() == Type::kInteger && r[pk].int_unchecked() >= next_auto_id_)
      next_auto_id_ = r[pk].int_unchecked() + 1;
    return {};
  }

 private:
  const Schema& schema_;
  std::vector<std::unordered_set<Value, ValueHash>> seen_;
  int64_t next_auto_id_ = 1;
};

void import_new(Database& db, std::string_view table, const fs::path& path, const FileKind& kind,
                const ImportOptions& options, ImportResult& result) {
  std::optional<Schema> schema = options.schema;
  if (!schema) {
    Pass first(db, path, kind, options, result, true);
    if (const nlohmann::json* columns = first.documents().columns())
      schema = Schema::from_json({{"columns", *columns}});
    else
      schema = infer_schema(first, table, path.string());
  }
  Pass pass(db, path, kind, options, result, false);
  RowChecker checker(*schema);
  Document doc;
  auto next_row = [&](Record& out) -> bool {
    while (pass.next(doc)) {
      std::string why = doc.error;
      if (why.empty()) why = to_fields(*schema, doc.fields);
      if (why.empty()) {
        // Omitted columns get their default (or NULL), as insert gives them.
        out.assign(schema->size(), Value());
        for (size_t i = 0; i < schema->size(); ++i)
          if ((*schema)[i].default_value) out[i] = *(*schema)[i].default_value;
        for (auto& [name, value] : doc.fields) out[*schema->find(name)] = std::move(value);
        why = checker.check(table, out);
      }
      if (why.empty()) return ++result.imported, true;
      pass.reject(doc, why);
    }
    return false;
  };
  db.create_table_with(table, *schema, options.table_config, next_row);
  result.created = true;
}

void import_existing(Database& db, std::string_view table, const fs::path& path, const FileKind& kind,
                     const ImportOptions& options, ImportResult& result) {
  const Schema schema = db.table(table).schema();  // throws when the table is unavailable
  Pass pass(db, path, kind, options, result, false);
  Transaction txn = db.begin();
  Document doc;
  while (pass.next(doc)) {
    std::string why = doc.error;
    ErrorCode code = ErrorCode::kInvalidArgument;
    if (why.empty()) why = to_fields(schema, doc.fields);
    if (why.empty()) {
      try {
        txn.insert(table, doc.fields);  // a refused insert changes nothing
        ++result.imported;
        continue;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kConstraint && e.code() != ErrorCode::kInvalidArgument) throw;
        why = e.what();
        code = e.code();
      }
    }
    pass.reject(doc, why, code);
  }
  txn.commit();
}

}  // namespace

ImportResult import_file(Database& db, std::string_view table, const fs::path& path, const ImportOptions& options) {
  FileKind kind = detail::transfer::resolve_kind(path, options.format, options.compressor);
  ImportResult result;
  result.format = kind.format;
  result.compressor = kind.compressor;
  if (db.table_exists(table)) import_existing(db, table, path, kind, options, result);
  else import_new(db, table, path, kind, options, result);
  return result;
}

}  // namespace tessera
