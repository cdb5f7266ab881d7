// Micro-benchmark of the Index plugins, through the plugin interface as the
// engine uses them: inserts, point lookups and (ordered indexes) range scans.
//
//   index_bench [--keys N] [--plugin NAME] [--options JSON] [--queries Q] [--wall]
//
// Rates are per second of the process's CPU time unless --wall is given, so
// that a busy machine does not distort them.
//
// For each Index plugin found on the default plugin search path:
//  - int64 keys: N distinct random values, unique index, inserted and then
//    looked up in random order;
//  - text keys: N distinct 23-byte e-mail-like strings, likewise;
//  - ordered indexes: N random REAL keys in [0, 1), non-unique, then Q range
//    scans each selecting about 1% of them (rows only, as the engine reads).
// Keys are built before timing, so the numbers exclude making Values.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_flags.h"
#include "tessera/error.h"
#include "tessera/plugin_registry.h"

namespace {

using namespace tessera;
using Clock = std::chrono::steady_clock;

struct Args {
  size_t keys = 1'000'000;
  size_t queries = 2000;
  std::string plugin;  // empty: every Index plugin
  nlohmann::json options = nlohmann::json::object();
};

// Seconds of this process's CPU time (default: the machine may be shared) or
// of wall-clock time (--wall).
bool g_wall = false;
double now() {
  if (g_wall) return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
double seconds_since(double start) { return now() - start; }

std::string rate(double count, double secs) {
  double r = count / secs;
  if (r >= 1e6) return fmt::format("{:.2f} M/s", r / 1e6);
  return fmt::format("{:.0f} k/s", r / 1e3);
}

std::unique_ptr<Index> make(const PluginRegistry& reg, const std::string& plugin, Type type, bool unique,
                            const nlohmann::json& options) {
  IndexSpec spec{"bench", "idx", {"k"}, {type}, unique};
  return reg.make_index(plugin, spec, options);
}

// Inserts then looks up keys (rows are positions), in random order.
void point_phase(const PluginRegistry& reg, const std::string& plugin, const Args& args, const char* label,
                 Type type, const std::vector<IndexKey>& keys) {
  auto index = make(reg, plugin, type, true, args.options);
  std::vector<uint32_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::mt19937_64 rng(11);

  double start = now();
  for (size_t i = 0; i < keys.size(); ++i)
    if (!index->insert(keys[i], i)) throw std::runtime_error("unexpected unique conflict");
  double insert_s = seconds_since(start);
  const double megabytes = index->memory_usage() / 1e6;

  // The probe keys are copied into lookup order so that reading them is
  // sequential, as a caller's freshly built key is in cache.
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<IndexKey> probes;
  probes.reserve(order.size());
  for (uint32_t i : order) probes.push_back(keys[i]);
  std::vector<RowId> rows;
  size_t found = 0;
  start = now();
  for (const IndexKey& k : probes) {
    rows.clear();
    index->find(k, rows);
    found += rows.size();
  }
  double lookup_s = seconds_since(start);
  if (found != keys.size()) throw std::runtime_error("lookups missed keys");

  // Erase half of the keys, in random order.
  start = now();
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t j = 0; j < order.size(); j += 2) index->erase(keys[order[j]], order[j]);
  double erase_s = seconds_since(start);

  fmt::print("  {:<6} {:>10} inserts  {:>10} lookups  {:>10} erases  {:>7.1f} MB  ({} keys)\n", label,
             rate(keys.size(), insert_s), rate(keys.size(), lookup_s), rate((keys.size() + 1) / 2, erase_s),
             megabytes, keys.size());
}

void scan_phase(const PluginRegistry& reg, const std::string& plugin, const Args& args) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> u(0, 1);
  auto index = make(reg, plugin, Type::kReal, false, args.options);
  IndexKey key(1);
  for (size_t i = 0; i < args.keys; ++i) {
    key[0] = u(rng);
    index->insert(key, i);
  }
  const double width = 0.01;
  size_t entries = 0;
  RowId row;
  uint64_t checksum = 0;
  for (bool reverse : {false, true}) {
    entries = 0;
    double start = now();
    for (size_t q = 0; q < args.queries; ++q) {
      double lo = u(rng) * (1 - width);
      auto cursor = index->scan(KeyBound{{lo}, true}, KeyBound{{lo + width}, false}, reverse);
      while (cursor->next(nullptr, row)) {
        ++entries;
        checksum += row;
      }
    }
    double s = seconds_since(start);
    fmt::print("  REAL   {:>10.0f} range queries/s ({:.0f} entries each){}: {} entries\n", args.queries / s,
               static_cast<double>(entries) / args.queries, reverse ? ", reversed" : "", rate(entries, s));
  }
  // With keys decoded, as a caller that wants them gets them.
  entries = 0;
  IndexKey out;
  double start = now();
  for (size_t q = 0; q < args.queries / 4; ++q) {
    double lo = u(rng) * (1 - width);
    auto cursor = index->scan(KeyBound{{lo}, true}, KeyBound{{lo + width}, false}, false);
    while (cursor->next(&out, row)) ++entries;
  }
  fmt::print("  REAL   keys decoded too: {} entries\n", rate(entries, seconds_since(start)));
  fmt::print("  REAL   index of {} keys: {:.1f} MB\n", args.keys, index->memory_usage() / 1e6);
  if (checksum == 42) std::puts("");  // keeps the loops honest
}

Args parse(int argc, char** argv) {
  Args a;
  for (bench::Flags f(argc, argv); f.next();) {
    if (f.is("--keys")) a.keys = std::stoul(f.value());
    else if (f.is("--queries")) a.queries = std::stoul(f.value());
    else if (f.is("--plugin")) a.plugin = f.value();
    else if (f.is("--options")) a.options = nlohmann::json::parse(f.value());
    else if (f.is("--wall")) g_wall = true;
    else f.unknown();
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args = parse(argc, argv);
    fmt::print("rates per {} second\n", g_wall ? "wall-clock" : "CPU");
    PluginRegistry reg;
    reg.load_directories(PluginRegistry::default_search_path());

    std::mt19937_64 rng(7);
    std::vector<IndexKey> ints, texts;
    ints.reserve(args.keys);
    texts.reserve(args.keys);
    std::vector<int64_t> nums(args.keys);
    for (auto& n : nums) n = static_cast<int64_t>(rng());
    std::sort(nums.begin(), nums.end());
    nums.erase(std::unique(nums.begin(), nums.end()), nums.end());
    std::shuffle(nums.begin(), nums.end(), rng);
    for (int64_t n : nums) ints.push_back({n});
    // "user" + 7 digits + "@example.com": 23 bytes, distinct.
    std::vector<uint32_t> ids(args.keys);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<uint32_t>(i);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (uint32_t id : ids) texts.push_back({fmt::format("user{:07}@example.com", id)});

    for (const ComponentInfo& c : reg.components()) {
      if (c.kind != ComponentKind::kIndex || (!args.plugin.empty() && c.name != args.plugin)) continue;
      fmt::print("{} ({} {}), options {}\n", c.name, c.plugin_name, c.plugin_version, args.options.dump());
      point_phase(reg, c.name, args, "int64", Type::kInteger, ints);
      point_phase(reg, c.name, args, "text", Type::kText, texts);
      if (make(reg, c.name, Type::kReal, false, args.options)->ordered()) scan_phase(reg, c.name, args);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "index_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
