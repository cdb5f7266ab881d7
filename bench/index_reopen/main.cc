// Issue #5: on reopen, is an index cheaper to rebuild from the rows (what
// table loading does today) or to persist at checkpoint and read back?
//
//   bench_index_reopen [--rows N] [--runs R] [--dir DIR] [--cold] [--json PATH]
//
// W1 rows (bench/w1's generator), two indexes as W1 declares them:
// hash(email) unique and btree(score). Each time is its best of R runs (wall):
//  - rebuild:   insert every (row value, row id) into a fresh index, in row
//               order (what loading does); ordered indexes also sorted by key
//               first, in memory (no file), as another way to rebuild;
//  - write:     what a checkpoint would add: the pairs (btree: in key order,
//               from a scan; hash: in row order, it cannot scan) encoded,
//               xxh3-checksummed, written and fdatasynced;
//  - persisted: read the file, verify the checksum, decode, insert into a
//               fresh index (the SDK has no bulk load).
// The file is read from the page cache unless --cold drops it first.
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_flags.h"
#include "tessera/plugin_registry.h"
#include "w1_workload.h"

namespace {

using namespace tessera;
namespace fs = std::filesystem;

struct Args {
  int64_t rows = 1'000'000;
  int runs = 3;
  fs::path dir = fs::temp_directory_path() / "tessera-index-reopen";
  bool cold = false;
  std::string json_path;
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Case {
  const char *label, *component;
  Type type;
  bool unique;
  std::vector<Value> values;  // values[row id], as the loaded rows hold them
};

std::unique_ptr<Index> fresh(const PluginRegistry& reg, const Case& c) {
  return reg.make_index(c.component, IndexSpec{"users", c.label, {"k"}, {c.type}, c.unique},
                        nlohmann::json::object());
}

void insert(Index& index, const IndexKey& key, RowId row) {
  if (!index.insert(key, row)) throw std::runtime_error("unexpected unique conflict");
}

// File: u64 pair count, then per pair u64 row id and the key (REAL: 8 bytes;
// TEXT: u32 length and bytes), then the xxh3 of everything before it.
template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
T get(const char*& p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return v;
}
void put_pair(std::string& out, const Value& v, RowId row) {
  put<uint64_t>(out, row);
  if (v.type() == Type::kReal) return put<double>(out, v.as_real());
  put<uint32_t>(out, static_cast<uint32_t>(v.as_text().size()));
  out += v.as_text();
}

std::string encode(const Case& c, const Index& built) {
  std::string out;
  put<uint64_t>(out, built.size());
  if (built.ordered()) {
    auto cursor = built.scan(std::nullopt, std::nullopt, false);
    IndexKey key;
    RowId row;
    while (cursor->next(&key, row)) put_pair(out, key[0], row);
  } else {
    for (RowId row = 0; row < c.values.size(); ++row) put_pair(out, c.values[row], row);
  }
  put<uint64_t>(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

void write_file(const fs::path& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + path.string());
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path, bool cold) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot read " + path.string());
  std::string bytes(fs::file_size(path), '\0');
  if (cold) ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  bool ok = ::read(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("short read of " + path.string());
  return bytes;
}

// One run's seconds; every field is the best over the runs.
struct Times {
  double rebuild = 1e9, sorted = 1e9, write = 1e9, read = 1e9, verify = 1e9, insert = 1e9, persisted = 1e9;
  void keep_best(const Times& t) {
    double Times::*all[] = {&Times::rebuild, &Times::sorted, &Times::write,    &Times::read,
                            &Times::verify,  &Times::insert, &Times::persisted};
    for (auto f : all) this->*f = std::min(this->*f, t.*f);
  }
};

Times run_once(const PluginRegistry& reg, const Case& c, const fs::path& file, bool cold, size_t& file_bytes) {
  Times t;
  IndexKey key(1);
  auto rebuilt = fresh(reg, c), sorted = fresh(reg, c);
  double t0 = now();
  for (RowId row = 0; row < c.values.size(); ++row) {
    key[0] = c.values[row];
    insert(*rebuilt, key, row);
  }
  t.rebuild = now() - t0;
  if (sorted->ordered()) {  // the same pairs sorted by key (tessera::compare, then row) first
    t0 = now();
    std::vector<std::pair<Value, RowId>> pairs(c.values.size());
    for (RowId row = 0; row < pairs.size(); ++row) pairs[row] = {c.values[row], row};
    std::sort(pairs.begin(), pairs.end());
    for (const auto& [value, row] : pairs) {
      key[0] = value;
      insert(*sorted, key, row);
    }
    t.sorted = now() - t0;
  }

  t0 = now();
  std::string bytes = encode(c, *rebuilt);
  write_file(file, bytes);
  t.write = now() - t0;
  file_bytes = bytes.size();
  bytes = std::string();

  t0 = now();
  bytes = read_file(file, cold);
  double t1 = now();
  const char* tail = bytes.data() + std::max<size_t>(bytes.size(), 8) - 8;
  if (bytes.size() < 16 || XXH3_64bits(bytes.data(), bytes.size() - 8) != get<uint64_t>(tail))
    throw std::runtime_error("index file checksum mismatch");
  double t2 = now();
  auto loaded = fresh(reg, c);
  const char* p = bytes.data();
  for (uint64_t i = 0, pairs = get<uint64_t>(p); i < pairs; ++i) {
    RowId row = get<uint64_t>(p);
    if (c.type == Type::kReal) {
      key[0] = get<double>(p);
    } else {
      uint32_t n = get<uint32_t>(p);
      key[0] = std::string_view(p, n);
      p += n;
    }
    insert(*loaded, key, row);
  }
  double t3 = now();
  t.read = t1 - t0, t.verify = t2 - t1, t.insert = t3 - t2, t.persisted = t3 - t0;

  // Every way gives the same index: same size, same rows for a sample of keys.
  std::vector<RowId> a, b;
  for (const Index* other : {loaded.get(), sorted->ordered() ? sorted.get() : loaded.get()}) {
    if (other->size() != rebuilt->size()) throw std::runtime_error("indexes differ in size");
    for (RowId row = 0; row < c.values.size(); row += 997) {
      a.clear(), b.clear();
      rebuilt->find({c.values[row]}, a);
      other->find({c.values[row]}, b);
      if (a != b || a.empty()) throw std::runtime_error("indexes differ");
    }
  }
  return t;
}

Args parse(int argc, char** argv) {
  Args a;
  for (bench::Flags f(argc, argv); f.next();) {
    if (f.is("--rows")) a.rows = std::stoll(f.value());
    else if (f.is("--runs")) a.runs = std::stoi(f.value());
    else if (f.is("--dir")) a.dir = f.value();
    else if (f.is("--cold")) a.cold = true;
    else if (f.is("--json")) a.json_path = f.value();
    else f.unknown();
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) try {
  Args args = parse(argc, argv);
  PluginRegistry reg;
  reg.load_directories(PluginRegistry::default_search_path());
  w1::Params params;
  params.rows = args.rows;  // only the rows are used
  params.lookups = params.ranges = params.updates = params.deletes = params.commits = 0;
  w1::Workload w = w1::make_workload(params);
  std::vector<Case> cases = {{"hash(email) unique", "hash", Type::kText, true, {}},
                             {"btree(score)", "btree", Type::kReal, false, {}}};
  for (const w1::Row& r : w.rows) {
    cases[0].values.emplace_back(r.email);
    cases[1].values.emplace_back(r.score);
  }
  w = w1::Workload();
  fs::create_directories(args.dir);
  FILE* json = args.json_path.empty() ? nullptr : std::fopen(args.json_path.c_str(), "w");
  if (!args.json_path.empty() && !json) throw std::runtime_error("cannot write " + args.json_path);

  fmt::print("{} rows, best of {} runs, wall-clock seconds, index file read {}\n", args.rows, args.runs,
             args.cold ? "cold (dropped from the page cache)" : "from the page cache");
  fmt::print("{:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}\n", "index", "rebuild", "sorted", "write",
             "file MB", "read", "verify", "insert", "persisted");
  for (const Case& c : cases) {
    Times best;
    size_t file_bytes = 0;
    fs::path file = args.dir / fmt::format("{}.idx", c.component);
    for (int r = 0; r < args.runs; ++r) best.keep_best(run_once(reg, c, file, args.cold, file_bytes));
    fs::remove(file);
    const bool ordered = best.sorted < 1e9;
    fmt::print("{:<20} {:>9.3f} {:>9} {:>9.3f} {:>9.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>10.3f}\n", c.label,
               best.rebuild, ordered ? fmt::format("{:.3f}", best.sorted) : "-", best.write, file_bytes / 1e6,
               best.read, best.verify, best.insert, best.persisted);
    nlohmann::json j = {{"index", c.label},         {"rows", args.rows},        {"runs", args.runs},
                        {"cold", args.cold},        {"rebuild_s", best.rebuild}, {"write_s", best.write},
                        {"file_bytes", file_bytes}, {"read_s", best.read},      {"verify_s", best.verify},
                        {"insert_s", best.insert},  {"persisted_s", best.persisted}};
    if (ordered) j["sorted_rebuild_s"] = best.sorted;
    if (json) std::fprintf(json, "%s\n", j.dump().c_str());
  }
  if (json) std::fclose(json);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_index_reopen: %s\n", e.what());
  return 1;
}
