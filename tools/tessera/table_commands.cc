// `tessera tables` and `tessera schema`: what a database holds.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "output.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

// The component a table needs of one kind: "" when it has none recorded.
std::string required(const TableStatus& status, ComponentKind kind) {
  for (const auto& r : status.plugins)
    if (r.kind == kind) return r.name;
  return {};
}

class TablesCommand final : public Command {
 public:
  std::string name() const override { return "tables"; }
  std::string summary() const override { return "List a database's tables, their storage and availability"; }

  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
  }

  int run(const Context& context) override {
    auto db = context.open_database(dir_);
    TextTable table({"NAME", "ROWS", "FORMAT", "COMPRESSOR", "STATUS"});
    for (const auto& name : db->table_names()) {
      TableStatus status = db->status(name);
      std::string format = required(status, ComponentKind::kFormat);
      std::string compressor = required(status, ComponentKind::kCompressor);
      // No format recorded means the table's metadata could not be read.
      if (format.empty()) format = compressor = "?";
      else if (compressor.empty()) compressor = "none";
      // The count comes from the catalog: listing loads no table (damage
      // in a data file is found by `verify` and `doctor`).
      std::string rows = status.available ? std::to_string(status.rows) : "-";
      std::string state = status.available ? "available" : "unavailable: " + status.error;
      table.add_row({name, rows, format, compressor, state});
    }
    table.print();
    return 0;
  }

 private:
  fs::path dir_;
};

class SchemaCommand final : public Command {
 public:
  std::string name() const override { return "schema"; }
  std::string summary() const override { return "Show a table's columns and constraints"; }

  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
    app.add_option("TABLE", table_, "Table name")->required()->type_name("");
    app.add_flag("--json", json_, "Print the schema as JSON");
  }

  int run(const Context& context) override {
    auto db = context.open_database(dir_);
    // Throws kNotFound naming the table, or kUnavailable with the reason.
    const Schema schema = db->table(table_).schema();
    if (json_) {
      nlohmann::json doc = schema.to_json();
      doc["table"] = table_;
      fmt::print("{}\n", doc.dump(2));
      return 0;
    }
    TextTable out({"COLUMN", "TYPE", "CONSTRAINTS"});
    for (const Column& c : schema.columns()) out.add_row({c.name, c.type_text(), constraints(c)});
    out.print();
    return 0;
  }

 private:
  static std::string constraints(const Column& c) {
    std::vector<std::string> parts;
    if (c.primary_key) parts.push_back("PRIMARY KEY");
    if (c.auto_increment) parts.push_back("AUTO_INCREMENT");
    if (!c.nullable && !c.primary_key) parts.push_back("NOT NULL");
    if (c.unique && !c.primary_key) parts.push_back("UNIQUE");
    if (c.default_value) parts.push_back("DEFAULT " + c.default_value->to_string());
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : " ") + p;
    return s;
  }

  fs::path dir_;
  std::string table_;
  bool json_ = false;
};

}  // namespace

void register_table_commands(CommandRegistry& registry) {
  registry.add(std::make_unique<TablesCommand>());
  registry.add(std::make_unique<SchemaCommand>());
}

}  // namespace tessera::cli
