#include "w1_workload.h"

#include <algorithm>
#include <numeric>

namespace w1 {

namespace {

constexpr double kScoreMax = 1000.0;

// splitmix64, as the workload specifies.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_;
};

void shuffle(std::vector<int64_t>& v, Rng& r) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[r.below(i)]);
}

Row make_row(int64_t id, int64_t email_number, Rng& r) {
  Row row;
  row.id = id;
  size_t len = 8 + r.below(9);
  row.name.resize(len);
  row.name[0] = static_cast<char>('A' + r.below(26));
  for (size_t i = 1; i < len; ++i) row.name[i] = static_cast<char>('a' + r.below(26));
  row.email = "user" + std::to_string(email_number) + "@example.com";
  row.age = 18 + static_cast<int32_t>(r.below(73));
  row.score = r.unit() * kScoreMax;
  row.active = r.below(100) < 70;
  return row;
}

}  // namespace

void Acc::add(const Row& r) {
  ++rows;
  active += r.active;
  sum += static_cast<uint64_t>(r.id) * 1000003ULL + static_cast<uint64_t>(r.age) * 7919ULL +
         r.name.size() * 131ULL + r.email.size() * 31ULL + (r.active ? 7ULL : 0ULL) +
         static_cast<uint64_t>(static_cast<int64_t>(r.score * 1000.0));
}

Workload make_workload(const Params& p) {
  Workload w;
  const int64_t n = p.rows;
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 1);
  Rng perm_rng(p.seed ^ 0x1111);
  shuffle(perm, perm_rng);
  Rng rr(p.seed ^ 0x2222);
  w.rows.reserve(n);
  for (int64_t id = 1; id <= n; ++id) w.rows.push_back(make_row(id, perm[id - 1], rr));

  Rng q(p.seed ^ 0x3333);
  for (int64_t i = 0; i < p.lookups; ++i) w.pk_ids.push_back(1 + static_cast<int64_t>(q.below(n)));
  Rng u(p.seed ^ 0x4444);
  for (int64_t i = 0; i < p.lookups; ++i) w.uq_ids.push_back(1 + static_cast<int64_t>(u.below(n)));
  Rng f(p.seed ^ 0x4445);
  for (int64_t i = 0; i < p.lookups; ++i) w.floor_ids.push_back(1 + static_cast<int64_t>(f.below(n)));
  Rng g(p.seed ^ 0x5555);
  w.range_width = kScoreMax * p.range_frac;
  for (int64_t i = 0; i < p.ranges; ++i) w.range_lo.push_back(g.unit() * (kScoreMax - w.range_width));

  std::vector<int64_t> all(n);
  std::iota(all.begin(), all.end(), 1);
  Rng up(p.seed ^ 0x6666);
  shuffle(all, up);
  w.upd_ids.assign(all.begin(), all.begin() + std::min(p.updates, n));
  for (size_t i = 0; i < w.upd_ids.size(); ++i) w.upd_scores.push_back(up.unit() * kScoreMax);
  std::iota(all.begin(), all.end(), 1);
  Rng dl(p.seed ^ 0x7777);
  shuffle(all, dl);
  w.del_ids.assign(all.begin(), all.begin() + std::min(p.deletes, n));

  Rng nr(p.seed ^ 0x8888);
  for (int64_t i = 0; i < p.commits; ++i) w.new_rows.push_back(make_row(n + 1 + i, n + 1 + i, nr));
  return w;
}

Expected expected(const Workload& w) {
  Expected e;
  for (auto id : w.pk_ids) e.get_pk.add(w.rows[id - 1]);
  for (auto id : w.uq_ids) e.get_unique.add(w.rows[id - 1]);
  std::vector<std::pair<double, int64_t>> by_score;
  by_score.reserve(w.rows.size());
  for (const auto& r : w.rows) by_score.emplace_back(r.score, r.id);
  std::sort(by_score.begin(), by_score.end());
  for (double lo : w.range_lo) {
    auto it = std::lower_bound(by_score.begin(), by_score.end(), std::make_pair(lo, INT64_MIN));
    for (; it != by_score.end() && it->first < lo + w.range_width; ++it) e.range.add(w.rows[it->second - 1]);
  }
  for (const auto& r : w.rows) e.scan.add(r);
  return e;
}

}  // namespace w1
