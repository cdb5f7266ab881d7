// The Format contract (tessera/format.h) checked through the real Database
// for every format x {none, every compressor}: round trips of every type and
// edge value, and what happens when a writer refuses a value. Streams and
// truncation are in format_streams.cc, damaged files in format_damage.cc.
#include <algorithm>
#include <map>
#include <optional>

#include <catch2/catch.hpp>

#include "format_testing.h"
#include "tessera/database.h"
#include "tessera/error.h"
#include "test_util.h"

namespace {

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

// Every row of the table, ordered by primary key.
std::vector<Record> rows_of(Database& db, const std::string& name) {
  std::map<Value, Record> by_key;
  Table t = db.table(name);
  for (const Row& row : t.scan()) by_key.emplace(row[t.schema().primary_key()], row.values());
  std::vector<Record> out;
  for (auto& [key, r] : by_key) out.push_back(std::move(r));
  return out;
}

std::vector<Record> sorted(std::vector<Record> records) {
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) { return a[0] < b[0]; });
  return records;
}

void insert_all(Database& db, const std::string& table, const std::vector<Record>& records) {
  Transaction txn = db.begin();
  for (const Record& r : records) txn.insert_record(table, r);
  txn.commit();
}

// The table's metadata and data files, byte for byte.
std::map<std::string, std::string> table_files(const fs::path& db_dir, const std::string& table) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(db_dir / "tables" / table))
    files[e.path().filename().string()] = read_file(e.path());
  return files;
}

TEST_CASE("every format round-trips every type and edge value through a database") {
  FOR_EACH_STACK(stack) {
    TempDir dir;
    const Schema schema = all_types_schema();
    const std::vector<Record> edge = edge_records();
    {
      auto db = Database::open(dir.path(), quiet_config());
      db->create_table("edge", schema, stack.table_config());
      db->create_table("empty", schema, stack.table_config());
      db->create_table("one", schema, stack.table_config());
      // Two checkpoints: the second adds rows to files already written
      // (an append for formats that can).
      insert_all(*db, "edge", {edge.begin(), edge.begin() + 6});
      db->checkpoint();
      insert_all(*db, "edge", {edge.begin() + 6, edge.end()});
      insert_all(*db, "one", {edge[2]});
      db->checkpoint();
      db->close();
    }
    auto db = Database::open(dir.path(), quiet_config());
    INFO("edge values");
    check_records(rows_of(*db, "edge"), sorted(edge));
    CHECK(db->table("empty").size() == 0);
    check_records(rows_of(*db, "empty"), {});
    check_records(rows_of(*db, "one"), {edge[2]});
    CHECK(db->verify().ok());
  }
}

TEST_CASE("every format round-trips a 100k-row table") {
  constexpr int64_t kRows = 100000;
  FOR_EACH_STACK(stack) {
    TempDir dir;
    {
      auto db = Database::open(dir.path(), quiet_config());
      db->create_table("big", all_types_schema(), stack.table_config());
      Transaction txn = db->begin();
      for (int64_t id = 1; id <= kRows; ++id) txn.insert_record("big", generated_record(id));
      txn.commit();
      db->close();
    }
    auto db = Database::open(dir.path(), quiet_config());
    Table big = db->table("big");
    REQUIRE(big.size() == static_cast<uint64_t>(kRows));
    std::vector<bool> seen(kRows + 1);
    int bad = 0;
    for (const Row& row : big.scan()) {
      int64_t id = row[0].as_int();
      if (id < 1 || id > kRows || seen[id]) {
        FAIL("unexpected or repeated key " << id);
      }
      seen[id] = true;
      Record want = generated_record(id);
      for (size_t c = 0; c < want.size() && bad < 10; ++c)
        if (!same(row[c], want[c])) {
          ++bad;
          FAIL_CHECK("row " << id << ": got " << show(row.values()) << ", want " << show(want));
        }
    }
    CHECK(bad == 0);
    CHECK(std::count(seen.begin() + 1, seen.end(), true) == kRows);
  }
}

// The first of hard_timestamps() a format's writer refuses, if any; every
// other one must read back equal.
std::optional<Value> refused_timestamp(const Stack& stack, bool check = true) {
  StackCodec codec(stack);
  Schema schema({{.name = "id", .type = Type::kInteger, .primary_key = true}, {.name = "ts", .type = Type::kTimestamp}});
  std::optional<Value> refused;
  int64_t id = 0;
  for (const Value& v : hard_timestamps()) {
    INFO(stack.label() << ": timestamp micros " << v.as_timestamp().micros);
    std::string bytes;
    try {
      bytes = codec.encode(schema, {{++id, v}});
    } catch (const Error& e) {
      INFO(e.what());
      if (check) CHECK(e.code() == ErrorCode::kUnsupported);
      if (check) CHECK_THAT(e.what(), Catch::Contains("'ts'"));  // names the column
      if (!refused) refused = v;
      continue;
    }
    if (!check) continue;
    MemorySource in(bytes.data(), bytes.size());
    try {
      check_records(codec.decode(schema, in), {{id, v}});
    } catch (const Error& e) {
      FAIL_CHECK("written, but not read back: " << e.what());
    }
  }
  return refused;
}

// Whether the stack writes and reads back a record holding v in column.
bool holds(const Stack& stack, size_t column, const Value& v) {
  StackCodec codec(stack);
  Record r = generated_record(1);
  r[column] = v;
  try {
    std::string bytes = codec.encode(all_types_schema(), {r});
    MemorySource in(bytes.data(), bytes.size());
    auto back = codec.decode(all_types_schema(), in);
    return back.size() == 1 && same(back[0][column], v);
  } catch (const Error&) {
    return false;
  }
}

TEST_CASE("every value is written and read back or refused by the writer with kUnsupported") {
  FOR_EACH_STACK(stack) { refused_timestamp(stack); }
}

// What the framework does with a writer that refuses `bad` in column
// `column`: the database is opened with config (which loads the format);
// tables hold at most rows_per_file rows a file (0: no limit). After every
// refusal the table's folder holds only the files its table.json lists.
void check_refusal(const Stack& stack, const Config& config, size_t column, const Value& bad,
                   uint64_t rows_per_file = 0) {
  TempDir dir;
  const Schema schema = all_types_schema();
  const auto table_config = [&](const Stack& s) {
    TableConfig c = s.table_config();
    c.max_rows_per_file = rows_per_file;
    return c;
  };
  const std::vector<Record> good = {generated_record(1), generated_record(2), generated_record(3)};
  Record bad_row = generated_record(4);
  bad_row[column] = bad;
  auto db = Database::open(dir.path(), config);

  SECTION("a checkpoint fails, keeps the files, and succeeds once the row is gone") {
    db->create_table("t", schema, table_config(stack));
    insert_all(*db, "t", good);
    db->checkpoint();
    auto before = table_files(dir.path(), "t");
    db->table("t").insert_record(bad_row);
    try {
      db->checkpoint();
      FAIL("the checkpoint wrote a refused value");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kUnsupported);
    }
    CHECK(unlisted_table_files(dir.path() / "tables" / "t") == std::vector<std::string>{});
    auto after = table_files(dir.path(), "t");
    for (const auto& [name, bytes] : before) CHECK(after.at(name) == bytes);  // table.json included
    CHECK(db->verify().ok());
    CHECK(db->table("t").erase(Value(4)));
    db->checkpoint();
    db->close();
    db = Database::open(dir.path(), config);
    check_records(rows_of(*db, "t"), good);
  }
  SECTION("creating a table with it creates nothing") {
    std::vector<Record> rows = good;
    rows.push_back(bad_row);
    size_t i = 0;
    try {
      db->create_table_with("t", schema, table_config(stack), [&](Record& r) {
        if (i == rows.size()) return false;
        r = rows[i++];
        return true;
      });
      FAIL("created a table with a refused value");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kUnsupported);
    }
    CHECK_FALSE(db->table_exists("t"));
    CHECK(unlisted_table_files(dir.path() / "tables" / "t") == std::vector<std::string>{});
    db->close();
    db = Database::open(dir.path(), config);
    CHECK_FALSE(db->table_exists("t"));
    db->create_table("t", schema, table_config(stack));  // the name is free
    CHECK(db->table("t").size() == 0);
  }
  SECTION("converting a table that holds it into the format changes nothing") {
    // A table in a stack that keeps the value, if any.
    std::optional<Stack> keeper;
    for (const Stack& s : all_stacks())
      if (!keeper && s.compressor == "none" && holds(s, column, bad)) keeper = s;
    if (!keeper) return;  // no format holds it: nothing to convert from
    INFO("converting from " << keeper->label());
    db->create_table("t", schema, table_config(*keeper));
    insert_all(*db, "t", good);
    db->table("t").insert_record(bad_row);
    db->checkpoint();
    auto before = table_files(dir.path(), "t");
    try {
      db->convert_table("t", stack.format, {}, stack.compressor, {});
      FAIL("converted a table with a refused value");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kUnsupported);
    }
    CHECK(unlisted_table_files(dir.path() / "tables" / "t") == std::vector<std::string>{});
    auto after = table_files(dir.path(), "t");
    for (const auto& [name, bytes] : before) CHECK(after.at(name) == bytes);  // table.json included
    CHECK(db->status("t").plugins.at(0).name == keeper->format);
    db->close();
    db = Database::open(dir.path(), config);
    CHECK(table_files(dir.path(), "t") == before);
    std::vector<Record> all = good;
    all.push_back(bad_row);
    check_records(rows_of(*db, "t"), all);
  }
}

TEST_CASE("a value a writer refuses leaves the table unchanged") {
  // A real format that refuses one of the hard timestamps is checked with it...
  FOR_EACH_STACK(stack) {
    if (std::optional<Value> bad = refused_timestamp(stack, false)) check_refusal(stack, quiet_config(), 6, *bad);
  }
}

TEST_CASE("a value the test format refuses leaves the table unchanged under every compressor") {
  // ...and, since no format in the tree refuses anything a test can build,
  // a test format that refuses one text shows the framework's side. With one
  // row a file, the refused row comes after several finished files.
  Config config = quiet_config();
  config.plugin_paths.push_back(fs::path(TESSERA_TEST_PLUGIN_DIR) / "refusing_format");
  for (const Stack& stack : all_stacks()) {
    if (stack.format != "jsonl") continue;  // one stack per compressor
    Stack refusing{"conformance_refusing", stack.compressor};
    for (uint64_t rows_per_file : {0, 1})
      DYNAMIC_SECTION("stack " << refusing.label() << ", max_rows_per_file " << rows_per_file) {
        check_refusal(refusing, config, 4, "refused by the writer", rows_per_file);
      }
  }
}

}  // namespace
