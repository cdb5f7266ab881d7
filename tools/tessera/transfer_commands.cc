// `tessera import`, `tessera export` and `tessera convert`: moving a table's
// rows between files and storage forms (tessera/transfer.h).
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "output.h"
#include "tessera/transfer.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Import may create the database: a folder that is absent or empty becomes one.
std::unique_ptr<Database> open_or_create(const Context& context, const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    return Database::open(dir, context.config());
  return context.open_database(dir);
}

// --schema: JSON text, or a file holding it: {"columns": [...]} (what
// `tessera schema --json` prints) or the columns array alone.
Schema parse_schema(const std::string& arg) {
  std::string text = arg;
  auto first = arg.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || (arg[first] != '{' && arg[first] != '[')) {
    std::ifstream in(arg, std::ios::binary);
    if (!in) throw CommandError(fmt::format("--schema: {} is neither JSON nor a readable file", arg));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw CommandError(fmt::format("--schema: invalid JSON: {}", e.what()));
  }
  if (j.is_array()) j = {{"columns", j}};
  return Schema::from_json(j);
}

std::string human_bytes(uint64_t n) {
  if (n < 10 * 1024) return fmt::format("{} B", n);
  if (n < 10 * 1024 * 1024) return fmt::format("{} KiB", n / 1024);
  return fmt::format("{} MiB", n / (1024 * 1024));
}

// A progress line on stderr, only when stderr is a terminal and only once an
// import has run for a while: short imports and scripts see nothing.
class ProgressLine {
 public:
  void update(const ImportProgress& p) {
    if (!tty_) return;
    auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(2) || now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::string share = p.total_bytes ? fmt::format(" ({:.0f}%)", 100.0 * p.bytes / p.total_bytes) : "";
    fmt::print(stderr, "\r{} {} rows, {}{}\033[K", p.inferring ? "reading column types:" : "importing:", p.rows,
               human_bytes(p.bytes), share);
    shown_ = true;
  }
  ~ProgressLine() {
    if (shown_) fmt::print(stderr, "\r\033[K");
  }

 private:
  bool tty_ = ::isatty(2) == 1;
  Clock::time_point start_ = Clock::now(), last_;
  bool shown_ = false;
};

class ImportCommand final : public Command {
 public:
  std::string name() const override { return "import"; }
  std::string summary() const override { return "Import a CSV, JSON Lines, JSON or pickle file into a table"; }

  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder (created when absent or empty)")->required();
    app.add_option("TABLE", table_, "Table to fill (created when absent)")->required();
    app.add_option("FILE", file_, "File to import (.csv, .jsonl, .json, .pkl, optionally .zst/.lz4)")->required();
    app.add_option("--format", format_, "File format when the extension does not say: csv, jsonl, json, pickle");
    app.add_option("--schema", schema_, "Columns of a new table: JSON, or a file holding it");
    app.add_flag("--skip-errors", skip_errors_, "Skip rows that do not fit instead of importing nothing");
  }

  int run(const Context& context) override {
    auto db = open_or_create(context, dir_);
    ImportOptions options;
    options.format = format_;
    options.skip_errors = skip_errors_;
    if (!schema_.empty()) options.schema = parse_schema(schema_);
    ImportResult result;
    {
      ProgressLine progress;
      options.progress = [&](const ImportProgress& p) { progress.update(p); };
      result = import_file(*db, table_, file_, options);
    }
    db->close();
    fmt::print("imported {} rows into table '{}'{}\n", result.imported, table_, result.created ? " (created)" : "");
    if (result.skipped) {
      fmt::print("skipped {} rows\n", result.skipped);
      for (const ImportIssue& e : result.errors)
        fmt::print(stderr, "tessera: skipped {}: {}\n",
                   e.line ? fmt::format("line {}", e.line) : fmt::format("record {}", e.record), e.message);
      if (result.skipped > result.errors.size())
        fmt::print(stderr, "tessera: ... and {} more\n", result.skipped - result.errors.size());
    }
    return 0;
  }

 private:
  fs::path dir_, file_;
  std::string table_, format_, schema_;
  bool skip_errors_ = false;
};

class ExportCommand final : public Command {
 public:
  std::string name() const override { return "export"; }
  std::string summary() const override { return "Write a table as CSV, JSON Lines, JSON or pickle"; }

  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required();
    app.add_option("TABLE", table_, "Table to export")->required();
    app.add_option("--format", format_, "csv, jsonl, json or pickle (default: from -o's extension, else csv)");
    app.add_option("--compressor", compressor_, "none, lz4 or zstd (default: from -o's extension, else none)");
    app.add_option("-o,--output", output_, "File to write (default: standard output)");
  }

  int run(const Context& context) override {
    auto db = context.open_database(dir_);
    ExportOptions options{.format = format_, .compressor = compressor_};
    if (output_.empty()) {
      bool binary = format_ == "pickle" || (!compressor_.empty() && compressor_ != "none");
      if (binary && ::isatty(1))
        throw CommandError("refusing to write binary data to a terminal; use -o FILE or a pipe");
      export_table(*db, table_, std::cout, options);
      return 0;
    }
    ExportResult r = export_table(*db, table_, output_, options);
    fmt::print(stderr, "exported {} rows of table '{}' to {} ({}{}, {} bytes)\n", r.rows, table_,
               output_.string(), r.format, r.compressor == "none" ? "" : "+" + r.compressor, r.bytes);
    return 0;
  }

 private:
  fs::path dir_, output_;
  std::string table_, format_, compressor_;
};

uint64_t data_bytes(const fs::path& table_dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(table_dir, ec))
    if (e.path().filename().string().rfind("data_", 0) == 0) total += e.file_size(ec);
  return total;
}

class ConvertCommand final : public Command {
 public:
  std::string name() const override { return "convert"; }
  std::string summary() const override { return "Rewrite a table in another format and/or compressor"; }

  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required();
    app.add_option("TABLE", table_, "Table to convert")->required();
    app.add_option("--format", format_, "New format: csv, jsonl, msgpack_lz4, pickle... (default: keep)");
    app.add_option("--compressor", compressor_, "New compressor: none, lz4, zstd (default: keep)");
    level_option_ = app.add_option("--level", level_, "Compression level for the compressor");
  }

  int run(const Context& context) override {
    const bool level = level_option_->count() > 0;
    if (format_.empty() && compressor_.empty() && !level)
      throw CommandError("convert: give --format, --compressor or --level");
    auto db = context.open_database(dir_);
    TableStatus status = db->status(table_);
    std::string old_format = "?", old_compressor = "none";
    for (const auto& r : status.plugins) {
      if (r.kind == ComponentKind::kFormat) old_format = r.name;
      if (r.kind == ComponentKind::kCompressor) old_compressor = r.name;
    }
    std::string format = format_.empty() ? old_format : format_;
    std::string compressor = compressor_.empty() ? old_compressor : compressor_;
    nlohmann::json compressor_options = nlohmann::json::object();
    if (level) {
      if (compressor == "none") throw CommandError("convert: --level needs a compressor");
      compressor_options["level"] = level_;
    }
    fs::path table_dir = db->path() / "tables" / table_;
    uint64_t before = data_bytes(table_dir);
    db->convert_table(table_, format, nlohmann::json::object(), compressor, compressor_options);
    uint64_t rows = db->table(table_).size();
    db->close();
    fmt::print("converted table '{}' from {}+{} to {}+{}: {} rows, {} -> {} bytes of data files\n", table_,
               old_format, old_compressor, format, compressor, rows, before, data_bytes(table_dir));
    return 0;
  }

 private:
  fs::path dir_;
  std::string table_, format_, compressor_;
  int level_ = 0;
  CLI::Option* level_option_ = nullptr;
};

}  // namespace

void register_transfer_commands(CommandRegistry& registry) {
  registry.add(std::make_unique<ImportCommand>());
  registry.add(std::make_unique<ExportCommand>());
  registry.add(std::make_unique<ConvertCommand>());
}

}  // namespace tessera::cli
