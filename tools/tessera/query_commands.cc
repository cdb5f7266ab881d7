// `tessera query`, `tessera explain` and `tessera index create|drop|list`.
#include <cmath>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "output.h"
#include "tessera/text_codec.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

// A bad --where is a usage error: exit status 2, as for bad options.
constexpr int kUsageError = 2;

std::vector<std::string> split_columns(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// The options query and explain share, and the Query they describe.
struct QueryOptions {
  fs::path dir;
  std::string table;
  std::string where;
  std::vector<std::string> order_by;
  bool desc = false;
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
  std::string columns;

  void add(CLI::App& app) {
    app.add_option("DIR", dir, "Database folder")->required();
    app.add_option("TABLE", table, "Table name")->required();
    app.add_option("--where", where, "Predicate, e.g. \"age >= 30 AND team = 'red'\"");
    app.add_option("--order-by", order_by, "Sort by this column (repeatable)");
    app.add_flag("--desc", desc, "Sort descending");
    app.add_option("--limit", limit, "At most this many rows");
    app.add_option("--offset", offset, "Skip this many rows first");
    app.add_option("--columns", columns, "Comma-separated columns to show (default: all)");
  }

  // Prints a malformed --where with a caret under the fault; false then.
  bool check_where() const {
    if (where.empty()) return true;
    try {
      Predicate::parse(where);
      return true;
    } catch (const Error& e) {
      std::string_view msg = e.what();
      print_error(fmt::format("invalid --where expression: {}", msg));
      constexpr std::string_view kAt = "at position ";
      if (msg.substr(0, kAt.size()) == kAt) {
        size_t pos = std::strtoull(msg.data() + kAt.size(), nullptr, 10), column = 0;
        for (size_t i = 0; i < pos && i < where.size(); ++i)
          if ((static_cast<unsigned char>(where[i]) & 0xC0) != 0x80) ++column;  // code points, not bytes
        fmt::print(stderr, "  {}\n  {}^\n", where, std::string(column, ' '));
      }
      return false;
    }
  }

  Query build(const Table& t) const {
    Query q = t.query();
    if (!where.empty()) q.where(where);
    for (const auto& c : order_by) q.order_by(c, desc);
    if (limit) q.limit(*limit);
    if (offset) q.offset(offset);
    if (!columns.empty()) q.select(split_columns(columns));
    return q;
  }
};

std::string plain_text(const Value& v) {
  switch (v.type()) {
    case Type::kText: return std::string(v.as_text());
    case Type::kBlob: return text::base64_encode(v.as_blob());
    case Type::kTimestamp: return text::format_timestamp(v.as_timestamp());
    default: return v.to_string();
  }
}

// As the csv format writes fields (docs/formats/csv.md): NULL is an empty
// bare field, an empty value is "", and quotes go only where needed.
std::string csv_cell(const Value& v) {
  if (v.is_null()) return "";
  std::string s = plain_text(v);
  if (!s.empty() && s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

ordered_json json_value(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return nullptr;
    case Type::kBoolean: return v.as_bool();
    case Type::kInteger: return v.as_int();
    case Type::kReal:  // JSON has no NaN or Infinity: strings, as JSON Lines files have them
      return std::isfinite(v.as_real()) ? ordered_json(v.as_real()) : ordered_json(plain_text(v));
    default: return plain_text(v);
  }
}

class QueryCommand final : public Command {
 public:
  std::string name() const override { return "query"; }
  std::string summary() const override { return "Print the rows of a table that match a predicate"; }

  void add_options(CLI::App& app) override {
    options_.add(app);
    app.add_option("--output", output_, "table, csv, json or jsonl")
        ->check(CLI::IsMember({"table", "csv", "json", "jsonl"}));
  }

  int run(const Context& context) override {
    if (!options_.check_where()) return kUsageError;
    auto db = context.open_database(options_.dir);
    Table t = db->table(options_.table);
    Cursor cursor = options_.build(t).run();
    const Schema& schema = cursor.schema();
    std::vector<std::string> names;
    for (const auto& c : schema.columns()) names.push_back(c.name);
    Record r;
    if (output_ == "table") {
      TextTable out(names);
      while (cursor.next(r)) {
        std::vector<std::string> cells;
        for (const auto& v : r) cells.push_back(plain_text(v));
        out.add_row(std::move(cells));
      }
      out.print();
    } else if (output_ == "csv") {
      std::string line;
      for (const auto& n : names) line += (line.empty() ? "" : ",") + n;
      fmt::print("{}\n", line);
      while (cursor.next(r)) {
        line.clear();
        for (size_t i = 0; i < r.size(); ++i) line += (i ? "," : "") + csv_cell(r[i]);
        fmt::print("{}\n", line);
      }
    } else {
      // Streamed, one object per row, in column order.
      const bool array = output_ == "json";
      bool first = true;
      if (array) fmt::print("[");
      while (cursor.next(r)) {
        ordered_json row = ordered_json::object();
        for (size_t i = 0; i < r.size(); ++i) row[names[i]] = json_value(r[i]);
        if (array) fmt::print("{}\n  {}", first ? "" : ",", row.dump());
        else fmt::print("{}\n", row.dump());
        first = false;
      }
      if (array) fmt::print("{}]\n", first ? "" : "\n");
    }
    return 0;
  }

 private:
  QueryOptions options_;
  std::string output_ = "table";
};

class ExplainCommand final : public Command {
 public:
  std::string name() const override { return "explain"; }
  std::string summary() const override { return "Show how a query would run: access path, filter, sort, paging"; }
  void add_options(CLI::App& app) override { options_.add(app); }

  int run(const Context& context) override {
    if (!options_.check_where()) return kUsageError;
    auto db = context.open_database(options_.dir);
    fmt::print("{}", options_.build(db->table(options_.table)).explain());
    return 0;
  }

 private:
  QueryOptions options_;
};

class IndexCommand final : public Command {
 public:
  std::string name() const override { return "index"; }
  std::string summary() const override { return "Create, drop or list a table's secondary indexes"; }

  void add_options(CLI::App& app) override {
    app.require_subcommand(1);
    create_ = app.add_subcommand("create", "Build an index from the table's rows and keep it from then on");
    create_->add_option("DIR", dir_, "Database folder")->required();
    create_->add_option("TABLE", table_, "Table name")->required();
    create_->add_option("--column", def_.columns, "Indexed column; repeat for a composite key")->required();
    create_->add_option("--type", def_.type, "Index component: hash or btree")->capture_default_str();
    create_->add_flag("--unique", def_.unique, "Refuse two rows with the same (non-NULL) key");
    create_->add_option("--name", def_.name, "Index name (default: idx_<columns>)");
    drop_ = app.add_subcommand("drop", "Drop an index");
    drop_->add_option("DIR", dir_, "Database folder")->required();
    drop_->add_option("TABLE", table_, "Table name")->required();
    drop_->add_option("NAME", index_, "Index name")->required();
    list_ = app.add_subcommand("list", "List a table's indexes");
    list_->add_option("DIR", dir_, "Database folder")->required();
    list_->add_option("TABLE", table_, "Table name")->required();
  }

  int run(const Context& context) override {
    auto db = context.open_database(dir_);
    Table t = db->table(table_);
    if (create_->parsed()) {
      auto before = t.indexes();
      t.create_index(def_);
      for (const auto& ix : t.indexes()) {
        bool is_new = true;
        for (const auto& old : before) is_new = is_new && old.name != ix.name;
        if (is_new) fmt::print("created index {} ({}) on {} ({})\n", ix.name, ix.type, table_, join(ix.columns));
      }
    } else if (drop_->parsed()) {
      t.drop_index(index_);
      fmt::print("dropped index {}\n", index_);
    } else {
      TextTable out({"NAME", "COLUMNS", "TYPE", "UNIQUE", "PLUGIN"});
      for (const auto& ix : t.indexes())
        out.add_row({ix.name, join(ix.columns), ix.type, ix.unique ? (ix.implicit ? "yes (column)" : "yes") : "no",
                     fmt::format("{} {}", ix.plugin, ix.plugin_version)});
      out.print();
    }
    return 0;
  }

 private:
  CLI::App* create_ = nullptr;
  CLI::App* drop_ = nullptr;
  CLI::App* list_ = nullptr;
  fs::path dir_;
  std::string table_, index_;
  IndexDefinition def_;
};

}  // namespace

void register_query_commands(CommandRegistry& registry) {
  registry.add(std::make_unique<QueryCommand>());
  registry.add(std::make_unique<ExplainCommand>());
  registry.add(std::make_unique<IndexCommand>());
}

}  // namespace tessera::cli
