// Workload W1 as ../shared/bench/peers/README.md defines it: the same rows,
// query lists and correctness sums as the peer harness, so that results
// compare phase by phase.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace w1 {

struct Row {
  int64_t id = 0;
  std::string name;
  std::string email;
  int32_t age = 0;
  double score = 0;
  bool active = false;
};

// Order-independent checksum of the rows a phase returned.
struct Acc {
  uint64_t rows = 0, active = 0, sum = 0;
  void add(const Row& r);
  bool operator==(const Acc& o) const { return rows == o.rows && active == o.active && sum == o.sum; }
};

struct Params {
  int64_t rows = 1000000;
  uint64_t seed = 42;
  int64_t lookups = 100000;
  int64_t ranges = 200;
  double range_frac = 0.01;
  int64_t updates = -1;  // default min(100000, rows/10)
  int64_t deletes = -1;
  int64_t batch = 1000;
  int64_t commits = 1000;
};

struct Workload {
  std::vector<Row> rows;  // rows[i].id == i + 1
  std::vector<int64_t> pk_ids, uq_ids;
  // Not part of W1: ids for bench_w1's get_unique floor, drawn apart from
  // uq_ids so that the floor does not find get_unique's rows in cache.
  std::vector<int64_t> floor_ids;
  std::vector<double> range_lo;
  double range_width = 0;
  std::vector<int64_t> upd_ids;
  std::vector<double> upd_scores;
  std::vector<int64_t> del_ids;
  std::vector<Row> new_rows;
};

Workload make_workload(const Params& p);

// The ground truth for the read phases.
struct Expected {
  Acc get_pk, get_unique, range, scan;
};
Expected expected(const Workload& w);

}  // namespace w1
