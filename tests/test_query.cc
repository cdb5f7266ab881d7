// Queries: the access path the planner picks (seen through explain()),
// results against a brute-force evaluation over random data, the predicate
// parser and binding errors, get_by, cursors over a changing table, and the
// CLI's query, explain and index commands.
#include <algorithm>
#include <atomic>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tessera/tessera.h>
#include <tessera/text_codec.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;
using Catch::Matchers::Contains;

namespace {

Config fast_config() {
  Config c;
  c.durability.sync = SyncMode::kOff;  // the tests commit thousands of times
  return c;
}

Schema item_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "name", .type = Type::kText},
                 {.name = "email", .type = Type::kText, .unique = true},
                 {.name = "team", .type = Type::kText},
                 {.name = "score", .type = Type::kReal},
                 {.name = "age", .type = Type::kInteger},
                 {.name = "active", .type = Type::kBoolean},
                 {.name = "created", .type = Type::kTimestamp}});
}

// email: implicit unique hash; team: hash; score: btree; (age, name): btree.
Table items_table(Database& db, const std::string& name = "items", bool indexed = true) {
  Table t = db.create_table(name, item_schema());
  if (indexed) {
    t.create_index({.name = "by_team", .columns = {"team"}, .type = "hash"});
    t.create_index({.name = "by_score", .columns = {"score"}, .type = "btree"});
    t.create_index({.name = "by_age_name", .columns = {"age", "name"}, .type = "btree"});
  }
  return t;
}

std::vector<Record> all(Cursor c) {
  std::vector<Record> out;
  Record r;
  while (c.next(r)) out.push_back(r);
  return out;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(s.substr(start, nl - start));
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

std::string explain(const Table& t, const std::string& where, std::vector<std::pair<std::string, bool>> order = {},
                    std::optional<uint64_t> limit = {}) {
  Query q = t.query();
  if (!where.empty()) q.where(where);
  for (auto& [c, d] : order) q.order_by(c, d);
  if (limit) q.limit(*limit);
  return q.explain();
}

// The code and message of the Error f throws.
std::pair<ErrorCode, std::string> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  FAIL("no error");
  return {};
}

// ---- random data and predicates, evaluated independently of the engine ----

const char* const kNames[] = {"ann", "bob", "cy", "dee", "eve"};
const char* const kTeams[] = {"red", "blue", "green"};

template <class R>
bool chance(R& rng, int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; }
template <class R>
int pick(R& rng, int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

Fields random_fields(std::mt19937_64& rng, int i) {
  auto maybe = [&](Value v) { return chance(rng, 12) ? Value() : v; };
  return {{"name", maybe(kNames[pick(rng, 5)])},
          {"email", maybe(fmt::format("u{}@x", i))},
          {"team", maybe(kTeams[pick(rng, 3)])},
          {"score", maybe(pick(rng, 41) / 2.0)},
          {"age", maybe(20 + pick(rng, 11))},
          {"active", maybe(chance(rng, 50))},
          {"created", maybe(Timestamp{int64_t{86400000000} * pick(rng, 10)})}};
}

// A literal for column c (of item_schema), as a value and as text.
std::pair<Value, std::string> random_literal(std::mt19937_64& rng, size_t c) {
  if (chance(rng, 4)) return {Value(), "NULL"};
  switch (c) {
    case 0: { int v = pick(rng, 70); return {v, std::to_string(v)}; }
    case 1: { std::string s = kNames[pick(rng, 5)]; if (chance(rng, 30)) s.pop_back(); return {s, "'" + s + "'"}; }
    case 2: { std::string s = fmt::format("u{}@x", pick(rng, 70)); return {s, "'" + s + "'"}; }
    case 3: { std::string s = kTeams[pick(rng, 3)]; return {s, "\"" + s + "\""}; }
    case 4: {
      if (chance(rng, 30)) { int v = pick(rng, 21); return {v, std::to_string(v)}; }  // INTEGER for REAL
      double d = pick(rng, 81) / 4.0;
      return {d, fmt::format("{:.2f}", d)};
    }
    case 5: { int v = 19 + pick(rng, 13); return {v, std::to_string(v)}; }
    case 6: { bool b = chance(rng, 50); return {b, b ? "TRUE" : "false"}; }
    default: {
      Timestamp ts{int64_t{86400000000} * pick(rng, 11)};
      return {ts, "'" + text::format_timestamp(ts) + "'"};
    }
  }
}

struct P {
  enum Kind { kCmp, kBetween, kIn, kIsNull, kAnd, kOr } kind;
  size_t col = 0;
  int op = 0;  // index into kOps
  bool negated = false;
  std::vector<Value> values;
  std::vector<P> kids;
  std::string text;

  bool eval(const Record& r) const {
    const Value& x = r[col];
    switch (kind) {
      case kCmp: {
        if (x.is_null() || values[0].is_null()) return false;
        auto c = compare(x, values[0]);
        switch (op) {
          case 0: return c == 0;
          case 1: case 2: return c != 0;
          case 3: return c < 0;
          case 4: return c <= 0;
          case 5: return c > 0;
          default: return c >= 0;
        }
      }
      case kBetween:
        return !x.is_null() && !values[0].is_null() && !values[1].is_null() && compare(x, values[0]) >= 0 &&
               compare(x, values[1]) <= 0;
      case kIn:
        for (const auto& v : values)
          if (!x.is_null() && !v.is_null() && compare(x, v) == 0) return true;
        return false;
      case kIsNull: return x.is_null() != negated;
      case kAnd: return std::all_of(kids.begin(), kids.end(), [&](const P& k) { return k.eval(r); });
      case kOr: return std::any_of(kids.begin(), kids.end(), [&](const P& k) { return k.eval(r); });
    }
    return false;
  }
};

const char* const kColumns[] = {"id", "name", "email", "team", "score", "age", "active", "created"};
const char* const kOps[] = {"=", "!=", "<>", "<", "<=", ">", ">="};

P random_leaf(std::mt19937_64& rng) {
  P p;
  // Indexed columns more often, so every access path gets exercised.
  static const size_t kWeighted[] = {0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 7};
  p.col = kWeighted[pick(rng, 13)];
  const std::string col = kColumns[p.col];
  int shape = pick(rng, 10);
  if (shape < 5) {
    p.kind = P::kCmp;
    p.op = chance(rng, 35) ? 0 : pick(rng, 7);
    auto [v, t] = random_literal(rng, p.col);
    p.values = {v};
    p.text = col + " " + kOps[p.op] + " " + t;
  } else if (shape < 7) {
    p.kind = P::kBetween;
    auto [a, at] = random_literal(rng, p.col);
    auto [b, bt] = random_literal(rng, p.col);
    p.values = {a, b};
    p.text = col + " BETWEEN " + at + " AND " + bt;
  } else if (shape < 9) {
    p.kind = P::kIn;
    p.text = col + " IN (";
    for (int i = 0, n = 1 + pick(rng, 4); i < n; ++i) {
      auto [v, t] = random_literal(rng, p.col);
      p.values.push_back(v);
      p.text += (i ? ", " : "") + t;
    }
    p.text += ")";
  } else {
    p.kind = P::kIsNull;
    p.negated = chance(rng, 50);
    p.text = col + (p.negated ? " is not null" : " IS NULL");
  }
  return p;
}

P random_predicate(std::mt19937_64& rng, int depth) {
  if (depth == 0 || chance(rng, 30)) return random_leaf(rng);
  P p;
  p.kind = chance(rng, 65) ? P::kAnd : P::kOr;
  for (int i = 0, n = 2 + pick(rng, 2); i < n; ++i) {
    p.kids.push_back(random_predicate(rng, depth - 1));
    const P& k = p.kids.back();
    bool parens = k.kind == P::kAnd || k.kind == P::kOr;
    p.text += (i ? (p.kind == P::kAnd ? " AND " : " or ") : "") + (parens ? "(" + k.text + ")" : k.text);
  }
  return p;
}

}  // namespace

TEST_CASE("the planner picks the access path each predicate shape allows") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  using L = std::vector<std::string>;
  CHECK(lines(explain(t, "id = 5")) == L{"primary key lookup on id = 5"});
  CHECK(lines(explain(t, "id IN (3, 1) AND name = 'x'")) == L{"primary key lookup on id IN (1, 3)", "filter: name = 'x'"});
  CHECK(lines(explain(t, "email = 'a@x' AND team = 'red'")) ==
        L{"index lookup: unique_email (hash) on email = 'a@x'", "filter: team = 'red'"});
  CHECK(lines(explain(t, "team = 'red'")) == L{"index lookup: by_team (hash) on team = 'red'"});
  // Equality beats a range; two equalities on one column become IN.
  CHECK(lines(explain(t, "(team = 'red' OR team = 'blue') AND score > 3")) ==
        L{"index lookup: by_team (hash) on team IN ('blue', 'red')", "filter: score > 3"});
  CHECK(lines(explain(t, "score >= 10 AND score < 20")) == L{"index range scan: by_score (btree) on score >= 10 AND score < 20"});
  CHECK(lines(explain(t, "score BETWEEN 1.5 AND 2 AND score > 0")) ==
        L{"index range scan: by_score (btree) on score >= 1.5 AND score <= 2"});
  CHECK(lines(explain(t, "score <= 4")) == L{"index range scan: by_score (btree) on score <= 4"});
  // Composite btree: equality prefix, then a range on the next column.
  CHECK(lines(explain(t, "age = 30 AND name > 'k' AND active = true")) ==
        L{"index range scan: by_age_name (btree) on age = 30 AND name > 'k'", "filter: active = true"});
  CHECK(lines(explain(t, "age = 30")) == L{"index range scan: by_age_name (btree) on age = 30"});
  CHECK(lines(explain(t, "age = 30 AND name = 'ann'")) == L{"index lookup: by_age_name (btree) on age = 30 AND name = 'ann'"});
  CHECK(lines(explain(t, "name IS NULL AND age IS NULL")) ==
        L{"index lookup: by_age_name (btree) on age IS NULL AND name IS NULL"});
  // ORDER BY served by an index: no sort, LIMIT stops the scan early.
  CHECK(lines(explain(t, "", {{"score", true}}, 5)) == L{"ordered index scan: by_score (btree) desc", "limit: 5"});
  CHECK(lines(explain(t, "active = true", {{"score", false}}, 3)) ==
        L{"ordered index scan: by_score (btree) asc", "filter: active = true", "limit: 3"});
  CHECK(lines(explain(t, "age > 25", {{"age", true}, {"name", true}})) ==
        L{"index range scan: by_age_name (btree) on age > 25 desc"});
  CHECK(lines(explain(t, "age = 25", {{"name", false}})) == L{"index range scan: by_age_name (btree) on age = 25"});
  CHECK(lines(explain(t, "team = 'red'", {{"team", true}})) == L{"index lookup: by_team (hash) on team = 'red'"});
  CHECK(lines(explain(t, "team = 'red'", {{"score", false}}, 10)) ==
        L{"index lookup: by_team (hash) on team = 'red'", "sort: score asc (top 10)", "limit: 10"});
  // Nothing to use: full scan, with the order made by a sort.
  CHECK(lines(explain(t, "active = true", {{"name", false}, {"age", true}})) ==
        L{"full scan", "filter: active = true", "sort: name asc, age desc"});
  // A top-level OR: a union when every branch can use an index, else a scan.
  CHECK(lines(explain(t, "team = 'red' OR active = true")) == L{"full scan", "filter: team = 'red' OR active = true"});
  CHECK(lines(explain(t, "(team = 'red' AND active = true) OR score > 5 OR id IN (1, 2)", {{"age", false}})) ==
        L{"union of 3 index paths:", "  index lookup: by_team (hash) on team = 'red'", "    filter: active = true",
          "  index range scan: by_score (btree) on score > 5", "  primary key lookup on id IN (1, 2)", "sort: age asc"});
  CHECK(lines(explain(t, "name != 'x' AND (age < 3 OR active IS NULL)")) ==
        L{"full scan", "filter: name != 'x' AND (age < 3 OR active IS NULL)"});
  CHECK(lines(explain(t, "team = NULL AND age = 3")) == L{"empty result: team = NULL is never true"});
  CHECK(lines(t.query().where("created >= '2024-01-01T00:00:00Z'").offset(5).limit(2).select({"name", "id"}).explain()) ==
        L{"full scan", "filter: created >= '2024-01-01T00:00:00Z'", "offset: 5", "limit: 2", "project: name, id"});
  CHECK(lines(t.query().explain()) == L{"full scan"});
}

TEST_CASE("query results equal a brute-force evaluation over random data") {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    TempDir dir;
    auto db = Database::open(dir.path(), fast_config());
    Table t = items_table(*db, "items", seed % 2 == 1);  // plain full scans on even seeds
    {
      auto txn = db->begin();
      for (int i = 0; i < 400; ++i) txn.insert("items", random_fields(rng, i));
      txn.commit();
    }
    for (int i = 0; i < 40; ++i) t.erase(Value(int64_t{1} + pick(rng, 400)));  // leave free slots
    std::vector<Record> rows = all(t.scan());
    for (int round = 0; round < 150; ++round) {
      P p = random_predicate(rng, 3);
      std::vector<std::pair<size_t, bool>> order;
      static const size_t kSortable[] = {0, 1, 3, 4, 5, 6};
      bool desc = chance(rng, 50);
      for (int i = 0, n = pick(rng, 3); i < n; ++i) order.emplace_back(kSortable[pick(rng, 6)], chance(rng, 25) ? !desc : desc);
      std::optional<uint64_t> limit;
      uint64_t offset = chance(rng, 30) ? pick(rng, 20) : 0;
      if (chance(rng, 50)) limit = pick(rng, 30);
      Query q = t.query().where(p.text);
      for (auto& [c, d] : order) q.order_by(kColumns[c], d);
      if (limit) q.limit(*limit);
      if (offset) q.offset(offset);
      INFO(p.text);
      INFO(q.explain());

      std::vector<Record> expected;
      for (const auto& r : rows)
        if (p.eval(r)) expected.push_back(r);
      auto key_less = [&](const Record& a, const Record& b) {
        for (auto& [c, d] : order) {
          auto x = compare(a[c], b[c]);
          if (x != 0) return d ? x > 0 : x < 0;
        }
        return false;
      };
      std::stable_sort(expected.begin(), expected.end(), key_less);
      size_t from = std::min<size_t>(offset, expected.size());
      size_t to = limit ? std::min<size_t>(expected.size(), from + *limit) : expected.size();

      std::vector<Record> got = all(q.run());
      REQUIRE(got.size() == to - from);
      CHECK(q.count() == to - from);
      // for_each visits the records run() yields, in the same order.
      std::vector<Record> visited;
      CHECK(q.for_each([&](RecordView r) { visited.emplace_back(r.begin(), r.end()); }) == got.size());
      CHECK(visited == got);
      std::set<int64_t> ids;
      for (const auto& r : got) {
        CHECK(p.eval(r));
        CHECK(ids.insert(r[0].as_int()).second);
      }
      if (!order.empty()) {
        for (size_t i = 0; i < got.size(); ++i)  // ties may be broken either way
          CHECK((!key_less(got[i], expected[from + i]) && !key_less(expected[from + i], got[i])));
      } else if (!limit && !offset) {
        std::set<int64_t> want;
        for (const auto& r : expected) want.insert(r[0].as_int());
        CHECK(ids == want);
      }
      // A projection yields the same rows' chosen columns, in the same order.
      if (round % 5 == 0) {
        Cursor c = Query(q).select({"score", "name"}).run();
        CHECK(c.schema().size() == 2);
        CHECK(c.schema()[0].name == "score");
        std::vector<Record> projected = all(std::move(c));
        REQUIRE(projected.size() == got.size());
        for (size_t i = 0; i < got.size(); ++i) CHECK(projected[i] == Record{got[i][4], got[i][1]});
      }
    }
  }
}

TEST_CASE("ORDER BY puts NULLs first ascending and last descending, with ties kept stable") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  for (Value s : {Value(2.0), Value(), Value(1.0), Value(2.0), Value(), Value(3.0)}) t.insert({{"score", s}});
  auto ids = [&](Query q) {
    std::vector<int64_t> out;
    for (const Row& r : q.run()) out.push_back(r["id"].as_int());
    return out;
  };
  CHECK(ids(t.query().order_by("score")) == std::vector<int64_t>{2, 5, 3, 1, 4, 6});
  CHECK(ids(t.query().order_by("score", true)) == std::vector<int64_t>{6, 4, 1, 3, 5, 2});
  // A sort (not an index) keeps rows with equal keys in scan order.
  CHECK(ids(t.query().where("id > 0").order_by("score").order_by("id", true)) == std::vector<int64_t>{5, 2, 3, 4, 1, 6});
  CHECK(ids(t.query().where("id > 0").order_by("score").limit(3)) == std::vector<int64_t>{2, 5, 3});
  CHECK(ids(t.query().order_by("score").offset(4).limit(10)) == std::vector<int64_t>{4, 6});
  CHECK(ids(t.query().order_by("score").limit(0)).empty());
  // A projection without the key marks its first column as the key.
  Cursor c = t.query().select({"score"}).run();
  CHECK(c.schema().primary_key_column().name == "score");
}

TEST_CASE("malformed predicates are refused with the position of the fault") {
  auto position = [](const std::string& text) -> std::string {
    try {
      Predicate::parse(text);
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kInvalidArgument);
      return e.what();
    }
    return "parsed";
  };
  CHECK_THAT(position("age >= AND x"), Contains("at position 7:") && Contains("AND"));
  CHECK_THAT(position(""), Contains("at position 0:"));
  CHECK_THAT(position("age >= 5 AND"), Contains("at position 12:") && Contains("end of input"));
  CHECK_THAT(position("(age = 1"), Contains("at position 8:") && Contains("')'"));
  CHECK_THAT(position("age = 'abc"), Contains("at position 6:") && Contains("unterminated"));
  CHECK_THAT(position("age = 5 5"), Contains("at position 8:"));
  CHECK_THAT(position("age IN ()"), Contains("at position 8:"));
  CHECK_THAT(position("age BETWEEN 1 5"), Contains("at position 14:"));
  CHECK_THAT(position("age ! 5"), Contains("at position 4:"));
  CHECK_THAT(position("AND = 5"), Contains("at position 0:"));
  CHECK_THAT(position("age NOT IN (1)"), Contains("at position 4:"));
  CHECK_THAT(position("age = 99999999999999999999"), Contains("at position 6:"));
  CHECK_THAT(position("a = 1 OR b = 2)"), Contains("at position 14:"));
  CHECK_THAT(position("blob = x'0g'"), Contains("at position"));
  // Keywords are case-insensitive, backquotes name any column, quotes double.
  CHECK(Predicate::parse("a between 1 and 2 or b is not null").to_string() == "a BETWEEN 1 AND 2 OR b IS NOT NULL");
  CHECK(Predicate::parse("`and` = 'it''s' AND b <> -2.5e1 AND c = x'00ff'").to_string() ==
        "`and` = 'it''s' AND b != -25.0 AND c = x'00ff'");
  CHECK(Predicate::parse("(a = 1 OR b = 2) AND c == \"x\"").to_string() == "(a = 1 OR b = 2) AND c = 'x'");
  Predicate built = (Predicate::compare("a", CompareOp::kGe, Value(1.0)) || Predicate::is_null("b")) &&
                    Predicate::in("c", {Value("x"), Value()}) && Predicate::between("d", Value(1), Value(2));
  CHECK(built.to_string() == "(a >= 1.0 OR b IS NULL) AND c IN ('x', NULL) AND d BETWEEN 1 AND 2");
  CHECK(Predicate::parse(built.to_string()).to_string() == built.to_string());
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string text = Predicate::parse(random_predicate(rng, 3).text).to_string();
    CHECK(Predicate::parse(text).to_string() == text);
  }
}

TEST_CASE("unknown columns and literals of the wrong type are refused") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  t.insert({{"name", "ann"}, {"score", 1.5}, {"created", Timestamp{0}}});
  auto e = error_of([&] { t.query().where("nope = 1").run(); });
  CHECK(e.first == ErrorCode::kNotFound);
  CHECK_THAT(e.second, Contains("'items'") && Contains("'nope'"));
  CHECK(error_of([&] { t.query().order_by("nope").run(); }).first == ErrorCode::kNotFound);
  CHECK(error_of([&] { t.query().select({"name", "nope"}).count(); }).first == ErrorCode::kNotFound);
  CHECK(error_of([&] { t.query().select({"name", "name"}).run(); }).first == ErrorCode::kInvalidArgument);
  e = error_of([&] { t.query().where("age = 'x'").run(); });
  CHECK(e.first == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.second, Contains("'age'") && Contains("'x'"));
  CHECK(error_of([&] { t.query().where("age = 1.5").explain(); }).first == ErrorCode::kInvalidArgument);
  CHECK(error_of([&] { t.query().where("active IN (true, 1)").explain(); }).first == ErrorCode::kInvalidArgument);
  e = error_of([&] { t.query().where("created < 'yesterday'").count(); });
  CHECK(e.first == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.second, Contains("'created'") && Contains("'yesterday'"));
  // INTEGER literals compare with REAL columns; ISO 8601 text with TIMESTAMP.
  CHECK(t.query().where("score > 1 AND created = '1970-01-01 00:00:00+00:00'").count() == 1);
  CHECK(t.query().where(Predicate::compare("score", CompareOp::kEq, Value(1.5))).count() == 1);
}

TEST_CASE("get_by finds a row through a unique index or the primary key") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  t.insert({{"name", "ann"}, {"email", "a@x"}});
  t.insert({{"name", "bob"}, {"email", "b@x"}, {"team", "red"}});
  t.insert({{"name", "cy"}});
  Record r;
  REQUIRE(t.get_by("email", Value("b@x"), r));
  CHECK(r[1] == Value("bob"));
  CHECK(!t.get_by("email", Value("zz@x"), r));
  CHECK(!t.get_by("email", Value(), r));
  REQUIRE(t.get_by("id", Value(3), r));
  CHECK(r[1] == Value("cy"));
  CHECK(!t.get_by("id", Value(99), r));
  t.erase(Value(2));
  CHECK(!t.get_by("email", Value("b@x"), r));
  auto e = error_of([&] { t.get_by("team", Value("red"), r); });
  CHECK(e.first == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.second, Contains("'items'") && Contains("'team'"));
  CHECK(error_of([&] { t.get_by("nope", Value(1), r); }).first == ErrorCode::kNotFound);
  // A unique btree over exactly the column works too.
  t.create_index({.name = "by_name", .columns = {"name"}, .type = "btree", .unique = true});
  REQUIRE(t.get_by("name", Value("ann"), r));
  CHECK(r[2] == Value("a@x"));
}

TEST_CASE("read, read_by and for_each pass the stored records that get, get_by and scan copy") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  std::mt19937_64 rng(7);
  {
    auto txn = db->begin();
    for (int i = 0; i < 300; ++i) txn.insert("items", random_fields(rng, i));
    txn.commit();
  }
  for (int i = 1; i <= 300; i += 7) t.erase(Value(i));
  int calls = 0;
  Record seen;
  auto keep = [&](RecordView r) { ++calls, seen.assign(r.begin(), r.end()); };
  for (int64_t id = 0; id <= 302; ++id) {
    Record want;
    const bool found = t.get(Value(id), want);
    calls = 0;
    CHECK(t.read(Value(id), keep) == found);
    CHECK(calls == (found ? 1 : 0));
    if (!found) continue;
    CHECK(seen == want);
    if (want[2].is_null()) continue;
    calls = 0;
    REQUIRE(t.read_by("email", want[2], keep));
    CHECK((calls == 1 && seen == want));
  }
  calls = 0;
  CHECK(!t.read_by("email", Value("nobody@x"), keep));
  CHECK(calls == 0);
  CHECK(error_of([&] { t.read_by("team", Value("red"), keep); }).first == ErrorCode::kInvalidArgument);
  std::vector<Record> visited;
  CHECK(t.for_each([&](RecordView r) { visited.emplace_back(r.begin(), r.end()); }) == t.size());
  CHECK(visited == all(t.scan()));
}

TEST_CASE("a streamed index scan survives deletes and inserts ahead of it") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  {
    auto txn = db->begin();
    for (int i = 0; i < 2000; ++i) txn.insert("items", {{"score", double(i)}, {"team", "red"}});
    txn.commit();
  }
  Query q = t.query().where("score >= 0").order_by("score");
  CHECK_THAT(q.explain(), Contains("index range scan: by_score"));
  Cursor c = q.run();
  std::vector<Record> got;
  Record r;
  for (int i = 0; i < 300; ++i) {
    REQUIRE(c.next(r));
    got.push_back(r);
  }
  {
    auto txn = db->begin();
    for (int id = 1001; id <= 1500; ++id) txn.erase("items", Value(id));  // ahead of the cursor
    for (int i = 0; i < 50; ++i) txn.insert("items", {{"score", 5000.0 + i}});  // ahead, in freed slots
    for (int i = 0; i < 50; ++i) txn.insert("items", {{"score", -1.0 - i}});   // behind
    txn.commit();
  }
  while (c.next(r)) got.push_back(r);
  std::set<int64_t> ids;
  for (size_t i = 0; i < got.size(); ++i) {
    int64_t id = got[i][0].as_int();
    CHECK(ids.insert(id).second);
    if (i) CHECK(got[i - 1][4].as_real() <= got[i][4].as_real());
    if (got[i][4].as_real() < 5000) CHECK(!(id >= 1001 && id <= 1500));
  }
  for (int id = 1; id <= 2000; ++id)
    if (id < 1001 || id > 1500) CHECK(ids.count(id) == 1);
}

TEST_CASE("a streamed full scan and a lookup survive rows changing under them") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  {
    auto txn = db->begin();
    for (int i = 0; i < 1000; ++i) txn.insert("items", {{"team", "red"}, {"score", double(i)}});
    txn.commit();
  }
  for (std::string where : {"team = 'red' OR score < 0", "team = 'red'"}) {
    INFO(where);
    Cursor c = t.query().where(where).run();
    std::vector<int64_t> got;
    Record r;
    for (int i = 0; i < 10; ++i) {
      REQUIRE(c.next(r));
      got.push_back(r[0].as_int());
    }
    std::set<int64_t> erased;
    {
      auto txn = db->begin();
      for (int64_t id = 501; id <= 700; ++id)
        if (txn.erase("items", Value(id))) erased.insert(id);
      for (int i = 0; i < 300; ++i) txn.insert("items", {{"team", "blue"}});  // reuses the freed slots
      txn.commit();
    }
    while (c.next(r)) {
      CHECK(r[3] == Value("red"));
      got.push_back(r[0].as_int());
    }
    std::set<int64_t> ids;
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(ids.insert(got[i]).second);
      // Only rows copied out before the erase (one batch) may show up.
      if (erased.count(got[i])) CHECK(i < 256);
    }
    for (int64_t id = 1; id <= 1000; ++id)
      if (!erased.count(id)) CHECK(ids.count(id) == 1);
    // Put the red rows back for the second round.
    auto txn = db->begin();
    for (int64_t id : erased) txn.insert("items", {{"id", id}, {"team", "red"}, {"score", double(id)}});
    txn.commit();
  }
}

TEST_CASE("dropping the index a cursor reads is reported, not a crash") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  {
    auto txn = db->begin();
    for (int i = 0; i < 1000; ++i) txn.insert("items", {{"score", double(i)}});
    txn.commit();
  }
  Cursor c = t.query().where("score >= 0").run();
  Record r;
  REQUIRE(c.next(r));
  t.drop_index("by_score");
  auto e = error_of([&] {
    while (c.next(r)) {
    }
  });
  CHECK(e.first == ErrorCode::kUnavailable);
  CHECK_THAT(e.second, Contains("by_score"));
}

TEST_CASE("queries run while another thread writes") {
  TempDir dir;
  auto db = Database::open(dir.path(), fast_config());
  Table t = items_table(*db);
  {
    auto txn = db->begin();
    for (int i = 0; i < 2000; ++i) txn.insert("items", {{"score", double(i % 100)}, {"email", fmt::format("e{}", i)}});
    txn.commit();
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 1500; ++i) {
      int64_t id = 1 + pick(rng, 2500);
      switch (pick(rng, 3)) {
        case 0: t.insert({{"score", double(pick(rng, 100))}}); break;
        case 1: t.erase(Value(id)); break;
        default: t.update(Value(id), {{"name", fmt::format("n{}", i)}}); break;  // keys stay put
      }
    }
    stop = true;
  });
  int rounds = 0;
  while (!stop || rounds < 3) {
    ++rounds;
    for (std::string where : {"score >= 20 AND score < 60", "score > 90 OR name IS NOT NULL"}) {
      std::set<int64_t> ids;
      for (const Row& row : t.query().where(where).run()) {
        CHECK(ids.insert(row["id"].as_int()).second);
        if (where.find("AND") != std::string::npos) CHECK((row["score"].as_real() >= 20 && row["score"].as_real() < 60));
      }
    }
    auto top = all(t.query().order_by("score", true).limit(5).run());
    CHECK(top.size() == 5);
    Record r;
    if (t.get_by("email", Value("e1999"), r)) CHECK(r[2] == Value("e1999"));
  }
  writer.join();
}

// ---- the command line tool ----

namespace {

struct CliResult {
  int status;
  std::string output;
};

CliResult cli(const std::string& args) {
  CliResult r;
  r.status = test::run_command(fmt::format("'{}' {} 2>&1", TESSERA_CLI_PATH, args), r.output);
  INFO("tessera " << args << "\n" << r.output);
  return r;
}

}  // namespace

TEST_CASE("tessera query, explain and index commands") {
  TempDir dir;
  const std::string d = "'" + (dir / "db").string() + "'";
  {
    auto db = Database::open(dir / "db", fast_config());
    Table t = items_table(*db, "items", false);
    t.insert({{"name", "ann"}, {"score", 5.5}, {"team", "red"}});
    t.insert({{"name", "bob, jr"}, {"score", 9.0}, {"team", "blue"}});
    t.insert({{"name", "cy"}, {"score", 7.25}});
  }
  CliResult r = cli("index create " + d + " items --column score --name by_score");
  REQUIRE(r.status == 0);
  r = cli("index list " + d + " items");
  CHECK_THAT(r.output, Contains("by_score") && Contains("btree") && Contains("unique_email"));
  r = cli("explain " + d + " items --where 'score >= 6' --order-by score --desc --limit 1");
  CHECK(r.status == 0);
  CHECK(lines(r.output) == std::vector<std::string>{"index range scan: by_score (btree) on score >= 6 desc", "limit: 1"});
  r = cli("query " + d + " items --where 'score >= 6' --order-by score --desc --columns name,score --output json");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.output);
  CHECK(j == nlohmann::json::parse(R"([{"name": "bob, jr", "score": 9.0}, {"name": "cy", "score": 7.25}])"));
  r = cli("query " + d + " items --where \"team IS NULL OR name = 'bob, jr'\" --columns id,name,team --output csv");
  CHECK(r.output == "id,name,team\n2,\"bob, jr\",blue\n3,cy,\n");
  r = cli("query " + d + " items --order-by name --offset 1 --limit 1 --columns name --output jsonl");
  CHECK(r.output == "{\"name\":\"bob, jr\"}\n");
  r = cli("query " + d + " items --where 'id = 1' --columns id,name,score");
  CHECK(lines(r.output) == std::vector<std::string>{"id  name  score", "1   ann   5.5"});
  // A malformed expression is shown with a caret under the fault.
  r = cli("query " + d + " items --where 'score >= AND x'");
  CHECK(r.status != 0);
  auto out = lines(r.output);
  auto at = std::find(out.begin(), out.end(), "  score >= AND x");
  REQUIRE(at != out.end());
  REQUIRE(at + 1 != out.end());
  CHECK(*(at + 1) == "  " + std::string(9, ' ') + "^");
  r = cli("query " + d + " items --where 'nope = 1'");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Contains("'nope'"));
  CHECK(cli("index drop " + d + " items by_score").status == 0);
  CHECK_THAT(cli("index list " + d + " items").output, !Contains("by_score"));
  CHECK(cli("index drop " + d + " items by_score").status != 0);
}
