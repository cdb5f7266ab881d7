// The core engine through the public API: tables, constraints, types,
// transactions, save and reopen.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <tessera/tessera.h>
#include <tessera/text_codec.h>

#include "checksum.h"
#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;
using tessera::test::error_code_of;

namespace {

Schema people_schema() {
  return Schema({
      {.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
      {.name = "name", .type = Type::kText, .nullable = false, .max_length = 5},
      {.name = "email", .type = Type::kText, .unique = true},
      {.name = "score", .type = Type::kReal},
      {.name = "active", .type = Type::kBoolean, .default_value = Value(true)},
  });
}

std::vector<Record> all_rows(const Table& t) {
  std::vector<Record> out;
  Cursor c = t.scan();
  Record r;
  while (c.next(r)) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a[0] < b[0]; });
  return out;
}


}  // namespace

TEST_CASE("schemas refuse bad definitions, naming the column") {
  std::string msg;
  CHECK(error_code_of([] { Schema({{.name = "a", .type = Type::kInteger}}); }, &msg) ==
        ErrorCode::kInvalidArgument);
  CHECK_THAT(msg, Catch::Contains("no primary key"));
  CHECK(error_code_of(
            [] {
              Schema({{.name = "a", .type = Type::kInteger, .primary_key = true},
                      {.name = "a", .type = Type::kText}});
            },
            &msg) == ErrorCode::kInvalidArgument);
  CHECK_THAT(msg, Catch::Contains("'a'") && Catch::Contains("twice"));
  CHECK_THROWS_WITH(Schema({{.name = "k", .type = Type::kText, .primary_key = true, .auto_increment = true}}),
                    Catch::Contains("'k'") && Catch::Contains("auto_increment"));
  CHECK_THROWS_WITH(Schema({{.name = "k", .type = Type::kInteger, .primary_key = true, .max_length = 3}}),
                    Catch::Contains("'k'"));
  CHECK_THROWS_WITH(Schema({{.name = "1x", .type = Type::kInteger, .primary_key = true}}),
                    Catch::Contains("'1x'"));
  CHECK_THROWS_WITH(Schema({{.name = "k", .type = Type::kInteger, .primary_key = true},
                            {.name = "d", .type = Type::kInteger, .default_value = Value("x")}}),
                    Catch::Contains("'d'"));
  // JSON form round trip.
  Schema s = people_schema();
  CHECK(Schema::from_json(s.to_json()) == s);
  Type t;
  std::optional<uint32_t> len;
  parse_type_text("varchar(12)", t, len);
  CHECK((t == Type::kText && len == 12u));
  CHECK_THROWS_WITH(parse_type_text("DECIMAL", t, len), Catch::Contains("DECIMAL"));
}

TEST_CASE("constraint violations name table, column and value, and change nothing") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("people", people_schema());
  Value ada = t.insert({{"name", "Ada"}, {"email", "ada@x"}, {"score", 1.5}});
  CHECK(ada == Value(1));
  auto before = all_rows(t);
  std::string msg;

  CHECK(error_code_of([&] { t.insert({{"name", 42}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("people") && Catch::Contains("'name'") && Catch::Contains("42"));
  CHECK(error_code_of([&] { t.insert({{"email", "e"}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("'name'") && Catch::Contains("NULL"));
  CHECK(error_code_of([&] { t.insert({{"name", "Bartholomew"}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("'name'") && Catch::Contains("Bartholomew") && Catch::Contains("VARCHAR(5)"));
  CHECK(error_code_of([&] { t.insert({{"id", 1}, {"name", "Dup"}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("'id'") && Catch::Contains("duplicate primary key 1"));
  CHECK(error_code_of([&] { t.insert({{"name", "Eve"}, {"email", "ada@x"}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("'email'") && Catch::Contains("ada@x") && Catch::Contains("key 1"));
  CHECK(error_code_of([&] { t.insert({{"nope", 1}, {"name", "X"}}); }, &msg) == ErrorCode::kNotFound);
  CHECK_THAT(msg, Catch::Contains("'people'") && Catch::Contains("'nope'"));
  CHECK(error_code_of([&] { t.update(ada, {{"score", "high"}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("'score'") && Catch::Contains("high"));
  // Multi-byte characters count as one: five of them fit VARCHAR(5).
  CHECK_NOTHROW(t.insert({{"name", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}}));
  CHECK(error_code_of([&] { t.insert({{"name", std::string("\xff\xfe")}}); }, &msg) == ErrorCode::kConstraint);
  CHECK_THAT(msg, Catch::Contains("UTF-8"));

  auto after = all_rows(t);
  REQUIRE(after.size() == before.size() + 1);
  CHECK(after[0] == before[0]);
  // An INTEGER is accepted for a REAL column and stored as REAL.
  t.update(ada, {{"score", 7}});
  CHECK(t.get(ada)->values()[3].type() == Type::kReal);
  CHECK((*t.get(ada))["active"] == Value(true));  // the default
}

TEST_CASE("every type round-trips through save and reopen") {
  TempDir dir;
  Schema s({
      {.name = "k", .type = Type::kText, .primary_key = true},
      {.name = "b", .type = Type::kBoolean},
      {.name = "i", .type = Type::kInteger},
      {.name = "r", .type = Type::kReal},
      {.name = "t", .type = Type::kText},
      {.name = "x", .type = Type::kBlob},
      {.name = "ts", .type = Type::kTimestamp},
  });
  Blob big(300000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7 + 3);
  std::vector<Record> rows = {
      {"empty", false, 0, 0.0, "", Blob{}, Timestamp{0}},
      {"nulls", Value(), Value(), Value(), Value(), Value(), Value()},
      {"limits", true, std::numeric_limits<int64_t>::min(), -0.0, "line\nbreak \"quoted\", comma",
       Blob{0, 255, 10, 13}, Timestamp{-1}},
      {"max", true, std::numeric_limits<int64_t>::max(), 1e308, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 ü",
       big, Timestamp{253402300799999999}},
      {"fractions", false, -1, 0.1 + 0.2, "\t\\/", Blob{0}, Timestamp{1700000000123456}},
  };
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("types", s);
    for (const auto& r : rows) t.insert_record(r);
    db->save();
  }
  auto db = Database::open(dir.path());
  auto t = db->table("types");
  REQUIRE(t.size() == rows.size());
  for (const auto& r : rows) {
    auto got = t.get(r[0]);
    REQUIRE(got);
    for (size_t i = 0; i < r.size(); ++i) {
      INFO("row " << r[0].to_string() << " column " << i);
      CHECK(got->values()[i].type() == r[i].type());
      CHECK(got->values()[i] == r[i]);
    }
  }
  CHECK(std::signbit(t.get(Value("limits"))->values()[3].as_real()));
}

TEST_CASE("auto-increment ids are never reused, across deletes and reopen") {
  TempDir dir;
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("people", people_schema());
    CHECK(t.insert({{"name", "a"}}) == Value(1));
    CHECK(t.insert({{"name", "b"}}) == Value(2));
    CHECK(t.insert({{"name", "c"}}) == Value(3));
    CHECK(t.erase(Value(3)));
    CHECK(t.insert({{"name", "d"}}) == Value(4));
    CHECK(t.erase(Value(4)));
    CHECK(t.insert({{"id", 10}, {"name", "e"}}) == Value(10));  // explicit ids move the counter on
    CHECK(t.erase(Value(10)));
    auto txn = db->begin();
    CHECK(txn.insert("people", {{"name", "f"}}) == Value(11));
    txn.rollback();  // a rolled-back id is not reused either
  }
  auto db = Database::open(dir.path());
  auto t = db->table("people");
  CHECK(t.insert({{"name", "g"}}) == Value(12));
  CHECK(t.size() == 3);
}

TEST_CASE("bad table names are refused before any path is built") {
  TempDir dir;
  auto db = Database::open(dir.path());
  for (const std::string& bad : std::vector<std::string>{"", "..", "../evil", "a/b", "/abs", "a b", "-lead", std::string(65, 'x'), "tab\n",
                          std::string("nul\0x", 5)}) {
    INFO("name: " << bad);
    CHECK_THROWS_AS(db->create_table(bad, people_schema()), Error);
  }
  CHECK_THROWS_WITH(db->create_table("../evil", people_schema()), Catch::Contains("../evil"));
  CHECK(db->table_names().empty());
  CHECK(!std::filesystem::exists(dir.path().parent_path() / "evil"));
  CHECK_NOTHROW(db->create_table("ok_name-2", people_schema()));
}

TEST_CASE("transactions commit together, roll back, and see their own writes") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("people", people_schema());
  auto a = t.insert({{"name", "a"}, {"email", "a@x"}});
  auto b = t.insert({{"name", "b"}, {"email", "b@x"}});

  SECTION("rollback discards everything") {
    auto txn = db->begin();
    txn.insert("people", {{"name", "c"}});
    txn.erase("people", a);
    CHECK(!txn.get("people", a));
    CHECK(t.get(a));  // others still see the committed row
    txn.rollback();
    CHECK(t.size() == 2);
  }
  SECTION("a refused change inside a transaction leaves its other changes") {
    auto txn = db->begin();
    txn.update("people", a, {{"email", "new@x"}});
    CHECK_THROWS_AS(txn.insert("people", {{"name", "z"}, {"email", "b@x"}}), Error);
    txn.commit();
    CHECK((*t.get(a))["email"] == Value("new@x"));
    CHECK(t.size() == 2);
  }
  SECTION("unique values can be swapped and reused within one transaction") {
    auto txn = db->begin();
    txn.update("people", a, {{"email", "tmp@x"}});
    txn.update("people", b, {{"email", "a@x"}});
    txn.update("people", a, {{"email", "b@x"}});
    txn.erase("people", b);
    txn.insert("people", {{"name", "c"}, {"email", "a@x"}});
    CHECK_THROWS_AS(txn.insert("people", {{"name", "d"}, {"email", "b@x"}}), Error);
    txn.commit();
    CHECK((*t.get(a))["email"] == Value("b@x"));
    CHECK(!t.get(b));
    CHECK_THROWS_AS(t.insert({{"name", "e"}, {"email", "a@x"}}), Error);
    CHECK_NOTHROW(t.insert({{"name", "e"}, {"email", "tmp@x"}}));
  }
  SECTION("changing the primary key moves the row") {
    CHECK(t.update(a, {{"id", 100}}));
    CHECK(!t.get(a));
    CHECK((*t.get(Value(100)))["name"] == Value("a"));
    CHECK_THROWS_AS(t.update(Value(100), {{"id", b}}), Error);
    CHECK(!t.update(Value(12345), {{"name", "q"}}));
    CHECK(!t.erase(Value(12345)));
  }
  SECTION("a plain write on a thread with an open transaction is refused, not deadlocked") {
    auto txn = db->begin();
    CHECK_THROWS_WITH(t.insert({{"name", "x"}}), Catch::Contains("transaction is open"));
    txn.commit();
    CHECK_NOTHROW(t.insert({{"name", "x"}}));
  }
  SECTION("an abandoned transaction rolls back") {
    {
      auto txn = db->begin();
      txn.erase("people", a);
    }
    CHECK(t.get(a));
  }
}

TEST_CASE("tables are created, listed and dropped, and the directory is locked while open") {
  TempDir dir;
  {
    auto db = Database::open(dir.path());
    db->create_table("one", people_schema());
    db->create_table("two", people_schema());
    CHECK_THROWS_AS(db->create_table("one", people_schema()), Error);
    CHECK(db->table_names() == std::vector<std::string>{"one", "two"});
    CHECK_THROWS_WITH(Database::open(dir.path()), Catch::Contains("already open"));
    db->drop_table("one");
    CHECK(!db->table_exists("one"));
    CHECK_THROWS_WITH(db->table("one"), Catch::Contains("'one'"));
  }
  auto db = Database::open(dir.path());
  CHECK(db->table_names() == std::vector<std::string>{"two"});
  CHECK(!std::filesystem::exists(dir.path() / "tables" / "one"));
}

TEST_CASE("status gives a table's schema and row count without loading it") {
  TempDir dir;
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("people", people_schema());
    for (int i = 0; i < 30; ++i) t.insert({{"name", "n"}, {"score", i * 1.0}});
    t.erase(Value(1));
    TableStatus live = db->status("people");
    CHECK(live.loaded);
    CHECK(live.rows == 29);
  }
  auto db = Database::open(dir.path());
  TableStatus s = db->status("people");
  CHECK(s.available);
  CHECK_FALSE(s.loaded);
  CHECK(s.rows == 29);
  CHECK(s.schema == people_schema());
  CHECK_FALSE(db->status("people").loaded);  // asking did not load it
  auto t = db->table("people");
  t.insert({{"name", "m"}, {"score", 1.0}});
  CHECK(db->status("people").loaded);
  CHECK(db->status("people").rows == 30);
}

TEST_CASE("scan streams every row once") {
  TempDir dir;
  auto db = Database::open(dir.path());
  auto t = db->create_table("people", people_schema());
  for (int i = 0; i < 1000; ++i) t.insert({{"name", "n"}, {"score", i * 1.0}});
  for (int i = 1; i <= 1000; i += 3) t.erase(Value(i));
  double sum = 0;
  size_t n = 0;
  for (const Row& row : t.scan()) {
    sum += row["score"].as_real();
    ++n;
  }
  CHECK(n == t.size());
  double expect = 0;
  for (int i = 0; i < 1000; ++i)
    if ((i + 1 - 1) % 3 != 0) expect += i;
  CHECK(sum == expect);
}

TEST_CASE("configuration errors name the key") {
  CHECK_THROWS_WITH(Config::from_string(R"({"tables": {"t": {"compresor": "lz4"}}})"),
                    Catch::Contains("tables.t.compresor") && Catch::Contains("unknown key"));
  CHECK_THROWS_WITH(Config::from_string(R"({"defaults": {"format": 3}})"),
                    Catch::Contains("defaults.format") && Catch::Contains("string"));
  CHECK_THROWS_WITH(Config::from_string(R"({"durability": {"sync": "sometimes"}})"),
                    Catch::Contains("durability.sync") && Catch::Contains("sometimes"));
  CHECK_THROWS_WITH(Config::from_string(R"({"plugin_paths": "x"})"), Catch::Contains("plugin_paths"));
  CHECK_THROWS_WITH(Config::from_string("{not json"), Catch::Contains("not valid JSON"));
  auto c = Config::from_string(R"({"defaults": {"format": "csv", "compressor": "zstd"},
                                   "tables": {"t": {"format": "jsonl"}}})");
  CHECK(c.table("t").format == "jsonl");
  CHECK(c.table("t").compressor == "zstd");
  CHECK(c.table("other").format == "csv");
}

TEST_CASE("a table naming an unknown format is refused at creation") {
  TempDir dir;
  auto db = Database::open(dir.path());
  TableConfig tc;
  tc.format = "parquet";
  CHECK_THROWS_WITH(db->create_table("t", people_schema(), tc),
                    Catch::Contains("format plugin 'parquet'") && Catch::Contains("searched"));
  CHECK(!db->table_exists("t"));
}

TEST_CASE("timestamps format and parse back over the whole range, including years before 1") {
  for (int64_t micros : {int64_t{0}, int64_t{-1}, int64_t{1700000000123456}, int64_t{-62135596800000000},
                         int64_t{-62167219200000000 - 86400000000L * 400}, int64_t{253402300799999999}}) {
    std::string text = text::format_timestamp(Timestamp{micros});
    INFO(text);
    auto back = text::parse_timestamp(text);
    REQUIRE(back);
    CHECK(back->micros == micros);
  }
  CHECK(text::format_timestamp(Timestamp{-62167219200000000 - 86400000000L * 365}) == "-0001-01-01T00:00:00Z");
}

TEST_CASE("rows inserted by one transaction are stored, saved and scanned in insertion order") {
  // Storage order is what makes bulk-loaded tables scan in key order and
  // find keys through their row; a hash-ordered write set would scramble it.
  TempDir dir;
  std::vector<int64_t> order;
  for (int64_t i = 0; i < 3000; ++i) order.push_back(1 + (i * 7919) % 3000);  // a fixed scramble
  auto scanned = [](const Table& t) {
    std::vector<int64_t> ids;
    t.for_each([&](RecordView r) { ids.push_back(r[0].as_int()); });
    return ids;
  };
  {
    auto db = Database::open(dir.path());
    auto t = db->create_table("people", people_schema());
    auto txn = db->begin();
    for (int64_t id : order) txn.insert("people", {{"id", id}, {"name", "n"}, {"email", "e" + std::to_string(id)}});
    txn.commit();
    CHECK(scanned(t) == order);
    CHECK(t.get(Value(order[17]))->values()[0].as_int() == order[17]);
  }
  auto db = Database::open(dir.path());
  CHECK(scanned(db->table("people")) == order);
}

namespace {
TableConfig stored_as(const std::string& format) {
  TableConfig t;
  t.format = format;
  return t;
}

// Writes rows 1 and 2 into table "t" in the given format, replaces its one
// data file with `forged` (checksum and size updated to match), reopens it
// and returns the error of loading the table.
std::pair<ErrorCode, std::string> load_forged(const std::filesystem::path& dir, const Config& config,
                                              const TableConfig& table, const std::string& forged_rows) {
  Schema schema({{.name = "id", .type = Type::kInteger, .primary_key = true}, {.name = "v", .type = Type::kText}});
  {
    auto db = Database::open(dir, config);
    auto t = db->create_table("t", schema, table);
    t.insert({{"id", 1}, {"v", "a"}});
    t.insert({{"id", 2}, {"v", "b"}});
    db->checkpoint();
  }
  const std::filesystem::path tdir = dir / "tables" / "t";
  auto meta = nlohmann::json::parse(test::read_file(tdir / "table.json"));
  auto& file = meta["files"][0];
  const std::string original = test::read_file(tdir / file["name"].get<std::string>());
  // Formats with a header line (CSV) keep it.
  const std::string header = original.rfind("id", 0) == 0 ? original.substr(0, original.find('\n') + 1) : "";
  const std::string forged = header + forged_rows;
  test::write_file(tdir / file["name"].get<std::string>(), forged);
  file["bytes"] = forged.size();
  file["checksum"] = tessera::detail::Checksum::format(tessera::detail::Checksum::of(forged));
  test::write_file(tdir / "table.json", meta.dump(2));
  auto db = Database::open(dir, config);
  std::string message;
  ErrorCode code = error_code_of([&] { db->table("t").size(); }, &message);
  return {code, message};
}
}  // namespace

TEST_CASE("a data file row without a primary key is refused when the table loads, naming table and column") {
  // A stored row's key is what marks its slot live, so loading must not
  // take a NULL key even from a file whose checksum is right.
  SECTION("a format that checks NOT NULL refuses it, naming the file") {
    TempDir dir;
    auto [code, message] = load_forged(dir.path(), Config(), stored_as("csv"), "1,a\n,b\n");
    CHECK(code == ErrorCode::kCorruption);
    CHECK_THAT(message, Catch::Contains("tables/t/data_") && Catch::Contains("'id'") && Catch::Contains("NULL"));
  }
  SECTION("for a format that does not, the engine refuses it, naming table and column") {
    TempDir dir;
    Config config;
    config.plugin_paths = {std::filesystem::path(TESSERA_TEST_PLUGIN_DIR) / "extra_format"};
    auto [code, message] = load_forged(dir.path(), config, stored_as("extra_lines"), "[1,\"a\"]\n[null,\"b\"]\n");
    CHECK(code == ErrorCode::kCorruption);
    CHECK_THAT(message, Catch::Contains("table 't'") && Catch::Contains("primary key 'id' is NULL"));
  }
}

TEST_CASE("a data file breaking a unique index is refused when the table loads, naming index, value and rows") {
  // Indexes are filled after the rows are read (ordered ones in key order),
  // so the refusal comes from that fill, not from the row that broke it.
  for (const char* type : {"btree", "hash"}) {
    INFO(type);
    TempDir dir;
    TableConfig table = stored_as("csv");
    table.indexes = nlohmann::json::array({{{"name", "v_once"}, {"column", "v"}, {"type", type}, {"unique", true}}});
    auto [code, message] = load_forged(dir.path(), Config(), table, "1,a\n2,a\n");
    CHECK(code == ErrorCode::kCorruption);
    CHECK_THAT(message, Catch::Contains("table 't'") && Catch::Contains("index 'v_once'") &&
                            Catch::Contains("\"a\"") && Catch::Contains("keys 2 and 1"));
    // Nothing was rewritten: the next open refuses the table the same way.
    auto db = Database::open(dir.path());
    std::string again;
    CHECK(error_code_of([&] { db->table("t").size(); }, &again) == ErrorCode::kCorruption);
    CHECK(again.find("keys 2 and 1") != std::string::npos);
  }
}

TEST_CASE("a data file holding one primary key twice is refused when the table loads") {
  TempDir dir;
  auto [code, message] = load_forged(dir.path(), Config(), stored_as("csv"), "1,a\n2,b\n1,c\n");
  CHECK(code == ErrorCode::kCorruption);
  CHECK_THAT(message, Catch::Contains("table 't'") && Catch::Contains("primary key 1 twice"));
}
