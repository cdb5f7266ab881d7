// bench_formats: for every loaded format x {none, every compressor}, on the
// W1 rows: write rows/s (the checkpoint that writes a fresh table's files),
// read rows/s (reopening the database and loading the table) and bytes on
// disk. Prints a Markdown table; --json writes one JSON object per stack.
//
//   bench_formats [--rows N] [--json PATH] [--dir PATH] [--formats a,b] [--compressors a,b]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tessera/tessera.h>

#include "w1_workload.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Options {
  int64_t rows = 1000000;
  std::string json_path, dir;
  std::vector<std::string> formats, compressors;  // empty: every loaded one
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: bench_formats [--rows N] [--json PATH] [--dir PATH] [--formats a,b] [--compressors a,b]\n");
  std::exit(code);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--rows") o.rows = std::stoll(next());
    else if (a == "--json") o.json_path = next();
    else if (a == "--dir") o.dir = next();
    else if (a == "--formats") o.formats = split(next());
    else if (a == "--compressors") o.compressors = split(next());
    else if (a == "-h" || a == "--help") usage(0);
    else {
      std::fprintf(stderr, "bench_formats: unknown flag %s\n", a.c_str());
      usage(2);
    }
  }
  return o;
}

uint64_t data_bytes(const fs::path& table_dir) {
  uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(table_dir))
    if (e.path().filename().string().rfind("data_", 0) == 0) total += e.file_size();
  return total;
}

// The W1 columns; email is not UNIQUE here, so that loading measures the
// format rather than building an index every stack builds alike.
Schema w1_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                 {.name = "name", .type = Type::kText, .nullable = false},
                 {.name = "email", .type = Type::kText, .nullable = false},
                 {.name = "age", .type = Type::kInteger, .nullable = false},
                 {.name = "score", .type = Type::kReal, .nullable = false},
                 {.name = "active", .type = Type::kBoolean, .nullable = false}});
}

struct Result {
  std::string format, compressor;
  double write_s = 0, read_s = 0;
  uint64_t bytes = 0;
  bool ok = false;
};

Result run_stack(const w1::Workload& w, const fs::path& dir, const std::string& format,
                 const std::string& compressor) {
  Result res{format, compressor};
  fs::remove_all(dir);
  Config config;
  config.durability.checkpoint_wal_bytes = 0;  // the timed checkpoint is the only one
  TableConfig table;
  table.format = format;
  table.compressor = compressor;
  {
    auto db = Database::open(dir, config);
    db->create_table("users", w1_schema(), table);
    Transaction txn = db->begin();
    for (const w1::Row& r : w.rows) txn.insert_record("users", {r.id, r.name, r.email, r.age, r.score, r.active});
    txn.commit();
    double t0 = now_s();
    db->checkpoint();
    res.write_s = now_s() - t0;
    db->close();
  }
  res.bytes = data_bytes(dir / "tables" / "users");
  double t0 = now_s();
  auto db = Database::open(dir, config);
  Table users = db->table("users");
  uint64_t n = users.size();
  res.read_s = now_s() - t0;
  // Untimed: the rows read back are the rows written.
  w1::Acc want, got;
  for (const w1::Row& r : w.rows) want.add(r);
  Record rec;
  w1::Row row;
  for (Cursor c = users.scan(); c.next(rec);) {
    row = {rec[0].as_int(), std::string(rec[1].as_text()), std::string(rec[2].as_text()), static_cast<int32_t>(rec[3].as_int()),
           rec[4].as_real(), rec[5].as_bool()};
    got.add(row);
  }
  res.ok = n == w.rows.size() && got == want;
  db->close();
  fs::remove_all(dir);
  return res;
}

}  // namespace

int main(int argc, char** argv) try {
  Options o = parse(argc, argv);
  PluginRegistry registry;
  registry.load_directories(PluginRegistry::default_search_path());
  std::vector<std::string> formats = o.formats, compressors = o.compressors;
  if (formats.empty() || compressors.empty()) {
    std::vector<std::string> found_formats, found_compressors{"none"};
    for (const ComponentInfo& c : registry.components()) {
      if (c.kind == ComponentKind::kFormat) found_formats.push_back(c.name);
      if (c.kind == ComponentKind::kCompressor) found_compressors.push_back(c.name);
    }
    std::sort(found_formats.begin(), found_formats.end());
    std::sort(found_compressors.begin() + 1, found_compressors.end());
    if (formats.empty()) formats = found_formats;
    if (compressors.empty()) compressors = found_compressors;
  }
  fs::path base = o.dir.empty() ? fs::temp_directory_path() / fmt::format("tessera-formats.{}", ::getpid())
                                : fs::path(o.dir);
  w1::Params params;
  params.rows = o.rows;
  // Only the rows are used: no lookups, updates or deletes to prepare.
  params.lookups = params.ranges = params.updates = params.deletes = params.commits = 0;
  std::fprintf(stderr, "generating %lld W1 rows\n", static_cast<long long>(o.rows));
  w1::Workload w = w1::make_workload(params);

  FILE* json_out = nullptr;
  if (!o.json_path.empty() && !(json_out = std::fopen(o.json_path.c_str(), "w")))
    throw std::runtime_error("cannot write " + o.json_path);
  std::printf("| format | compressor | write rows/s | read rows/s | bytes on disk | bytes/row |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  bool all_ok = true;
  for (const auto& f : formats)
    for (const auto& c : compressors) {
      std::fprintf(stderr, "  %s+%s ...\n", f.c_str(), c.c_str());
      Result r = run_stack(w, base / fmt::format("{}-{}", f, c), f, c);
      all_ok &= r.ok;
      double n = static_cast<double>(w.rows.size());
      std::printf("| %s | %s | %.0f | %.0f | %llu | %.1f |%s\n", f.c_str(), c.c_str(), n / r.write_s, n / r.read_s,
                  static_cast<unsigned long long>(r.bytes), r.bytes / n, r.ok ? "" : " (rows differ!)");
      std::fflush(stdout);
      if (json_out) {
        nlohmann::json j = {{"format", f},       {"compressor", c},       {"rows", w.rows.size()},
                            {"write_s", r.write_s}, {"write_rows_per_s", n / r.write_s},
                            {"read_s", r.read_s},   {"read_rows_per_s", n / r.read_s},
                            {"bytes", r.bytes},     {"bytes_per_row", r.bytes / n},
                            {"ok", r.ok}};
        std::fprintf(json_out, "%s\n", j.dump().c_str());
        std::fflush(json_out);
      }
    }
  if (json_out) std::fclose(json_out);
  std::error_code ec;
  if (o.dir.empty()) fs::remove_all(base, ec);
  return all_ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_formats: %s\n", e.what());
  return 2;
}
