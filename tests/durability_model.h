// A workload for the durability tests (test_crash, test_power_loss,
// test_io_errors) and the exact model it is checked against.
//
// A workload is a plan of steps (transactions, checkpoints, create/drop
// table) generated from a seed, together with the state the database must
// hold after each step. A transaction touches several tables at once and
// moves money between rows of the "acct" ledger, so a half-applied one can
// never match any state of the model. Every row written by step k carries
// txn = its transaction id, which makes a mismatch readable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tessera/tessera.h>

namespace tessera::test::dur {

struct RowVal {
  int64_t txn = 0;
  int64_t n = 0;
  bool operator==(const RowVal&) const = default;
};
using TableRows = std::map<int64_t, RowVal>;
using State = std::map<std::string, TableRows>;  // table name -> rows by id

struct Change {
  std::string table{};
  int64_t id = 0;
  enum Kind { kInsert, kUpdate, kErase } kind = kInsert;
  RowVal row{};
};

struct Step {
  enum Kind { kTxn, kCheckpoint, kCreate, kDrop } kind = kTxn;
  std::string table{};            // kCreate, kDrop
  std::vector<Change> changes{};  // kTxn
};

inline constexpr const char* kLedger = "acct";
inline constexpr int kAccounts = 4;
inline constexpr int64_t kOpeningBalance = 1000;

inline Schema row_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                 {.name = "txn", .type = Type::kInteger},
                 {.name = "n", .type = Type::kInteger}});
}

inline TableConfig jsonl_table() {
  TableConfig tc;
  tc.format = "jsonl";
  return tc;
}

// A plan and the model state before any step (after[0]) and after each.
struct Plan {
  std::vector<Step> steps;
  std::vector<State> after;
};

class PlanBuilder {
 public:
  PlanBuilder(uint64_t seed, State start) : rng_(seed) {
    for (const auto& [name, rows] : start)
      for (const auto& [id, r] : rows) next_id_ = std::max(next_id_, id + 1);
    plan_.after.push_back(std::move(start));
  }

  const State& state() const { return plan_.after.back(); }

  void create(const std::string& name) {
    Step s{.kind = Step::kCreate, .table = name};
    State next = state();
    next[name];
    if (name == kLedger) {  // the ledger opens with its accounts funded
      add(std::move(s), next);
      Step fund{.kind = Step::kTxn};
      for (int i = 0; i < kAccounts; ++i) fund.changes.push_back({kLedger, i, Change::kInsert, {0, kOpeningBalance}});
      for (const auto& c : fund.changes) next[kLedger][c.id] = c.row;
      add(std::move(fund), next);
      return;
    }
    add(std::move(s), std::move(next));
  }

  void drop(const std::string& name) {
    State next = state();
    next.erase(name);
    add({.kind = Step::kDrop, .table = name}, std::move(next));
  }

  void checkpoint() { add({.kind = Step::kCheckpoint}, state()); }

  // A random transaction over 1-3 data tables plus a ledger transfer.
  void transaction(int64_t txn) {
    State next = state();
    Step s{.kind = Step::kTxn};
    std::vector<std::string> tables;
    for (const auto& [name, rows] : next)
      if (name != kLedger) tables.push_back(name);
    std::shuffle(tables.begin(), tables.end(), rng_);
    if (!tables.empty()) tables.resize(1 + pick(std::min<size_t>(tables.size(), 3)));
    for (const auto& name : tables) {
      TableRows& rows = next[name];
      size_t inserts = 1 + pick(2);
      for (size_t i = 0; i < inserts; ++i) put(s, rows, name, next_id_++, txn, Change::kInsert);
      size_t updates = rows.size() > 1 ? pick(3) : 0;
      for (size_t i = 0; i < updates; ++i) put(s, rows, name, any_key(rows), txn, Change::kUpdate);
      if (rows.size() > (pick(2) ? 12 : 4)) {
        int64_t id = any_key(rows);
        rows.erase(id);
        s.changes.push_back({name, id, Change::kErase, {}});
      }
    }
    if (next.count(kLedger)) {
      TableRows& acct = next[kLedger];
      int64_t from = static_cast<int64_t>(pick(kAccounts));
      int64_t to = (from + 1 + static_cast<int64_t>(pick(kAccounts - 1))) % kAccounts;
      int64_t amount = 1 + static_cast<int64_t>(pick(100));
      acct[from] = {txn, acct[from].n - amount};
      acct[to] = {txn, acct[to].n + amount};
      s.changes.push_back({kLedger, from, Change::kUpdate, acct[from]});
      s.changes.push_back({kLedger, to, Change::kUpdate, acct[to]});
    }
    add(std::move(s), std::move(next));
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  Plan take() { return std::move(plan_); }

 private:
  void add(Step s, State next) {
    plan_.steps.push_back(std::move(s));
    plan_.after.push_back(std::move(next));
  }
  int64_t any_key(const TableRows& rows) {
    auto it = rows.begin();
    std::advance(it, static_cast<long>(pick(rows.size())));
    return it->first;
  }
  void put(Step& s, TableRows& rows, const std::string& name, int64_t id, int64_t txn, Change::Kind kind) {
    RowVal r{txn, static_cast<int64_t>(pick(1000000))};
    rows[id] = r;
    s.changes.push_back({name, id, kind, r});
  }

  std::mt19937_64 rng_;
  int64_t next_id_ = 1;
  Plan plan_;
};

inline void run_step(Database& db, const Step& s) {
  switch (s.kind) {
    case Step::kCheckpoint: db.checkpoint(); return;
    case Step::kCreate: db.create_table(s.table, row_schema(), jsonl_table()); return;
    case Step::kDrop: db.drop_table(s.table); return;
    case Step::kTxn: break;
  }
  auto t = db.begin();
  for (const auto& c : s.changes) {
    if (c.kind == Change::kInsert) t.insert(c.table, {{"id", c.id}, {"txn", c.row.txn}, {"n", c.row.n}});
    else if (c.kind == Change::kUpdate) t.update(c.table, Value(c.id), {{"txn", c.row.txn}, {"n", c.row.n}});
    else t.erase(c.table, Value(c.id));
  }
  t.commit();
}

// Every table, loaded in full (a table that fails to load throws).
inline State read_state(Database& db) {
  State s;
  for (const auto& name : db.table_names()) {
    TableRows& rows = s[name];
    for (const Row& r : db.table(name).scan()) rows[r[0].as_int()] = {r[1].as_int(), r[2].as_int()};
  }
  return s;
}

// The first few differences, for failure messages.
inline std::string diff(const State& got, const State& want) {
  std::string out;
  int shown = 0;
  auto note = [&](const std::string& line) {
    if (shown++ < 8) out += "  " + line + "\n";
  };
  for (const auto& [name, rows] : want)
    if (!got.count(name)) note(fmt::format("table {} missing", name));
  for (const auto& [name, rows] : got) {
    auto w = want.find(name);
    if (w == want.end()) {
      note(fmt::format("table {} unexpected ({} rows)", name, rows.size()));
      continue;
    }
    for (const auto& [id, r] : w->second) {
      auto g = rows.find(id);
      if (g == rows.end()) note(fmt::format("{}[{}] missing (txn {})", name, id, r.txn));
      else if (!(g->second == r)) note(fmt::format("{}[{}] is txn {} n {}, want txn {} n {}", name, id, g->second.txn,
                                                   g->second.n, r.txn, r.n));
    }
    for (const auto& [id, r] : rows)
      if (!w->second.count(id)) note(fmt::format("{}[{}] unexpected (txn {})", name, id, r.txn));
  }
  return out.empty() ? "  (equal)\n" : out;
}

// For sync modes that may lose the log's tail: is got the model after step j
// for commits, given that creating and dropping a table is durable at once
// (the catalog is synced) while the commits before it may be lost? A table
// created after j must be empty, and a table of step j may be absent only if
// a later step (up to `last`) dropped it.
inline bool matches_prefix(const Plan& plan, size_t j, size_t last, const State& got) {
  const State& want = plan.after[j];
  for (const auto& [name, rows] : got) {
    auto w = want.find(name);
    if (w == want.end() ? !rows.empty() : rows != w->second) return false;
  }
  for (const auto& [name, rows] : want) {
    if (got.count(name)) continue;
    bool dropped = false;
    for (size_t k = j; k < last && k < plan.steps.size(); ++k)
      dropped = dropped || (plan.steps[k].kind == Step::kDrop && plan.steps[k].table == name);
    if (!dropped) return false;
  }
  return true;
}

}  // namespace tessera::test::dur
