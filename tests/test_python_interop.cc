// Our files and Python's, both ways: table files of a real database (csv,
// jsonl, msgpack_lz4, pickle; plain, lz4 and zstd) read by Python's own
// modules, files Python writes imported, a hostile pickle refused, and
// `tessera export --format json` loaded by json.load.
#include <bit>
#include <cmath>
#include <limits>
#include <map>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/database.h"
#include "tessera/error.h"
#include "tessera/text_codec.h"
#include "tessera/transfer.h"
#include "test_util.h"

namespace {

using namespace tessera;
using namespace tessera::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

// Runs a Python script in dir; returns its stdout (and stderr) after checking it succeeded.
std::string python(const TempDir& dir, const std::string& script, const std::string& args = "") {
  write_file(dir / "script.py", script);
  std::string out;
  int rc = run_command(fmt::format("cd '{}' && {} script.py {}", dir.path().string(), kPython, args), out);
  INFO(out);
  REQUIRE(rc == 0);
  return out;
}

Timestamp ts(const char* iso) { return *text::parse_timestamp(iso); }

Schema people_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                 {.name = "ok", .type = Type::kBoolean},
                 {.name = "n", .type = Type::kInteger},
                 {.name = "x", .type = Type::kReal},
                 {.name = "s", .type = Type::kText},
                 {.name = "data", .type = Type::kBlob},
                 {.name = "at", .type = Type::kTimestamp}});
}

std::vector<Record> people() {
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {1, true, std::numeric_limits<int64_t>::min(), std::nan(""), "h\xc3\xa9llo \xf0\x9f\x8c\x8d, \"q\"",
       Blob{0, 255, '\n'}, ts("2024-05-01T12:00:00.123456Z")},
      {2, false, std::numeric_limits<int64_t>::max(), -inf, "", Blob{}, ts("1969-12-31T23:59:59.999999Z")},
      {3, Value(), Value(), Value(), Value(), Value(), Value()},
      {4, true, 0, -0.0, "cr\rlf\r\nlf\n", Blob(5000, 7), ts("0001-01-01T00:00:00Z")},
      {5, false, -1, inf, "tab\tcomma,", Blob{'x'}, ts("1900-02-28T23:00:00Z")},
      {6, true, 1, 0.1, "NULL", Value(), ts("9999-12-31T23:59:59.999999Z")},
  };
}

// How the Python side prints a value: typed enough that a lookalike fails.
json canon(const Value& v, bool csv) {
  switch (v.type()) {
    case Type::kNull: return nullptr;
    case Type::kBoolean: return v.as_bool();
    case Type::kInteger: return v.as_int();
    case Type::kReal:
      if (std::isnan(v.as_real())) return "f:nan";
      return fmt::format("f:{:016x}", std::bit_cast<uint64_t>(v.as_real()));
    case Type::kText:
      // Python's csv module reads NULL and "" alike (docs/formats/csv.md).
      if (csv && v.as_text().empty()) return nullptr;
      return "s:" + std::string(v.as_text());
    case Type::kBlob: {
      if (csv && v.as_blob().empty()) return nullptr;
      std::string hex;
      for (uint8_t b : v.as_blob()) hex += fmt::format("{:02x}", b);
      return "x:" + hex;
    }
    case Type::kTimestamp: return fmt::format("t:{}", v.as_timestamp().micros);
  }
  return nullptr;
}

const char* kReadTables = R"py(
import base64, csv, datetime, io, json, lz4.frame, msgpack, pickle, struct, sys, zstandard
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def canon(v, t):
    if v is None: return None
    if t == "BOOLEAN": assert type(v) is bool, v; return v
    if t == "INTEGER": assert type(v) is int, v; return v
    if t == "REAL":
        v = float(v) if isinstance(v, str) else v
        assert type(v) is float, v
        return "f:nan" if v != v else "f:" + struct.pack(">d", v).hex()
    if t == "TEXT": assert type(v) is str, v; return "s:" + v
    if t == "BLOB": assert type(v) is bytes, v; return "x:" + v.hex()
    if isinstance(v, msgpack.Timestamp): return "t:%d" % (v.seconds * 10**6 + v.nanoseconds // 1000)
    dt = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
    return "t:%d" % ((dt - EPOCH) // datetime.timedelta(microseconds=1))
def records(data, fmt, types):
    if fmt == "csv":
        out = []
        for r in csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")):
            for k, v in r.items():
                t = types[k]
                r[k] = None if v == "" else {"BOOLEAN": lambda s: {"true": True, "false": False}[s], "INTEGER": int,
                    "REAL": float, "BLOB": base64.b64decode}.get(t, lambda s: s)(v)
            out.append(r)
        return out
    if fmt == "jsonl":
        out = [json.loads(line) for line in data.decode("utf-8").split("\n") if line]
        for r in out:
            for k, t in types.items():
                if t == "BLOB" and r[k] is not None: r[k] = base64.b64decode(r[k])
        return out
    if fmt == "msgpack_lz4":
        assert data[:9] == b"\x89TMPK\r\n\x1a\x01", data[:9]
        return list(msgpack.Unpacker(io.BytesIO(lz4.frame.decompress(data[16:])), raw=False, timestamp=0))
    assert fmt == "pickle"
    return pickle.loads(data)
result = {}
for job in json.load(open(sys.argv[1])):
    types = dict(job["columns"])
    result[job["table"]] = rows = []
    for path in job["files"]:
        data = open(path, "rb").read()
        if job["compressor"] == "zstd": data = zstandard.ZstdDecompressor().decompress(data)
        if job["compressor"] == "lz4": data = lz4.frame.decompress(data)
        for r in records(data, job["format"], types):
            assert list(r) == list(types), list(r)
            rows.append({k: canon(v, types[k]) for k, v in r.items()})
print(json.dumps(result))
)py";

TEST_CASE("Python reads our table files with its own modules", "[python]") {
  TempDir dir;
  const std::vector<std::string> formats{"csv", "jsonl", "msgpack_lz4", "pickle"};
  const std::vector<std::string> compressors{"none", "lz4", "zstd"};
  Config config;
  config.durability.sync = SyncMode::kOff;
  {
    auto db = Database::open(dir / "db", config);
    for (const auto& f : formats)
      for (const auto& c : compressors) {
        TableConfig tc;
        tc.format = f;
        tc.compressor = c;
        tc.max_rows_per_file = 4;  // two files each
        db->create_table(f + "_" + c, people_schema(), tc);
        for (const Record& r : people()) db->table(f + "_" + c).insert_record(r);
      }
    db->close();
  }
  json jobs = json::array();
  json columns = json::array();
  const Schema schema = people_schema();
  for (const Column& c : schema.columns()) columns.push_back({c.name, type_name(c.type)});
  for (const auto& f : formats)
    for (const auto& c : compressors) {
      json files = json::array();
      for (const auto& e : fs::directory_iterator(dir / "db" / "tables" / (f + "_" + c)))
        if (e.path().filename().string().rfind("data_", 0) == 0) files.push_back(e.path().string());
      CHECK(files.size() == 2);
      jobs.push_back({{"table", f + "_" + c}, {"format", f}, {"compressor", c}, {"files", files},
                      {"columns", columns}});
    }
  write_file(dir / "jobs.json", jobs.dump());
  json seen = json::parse(python(dir, kReadTables, "jobs.json"));
  for (const auto& [table, rows] : seen.items()) {
    INFO("table " << table);
    const bool csv = table.rfind("csv_", 0) == 0;
    std::map<int64_t, json> by_id;
    for (const auto& r : rows) by_id[r["id"].get<int64_t>()] = r;
    REQUIRE(by_id.size() == people().size());
    for (const Record& want : people()) {
      json expected = json::object();
      for (size_t i = 0; i < want.size(); ++i) expected[schema[i].name] = canon(want[i], csv);
      CHECK(by_id[want[0].as_int()] == expected);
    }
  }
  CHECK(seen.size() == formats.size() * compressors.size());
}

const char* kWriteFiles = R"py(
import base64, csv, datetime, io, json, lz4.frame, pickle, zstandard
utc = datetime.timezone.utc
rows = [
    {"id": 1, "name": "Ann", "score": 1.5, "active": True, "seen": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=utc),
     "note": "line\nbreak, \"q\""},
    {"id": 2, "name": "Bo", "score": float("nan"), "active": False,
     "seen": datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=utc), "note": None},
    {"id": 3, "name": "\u010cen\u011bk \U0001F30D", "score": -0.0, "active": True,
     "seen": datetime.datetime(1900, 1, 1, tzinfo=utc), "note": None},
]
with open("people.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(list(rows[0]))
    for r in rows: w.writerow(list(r.values()))
open("people.csv.lz4", "wb").write(lz4.frame.compress(open("people.csv", "rb").read()))
def jsonable(r):
    return {k: ("NaN" if isinstance(v, float) and v != v else v.isoformat() if isinstance(v, datetime.datetime)
                else base64.b64encode(v).decode() if isinstance(v, bytes) else v) for k, v in r.items()}
lines = [json.dumps(jsonable(r), ensure_ascii=False) for r in rows]
lines.insert(1, "")  # a blank line, skipped
text = "\n".join(lines) + "\n"
open("people.jsonl", "w", encoding="utf-8").write(text)
open("people.jsonl.zst", "wb").write(zstandard.ZstdCompressor().compress(text.encode()))
for r in rows: r["seen"] = r["seen"].isoformat()
for p in (2, 3, 4, 5):
    data = [dict(r) for r in rows]
    if p >= 3: data[0]["blob"], data[1]["blob"], data[2]["blob"] = b"\x00\xff", b"", None
    with open("p%d.pkl" % p, "wb") as f: pickle.dump(data, f, protocol=p)
export = {"table": "things", "exported_at": "2024-05-01T12:00:00Z", "count": 2,
          "columns": [{"name": "key", "type": "INTEGER", "nullable": False, "primary_key": True},
                      {"name": "label", "type": "VARCHAR(10)", "nullable": True},
                      {"name": "data", "type": "BLOB", "nullable": True},
                      {"name": "x", "type": "REAL", "nullable": True}],
          "records": [{"key": 10, "label": "ten", "data": base64.b64encode(b"\x01\x02").decode(), "x": "-Infinity"},
                      {"key": 20, "label": None, "data": None, "x": 2}]}
json.dump(export, open("things.json", "w"), indent=1)
print("ok")
)py";

TEST_CASE("files Python writes are imported with their types", "[python]") {
  TempDir dir;
  python(dir, kWriteFiles);
  Config config;
  config.durability.sync = SyncMode::kOff;
  auto db = Database::open(dir / "db", config);
  const double nan = std::nan("");
  const std::vector<Record> want = {
      {1, "Ann", 1.5, true, ts("2024-05-01T12:00:00Z"), "line\nbreak, \"q\""},
      {2, "Bo", nan, false, ts("1969-12-31T23:59:59.5Z"), Value()},
      {3, "\xc4\x8c" "en\xc4\x9b" "k \xf0\x9f\x8c\x8d", -0.0, true, ts("1900-01-01T00:00:00Z"), Value()},
  };
  auto check_table = [&](const std::string& table, const std::vector<Value>& extra = {}) {
    INFO("table " << table);
    Table t = db->table(table);
    REQUIRE(t.size() == want.size());
    const Schema& s = t.schema();
    CHECK(s.primary_key_column().name == "id");
    std::vector<Type> types{Type::kInteger, Type::kText, Type::kReal, Type::kBoolean, Type::kTimestamp, Type::kText};
    if (!extra.empty()) types.push_back(Type::kBlob);
    REQUIRE(s.size() == types.size());
    for (size_t i = 0; i < types.size(); ++i) CHECK(s[i].type == types[i]);
    for (size_t r = 0; r < want.size(); ++r) {
      auto row = t.get(want[r][0]);
      REQUIRE(row);
      Record expected = want[r];
      if (!extra.empty()) expected.push_back(extra[r]);
      for (size_t c = 0; c < expected.size(); ++c) {
        INFO("row " << r << " column " << s[c].name << ": " << (*row)[c].to_string());
        bool same = canon((*row)[c], false) == canon(expected[c], false);
        CHECK(same);
      }
    }
  };
  for (const char* file : {"people.csv", "people.csv.lz4", "people.jsonl", "people.jsonl.zst", "p2.pkl"}) {
    std::string table = fmt::format("t{}", std::hash<std::string>{}(file) % 100000);
    ImportResult r = import_file(*db, table, dir / file);
    CHECK(r.imported == 3);
    CHECK(r.created);
    check_table(table);
  }
  for (int p = 3; p <= 5; ++p) {
    ImportResult r = import_file(*db, fmt::format("p{}", p), dir / fmt::format("p{}.pkl", p));
    CHECK(r.format == "pickle");
    check_table(fmt::format("p{}", p), {Blob{0, 255}, Blob{}, Value()});
  }
  // The json export shape: its columns are the schema, key and all.
  import_file(*db, "things", dir / "things.json");
  Table things = db->table("things");
  CHECK(things.schema().primary_key_column().name == "key");
  CHECK(things.schema()[1].type_text() == "VARCHAR(10)");
  CHECK(canon(things.get(Value(10))->values()[2], false) == canon(Blob{1, 2}, false));
  CHECK(things.get(Value(10))->values()[3].as_real() == -std::numeric_limits<double>::infinity());
  CHECK(canon(things.get(Value(20))->values()[3], false) == canon(2.0, false));
}

TEST_CASE("import refuses a hostile pickle by its opcode and imports nothing", "[python]") {
  TempDir dir;
  std::string op = python(dir, R"py(
import os, pickle, pickletools
class Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned",))
data = pickle.dumps([{"id": 1, "name": "fine"}, {"id": 2, "name": Evil()}], protocol=4)
open("evil.pkl", "wb").write(data)
print(next(o[0].name for o in pickletools.genops(data) if o[0].name in ("GLOBAL", "STACK_GLOBAL")), end="")
)py");
  Config config;
  config.durability.sync = SyncMode::kOff;
  auto db = Database::open(dir / "db", config);
  auto refused = [&](const char* table) {
    try {
      import_file(*db, table, dir / "evil.pkl");
      FAIL("a hostile pickle was imported");
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(e.code() == ErrorCode::kUnsupported);
      CHECK_THAT(e.what(), Catch::Contains("opcode " + op));
    }
  };
  refused("fresh");
  CHECK_FALSE(db->table_exists("fresh"));
  db->create_table("kept", Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                                   {.name = "name", .type = Type::kText}}));
  db->table("kept").insert({{"id", 7}, {"name", "before"}});
  ImportOptions skip;
  skip.skip_errors = true;  // damage that stops the reader is never skipped
  refused("kept");
  CHECK_THROWS_AS(import_file(*db, "kept", dir / "evil.pkl", skip), Error);
  CHECK(db->table("kept").size() == 1);
  CHECK_FALSE(fs::exists(dir / "pwned"));
}

TEST_CASE("tessera export --format json is read by json.load", "[python][cli]") {
  TempDir dir;
  {
    auto db = Database::open(dir / "db");
    db->create_table("people", people_schema());
    for (const Record& r : people()) db->table("people").insert_record(r);
  }
  std::string out;
  std::string cli = TESSERA_CLI_PATH;
  REQUIRE(run_command(fmt::format("{} export {} people --format json -o {}", cli, (dir / "db").string(),
                                  (dir / "people.json").string()), out) == 0);
  REQUIRE(run_command(fmt::format("{} export {} people --format json > {}", cli, (dir / "db").string(),
                                  (dir / "stdout.json").string()), out) == 0);
  std::string seen = python(dir, R"py(
import base64, json, math
for name in ("people.json", "stdout.json"):
    doc = json.load(open(name, encoding="utf-8"))
    assert list(doc) == ["table", "exported_at", "count", "columns", "records"], list(doc)
    assert doc["table"] == "people" and doc["count"] == 6 and len(doc["records"]) == 6
    assert [c["name"] for c in doc["columns"]] == ["id", "ok", "n", "x", "s", "data", "at"]
    assert doc["columns"][0]["primary_key"] is True and doc["columns"][3]["type"] == "REAL"
    r = {x["id"]: x for x in doc["records"]}
    assert r[1]["n"] == -2**63 and r[2]["n"] == 2**63 - 1 and r[1]["x"] == "NaN" and r[2]["x"] == "-Infinity"
    assert r[1]["s"] == "h\u00e9llo \U0001F30D, \"q\"" and base64.b64decode(r[1]["data"]) == b"\x00\xff\n"
    assert r[1]["at"] == "2024-05-01T12:00:00.123456Z" and r[3] == {k: None for k in r[3]} | {"id": 3}
    assert math.copysign(1, r[4]["x"]) == -1 and type(r[4]["x"]) is float and r[6]["x"] == 0.1
print("ok", end="")
)py");
  CHECK(seen == "ok");
  // And back in through the command line, into a new database.
  REQUIRE(run_command(fmt::format("{} import {} copy {}", cli, (dir / "db2").string(),
                                  (dir / "people.json").string()), out) == 0);
  CHECK_THAT(out, Catch::Contains("imported 6 rows into table 'copy' (created)"));
}

}  // namespace
