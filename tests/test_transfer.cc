// import_file and export_table (tessera/transfer.h): type inference and the
// key, all-or-nothing imports, skipped rows with their lines, progress, and
// export/import round trips in every file kind.
#include <cmath>
#include <limits>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/tessera.h"  // not transfer.h: the umbrella header must bring it
#include "tessera/text_codec.h"
#include "test_util.h"

namespace {

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

std::unique_ptr<Database> open_db(const TempDir& dir) {
  Config config;
  config.durability.sync = SyncMode::kOff;
  return Database::open(dir / "db", config);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no error");
  return {};
}

bool same(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  if (a.type() != Type::kReal) return a == b;
  double x = a.as_real(), y = b.as_real();
  return (std::isnan(x) && std::isnan(y)) || (x == y && std::signbit(x) == std::signbit(y));
}

TEST_CASE("import infers column types and picks a primary key") {
  TempDir dir;
  auto db = open_db(dir);
  write_file(dir / "a.csv",
             "id,name,score,ok,seen,zip,empty,mixed\n"
             "3,Ann,1.5,true,2024-05-01T12:00:00Z,0123,,1\n"
             "1,\"Bo, \"\"B\"\"\",2,False,1969-12-31,0456,,x\n"
             "2,Cy,NaN,TRUE,1900-01-01 10:00,0789,,2.5\n");
  ImportResult r = import_file(*db, "a", dir / "a.csv");
  CHECK(r.created);
  CHECK(r.imported == 3);
  Table a = db->table("a");
  const Schema& s = a.schema();
  CHECK(s.primary_key_column().name == "id");
  CHECK(s.primary_key_column().auto_increment);
  std::vector<Type> want{Type::kInteger, Type::kText,      Type::kReal, Type::kBoolean,
                         Type::kTimestamp, Type::kText, Type::kText, Type::kText};
  REQUIRE(s.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(s[i].type == want[i]);
  auto bo = a.get(Value(1));
  REQUIRE(bo);
  CHECK((*bo)["name"] == Value("Bo, \"B\""));
  CHECK((*bo)["score"].type() == Type::kReal);
  CHECK((*bo)["zip"] == Value("0456"));
  CHECK((*bo)["empty"].is_null());
  CHECK(std::isnan(a.get(Value(2))->values()[2].as_real()));
  CHECK(a.insert({{"name", "Di"}}) == Value(4));  // the key goes on counting

  // No usable id: duplicates, or none at all. A key column is added.
  write_file(dir / "b.jsonl", "{\"id\":1,\"v\":\"x\"}\n{\"id\":1,\"v\":\"y\"}\n");
  import_file(*db, "b", dir / "b.jsonl");
  CHECK(db->table("b").schema()[0].name == "_id");
  CHECK(db->table("b").schema()[1].type == Type::kInteger);
  CHECK(db->table("b").size() == 2);
  write_file(dir / "c.jsonl", "{\"_id\":\"text\",\"v\":null}\n");
  import_file(*db, "c", dir / "c.jsonl");
  CHECK(db->table("c").schema()[0].name == "_id_2");
  CHECK(db->table("c").schema()[2].type == Type::kText);  // NULL only
}

TEST_CASE("a row that does not fit aborts the import and nothing is imported") {
  TempDir dir;
  auto db = open_db(dir);
  // Line 2's quoted value spans two lines, so the bad row starts on line 4.
  ImportOptions ints;
  ints.schema = Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                        {.name = "n", .type = Type::kText}});
  write_file(dir / "q.csv", "id,n\n1,\"two\nlines\"\nx,y\n");
  std::string why = error_of([&] { import_file(*db, "q", dir / "q.csv", ints); });
  CHECK_THAT(why, Catch::Contains("q.csv:4") && Catch::Contains("'id'") && Catch::Contains("nothing was imported"));
  CHECK_FALSE(db->table_exists("q"));

  // An existing table: all rows in one transaction, or none.
  db->create_table("t", *ints.schema);
  db->table("t").insert({{"id", 9}, {"n", "kept"}});
  write_file(dir / "t.jsonl", "{\"id\":1,\"n\":\"a\"}\n\n{\"id\":9,\"n\":\"dup\"}\n");
  why = error_of([&] { import_file(*db, "t", dir / "t.jsonl"); });
  CHECK_THAT(why, Catch::Contains("t.jsonl:3"));
  CHECK(db->table("t").size() == 1);
  CHECK_FALSE(db->table("t").get(Value(1)));
  db->close();
  db = open_db(dir);
  CHECK(db->table("t").size() == 1);
}

TEST_CASE("skip_errors imports the rest and reports the skipped rows with their lines") {
  TempDir dir;
  auto db = open_db(dir);
  write_file(dir / "s.jsonl",
             "{\"id\":1,\"n\":5}\n"
             "{\"id\":2,\"n\":\"five\"}\n"
             "\n"
             "{\"id\":3,\"n\":[1]}\n"
             "{\"id\":1,\"n\":6}\n"
             "{\"id\":4,\"n\":7,\"extra\":1}\n"
             "{\"id\":5,\"n\":8}\n");
  ImportOptions options;
  options.schema = Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                           {.name = "n", .type = Type::kInteger}});
  options.skip_errors = true;
  std::vector<ImportProgress> progress;
  options.progress = [&](const ImportProgress& p) { progress.push_back(p); };
  for (const char* table : {"fresh", "existing"}) {
    INFO(table);
    if (std::string(table) == "existing") db->create_table(table, *options.schema);
    progress.clear();
    ImportResult r = import_file(*db, table, dir / "s.jsonl", options);
    CHECK(r.imported == 2);
    CHECK(r.skipped == 4);
    REQUIRE(r.errors.size() == 4);
    CHECK(r.errors[0].line == 2);
    CHECK_THAT(r.errors[0].message, Catch::Contains("'n'"));
    CHECK(r.errors[1].line == 4);
    CHECK_THAT(r.errors[1].message, Catch::Contains("arrays"));
    CHECK(r.errors[2].line == 5);
    CHECK(r.errors[3].line == 6);
    CHECK_THAT(r.errors[3].message, Catch::Contains("'extra'"));
    CHECK(db->table(table).size() == 2);
    REQUIRE_FALSE(progress.empty());
    CHECK(progress.back().rows == 6);
    CHECK(progress.back().bytes == fs::file_size(dir / "s.jsonl"));
    CHECK(progress.back().total_bytes == fs::file_size(dir / "s.jsonl"));
  }
  // A file that cannot be read on is never skipped: a cut last line.
  write_file(dir / "cut.jsonl", "{\"id\":1,\"n\":5}\n{\"id\":2,\"n\"");
  CHECK_THAT(error_of([&] { import_file(*db, "cut", dir / "cut.jsonl", options); }),
             Catch::Contains("cut.jsonl:2") && Catch::Contains("truncated"));
  CHECK_FALSE(db->table_exists("cut"));
}

TEST_CASE("json files: bare arrays and members in any order are read and damage is refused") {
  TempDir dir;
  auto db = open_db(dir);
  write_file(dir / "bare.json", "\xef\xbb\xbf[ {\"id\": 2, \"v\": 1.5},\n {\"id\": 1, \"v\": \"NaN\"} ]\n");
  CHECK(import_file(*db, "bare", dir / "bare.json").imported == 2);
  CHECK(db->table("bare").schema()[1].type == Type::kReal);
  // "columns" after "records" cannot shape the table: the types are inferred.
  write_file(dir / "late.json", "{\"records\": [{\"id\": 1, \"v\": \"a\"}], \"columns\": [], \"count\": 1}");
  CHECK(import_file(*db, "late", dir / "late.json").imported == 1);
  CHECK(db->table("late").schema()[1].type == Type::kText);
  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"{\"count\": 2, \"records\": [{\"id\": 1}]}", "\"count\" is 2"},
      {"{\"records\": [{\"id\": 1}, {\"id\": 2", "truncated"},
      {"{\"records\": [{\"id\": 1}]} extra", "after the JSON document"},
      {"{\"table\": \"x\"}", "no \"records\""},
      {"{\"records\": [{\"id\": 1} {\"id\": 2}]}", "expected ','"},
  };
  for (const auto& [text, why] : damaged) {
    INFO(text);
    write_file(dir / "bad.json", text);
    CHECK_THAT(error_of([&] { import_file(*db, "bad", dir / "bad.json"); }), Catch::Contains(why));
    CHECK_FALSE(db->table_exists("bad"));
  }
}

TEST_CASE("export and import round-trip every type in every file kind") {
  TempDir dir;
  auto db = open_db(dir);
  Schema schema = test::every_type_schema();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Record> rows = {
      {1, true, std::numeric_limits<int64_t>::min(), std::nan(""), "", Blob{}, Timestamp{-1}},
      {2, false, std::numeric_limits<int64_t>::max(), -inf, "a,\"b\"\r\nc \xe2\x82\xac", Blob{0, 255},
       *text::parse_timestamp("1969-07-20T20:17:40Z")},
      {3, Value(), Value(), -0.0, Value(), Value(), Value()},
  };
  db->create_table("src", schema);
  for (const Record& r : rows) db->table("src").insert_record(r);
  for (const char* file : {"out.csv", "out.jsonl", "out.json", "out.pkl", "out.jsonl.zst", "out.csv.lz4"}) {
    INFO(file);
    ExportResult e = export_table(*db, "src", dir / file);
    CHECK(e.rows == rows.size());
    CHECK(e.bytes == fs::file_size(dir / file));
    ImportOptions options;
    if (std::string(file) != "out.json") options.schema = schema;  // the json export carries its columns
    std::string table = "copy_" + std::to_string(std::hash<std::string>{}(file) % 10000);
    ImportResult r = import_file(*db, table, dir / file, options);
    CHECK(r.imported == rows.size());
    CHECK(db->table(table).schema() == schema);
    for (const Record& want : rows) {
      auto got = db->table(table).get(want[0]);
      REQUIRE(got);
      for (size_t c = 0; c < want.size(); ++c) {
        INFO("column " << c << ": " << (*got)[c].to_string() << " vs " << want[c].to_string());
        CHECK(same((*got)[c], want[c]));
      }
    }
  }
  // The json document's shape, written to a stream.
  std::ostringstream out;
  export_table(*db, "src", out, {.format = "json"});
  auto doc = nlohmann::json::parse(out.str());
  CHECK(doc["table"] == "src");
  CHECK(doc["count"] == 3);
  CHECK(doc["columns"] == schema.to_json()["columns"]);
  CHECK(text::parse_timestamp(doc["exported_at"].get<std::string>()).has_value());
  CHECK(doc["records"][0]["r"] == "NaN");
  CHECK(doc["records"][1]["bl"] == "AP8=");
  CHECK(doc["records"][2]["r"].dump() == "-0.0");
}

TEST_CASE("an export that fails leaves the destination as it was") {
  TempDir dir;
  auto db = open_db(dir);
  write_file(dir / "keep.csv", "old\n");
  CHECK_THROWS_AS(export_table(*db, "missing", dir / "keep.csv"), Error);
  CHECK(read_file(dir / "keep.csv") == "old\n");
  CHECK_THROWS_AS(export_table(*db, "missing", dir / "new.csv"), Error);
  CHECK_FALSE(fs::exists(dir / "new.csv"));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);  // db, keep.csv
  CHECK_THAT(error_of([&] { import_file(*db, "t", dir / "file.xyz"); }), Catch::Contains("format"));
  CHECK_THAT(error_of([&] { import_file(*db, "t", dir / "absent.csv"); }), Catch::Contains("no such file"));
}

}  // namespace
