// The jsonl Format plugin, loaded from the build tree like any host would.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/format.h"
#include "tessera/plugin_registry.h"
#include "format_test_util.h"
#include "test_util.h"

using namespace tessera;
using test::check_same;
using test::same;
using test::StringSink;
using test::write_all;

namespace {

std::unique_ptr<Format> jsonl(const nlohmann::json& options = {}) { return test::make_format("jsonl", options); }

std::vector<Record> read_all(const Format& f, const Schema& s, std::string_view bytes, size_t step = 1 << 20) {
  return test::read_all(f, s, bytes, step, "t.jsonl");
}

std::string corruption(const Schema& s, std::string_view bytes) {
  return test::corruption(*jsonl(), s, bytes, "t.jsonl");
}

Blob blob_of(size_t n) {
  Blob b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 131 + 7);
  return b;
}

std::vector<Record> edge_records() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return {
      {1, true, kMin, -0.0, "", Blob{}, Timestamp{-1}},
      {2, false, kMax, std::nan(""), "quote \" backslash \\ slash /", Blob{0, 255}, Timestamp{0}},
      {3, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
      {4, true, 0, kInf, "ctl \n\r\t\b\f\x01\x1f\x7f end", blob_of(3), Timestamp{-2208988800000000}},
      {5, false, -1, -kInf, "unicode é ✓ 𝄞 \u2028", blob_of(300000), Timestamp{1714564800000001}},
      {6, true, 42, 1.0, std::string(100000, 'x'), blob_of(1), Timestamp{-62135596800000000}},
      {7, false, 7, 5e-324, "{\"not\": \"json\"}", blob_of(2), Timestamp{253402300799999999}},
      {8, true, 8, 1.7976931348623157e308, "null", blob_of(4), Timestamp{1}},
      {9, false, 9, 0.1, "NaN", blob_of(5), Timestamp{-86400000000}},
      {10, true, 10, 123456789012345680000.0, "line\nbreak", blob_of(6), Timestamp{951782400000000}},
  };
}

}  // namespace

TEST_CASE("jsonl: the plugin loads with its name, version and extension") {
  const ComponentInfo* info = test::build_plugins().find(ComponentKind::kFormat, "jsonl");
  REQUIRE(info != nullptr);
  CHECK(info->plugin_name == "tessera-jsonl");
  CHECK(info->plugin_version == "0.1.0");
  auto f = jsonl();
  CHECK(std::string(f->name()) == "jsonl");
  CHECK(f->file_extension() == "jsonl");
  CHECK(f->can_append());
  CHECK_NOTHROW(jsonl(nlohmann::json::object()));
  try {
    jsonl({{"delimiter", ","}});
    FAIL("an unknown option was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    CHECK_THAT(e.what(), Catch::Contains("'delimiter'"));
  }
}

TEST_CASE("jsonl: every type and edge value survives a round trip") {
  Schema s = test::every_type_schema();
  auto records = edge_records();
  std::string bytes = write_all(*jsonl(), s, records);
  check_same(read_all(*jsonl(), s, bytes), records);
  // Reads of any size: lines and the escapes in them cross chunk boundaries.
  check_same(read_all(*jsonl(), s, bytes, 1), records);
  check_same(read_all(*jsonl(), s, bytes, 4093), records);
}

TEST_CASE("jsonl: the bytes written are the documented encoding") {
  Schema s = test::every_type_schema();
  std::vector<Record> records = {
      {1, true, std::numeric_limits<int64_t>::min(), -0.0, "a\"b\\c\n\x01\x7f é", Blob{0, 1}, Timestamp{-1}},
      {2, nullptr, nullptr, std::nan(""), "", nullptr, Timestamp{1714564800000000}},
      {3, false, 7, std::numeric_limits<double>::infinity(), nullptr, Blob{}, nullptr},
      {4, false, 8, -std::numeric_limits<double>::infinity(), "x", nullptr, nullptr},
      {5, false, 9, 1e100, "y", nullptr, nullptr},
      {6, false, 10, 2.5, "z", nullptr, nullptr},
  };
  CHECK(write_all(*jsonl(), s, records) ==
        "{\"id\":1,\"b\":true,\"i\":-9223372036854775808,\"r\":-0.0,\"t\":\"a\\\"b\\\\c\\n\\u0001\x7f é\","
        "\"bl\":\"AAE=\",\"ts\":\"1969-12-31T23:59:59.999999Z\"}\n"
        "{\"id\":2,\"b\":null,\"i\":null,\"r\":\"NaN\",\"t\":\"\",\"bl\":null,\"ts\":\"2024-05-01T12:00:00Z\"}\n"
        "{\"id\":3,\"b\":false,\"i\":7,\"r\":\"Infinity\",\"t\":null,\"bl\":\"\",\"ts\":null}\n"
        "{\"id\":4,\"b\":false,\"i\":8,\"r\":\"-Infinity\",\"t\":\"x\",\"bl\":null,\"ts\":null}\n"
        "{\"id\":5,\"b\":false,\"i\":9,\"r\":1e+100,\"t\":\"y\",\"bl\":null,\"ts\":null}\n"
        "{\"id\":6,\"b\":false,\"i\":10,\"r\":2.5,\"t\":\"z\",\"bl\":null,\"ts\":null}\n");
}

TEST_CASE("jsonl: a value the writer refuses leaves no partial record") {
  Schema s = test::every_type_schema();
  StringSink sink;
  auto w = jsonl()->new_writer(s, sink);
  w->write(Record{1, true, 1, 1.5, "a", nullptr, nullptr});
  try {
    w->write(Record{2, true, 2, 2.5, Blob{1}, nullptr, nullptr});  // a BLOB in the TEXT column
    FAIL("a BLOB was written into a TEXT column");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(e.what(), Catch::Contains("column 't': expected TEXT, got BLOB"));
  }
  // Year -1: written only if its text reads back, else refused as unsupported.
  const Timestamp year_minus_1{-62198755200000000};
  bool written = true;
  try {
    w->write(Record{3, true, 3, 3.5, "c", nullptr, year_minus_1});
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kUnsupported);
    CHECK_THAT(e.what(), Catch::Contains("column 'ts'"));
    written = false;
  }
  w->write(Record{4, true, 4, 4.5, "d", nullptr, nullptr});
  w->finish();
  std::vector<Record> want = {{1, true, 1, 1.5, "a", nullptr, nullptr}};
  if (written) want.push_back({3, true, 3, 3.5, "c", nullptr, year_minus_1});
  want.push_back({4, true, 4, 4.5, "d", nullptr, nullptr});
  check_same(read_all(*jsonl(), s, sink.data), want);
}

TEST_CASE("jsonl: appended lines extend a file") {
  Schema s = test::every_type_schema();
  auto records = edge_records();
  std::vector<Record> first(records.begin(), records.begin() + 3), rest(records.begin() + 3, records.end());
  std::string bytes = write_all(*jsonl(), s, first) + write_all(*jsonl(), s, rest, true);
  check_same(read_all(*jsonl(), s, bytes), records);
  CHECK(write_all(*jsonl(), s, {}).empty());
  CHECK(read_all(*jsonl(), s, "").empty());
}

TEST_CASE("jsonl: the reader accepts other writers' spellings") {
  Schema s = test::every_type_schema();
  // Any key order, missing keys as NULL, spaces, CRLF, blank lines, \u escapes,
  // integers in a REAL column, timestamps with an offset.
  std::string bytes =
      "{ \"ts\" : \"2024-05-01T14:00:00+02:00\", \"id\" : 1 , \"r\": 3 }\r\n"
      "\n"
      "   \t\r\n"
      "{\"id\":2,\"t\":\"\\u00e9\\ud834\\udd1e\\/\",\"r\":-0,\"i\":-0}\n"
      "{\"id\":3,\"r\":1E2,\"b\":false}";  // a complete last line without '\n'
  auto got = read_all(*jsonl(), s, bytes);
  REQUIRE(got.size() == 3);
  CHECK(same(got[0][6], Timestamp{1714564800000000}));
  CHECK(same(got[0][3], 3.0));
  CHECK(got[0][4].is_null());
  CHECK(same(got[1][4], "é𝄞/"));
  CHECK(same(got[1][3], 0.0));  // JSON -0 is an integer: the REAL is +0.0
  CHECK(same(got[1][2], 0));
  CHECK(same(got[2][3], 100.0));
  CHECK(same(got[2][1], false));
}

TEST_CASE("jsonl: malformed lines are errors naming file, line and column") {
  Schema s = test::every_type_schema();
  const std::string ok = "{\"id\":1}\n";
  CHECK(corruption(s, ok + "{\"id\":2,\"i\":1.5}\n") == "t.jsonl:2: column 'i': expected an integer, got 1.5");
  CHECK(corruption(s, "{\"id\":2,\"zz\":1}\n") == "t.jsonl:1: column 'zz': not a column of the table");
  CHECK(corruption(s, "{\"id\":2,\"t\":\"a\",\"t\":\"b\"}\n") == "t.jsonl:1: column 't': appears twice");
  CHECK(corruption(s, ok + "\n[1,2]\n") == "t.jsonl:3: line is not a JSON object");
  CHECK(corruption(s, "42\n") == "t.jsonl:1: line is not a JSON object");
  CHECK(corruption(s, "{\"id\":\"1\"}\n") == "t.jsonl:1: column 'id': expected INTEGER, got a string");
  CHECK(corruption(s, "{\"id\":1,\"r\":true}\n") == "t.jsonl:1: column 'r': expected REAL, got a boolean");
  CHECK(corruption(s, "{\"id\":1,\"r\":\"nan\"}\n") ==
        "t.jsonl:1: column 'r': expected a number, got the string 'nan'");
  CHECK(corruption(s, "{\"id\":1,\"t\":{\"a\":1}}\n") == "t.jsonl:1: column 't': expected TEXT, got an object");
  CHECK(corruption(s, "{\"id\":1,\"bl\":[1]}\n") == "t.jsonl:1: column 'bl': expected BLOB, got an array");
  CHECK(corruption(s, "{\"id\":1,\"b\":1}\n") == "t.jsonl:1: column 'b': expected BOOLEAN, got an integer");
  CHECK(corruption(s, "{\"id\":1,\"ts\":12}\n") == "t.jsonl:1: column 'ts': expected TIMESTAMP, got an integer");
  CHECK(corruption(s, "{\"id\":9223372036854775808}\n") ==
        "t.jsonl:1: column 'id': 9223372036854775808 is out of the INTEGER range");
  CHECK(corruption(s, "{\"id\":-9223372036854775809}\n") ==
        "t.jsonl:1: column 'id': expected an integer, got -9223372036854775809");
  CHECK(corruption(s, "{\"id\":1,\"bl\":\"AAE\"}\n") == "t.jsonl:1: column 'bl': invalid base64");
  CHECK(corruption(s, "{\"id\":1,\"ts\":\"2024-02-30\"}\n") ==
        "t.jsonl:1: column 'ts': '2024-02-30' is not an ISO 8601 timestamp");
  CHECK(corruption(s, "{\"id\":1,\"ts\":\"" + std::string(100, 'y') + "\"}\n") ==
        "t.jsonl:1: column 'ts': '" + std::string(40, 'y') + "...' is not an ISO 8601 timestamp");
  CHECK(corruption(s, ok + "{\"t\":\"x\"}\n") == "t.jsonl:2: column 'id': NULL or missing in a NOT NULL column");
  CHECK(corruption(s, "{\"id\":null}\n") == "t.jsonl:1: column 'id': NULL or missing in a NOT NULL column");
  // Syntax errors: inside a value they name its column.
  CHECK_THAT(corruption(s, ok + ok + "{\"id\":3,\"t\":\"abc}\n"),
             Catch::StartsWith("t.jsonl:3: column 't': invalid JSON: "));
  CHECK_THAT(corruption(s, "{\"id\":1,\"t\":\"\xff\"}\n"), Catch::StartsWith("t.jsonl:1: column 't': invalid JSON: "));
  CHECK_THAT(corruption(s, "{\"id\":1,\"r\":1e400}\n"), Catch::StartsWith("t.jsonl:1: column 'r': invalid JSON: "));
  CHECK_THAT(corruption(s, "{\"id\":1,\"r\":NaN}\n"), Catch::StartsWith("t.jsonl:1: column 'r': invalid JSON: "));
  CHECK_THAT(corruption(s, "{\"id\":1} x\n"), Catch::StartsWith("t.jsonl:1: invalid JSON: "));
  CHECK_THAT(corruption(s, "{\"id\":1,,}\n"), Catch::StartsWith("t.jsonl:1: invalid JSON: "));
  CHECK_THAT(corruption(s, ok + "{\"id\":2,\"t\":\"ab"),
             Catch::StartsWith("t.jsonl:2: column 't': truncated: last line has no line end"));
}

TEST_CASE("jsonl: a cut anywhere is an error or leaves only whole records") {
  Schema s = test::every_type_schema();
  std::vector<Record> records = {{1, true, -5, 0.5, "a \"q\" \\", Blob{1, 2, 3}, Timestamp{-1}},
                                 {2, nullptr, 10, -0.0, "", Blob{}, nullptr},
                                 {3, false, nullptr, std::nan(""), "é\n", nullptr, Timestamp{5}}};
  std::string bytes = write_all(*jsonl(), s, records);
  // Where each record's text ends (before its '\n').
  std::vector<size_t> ends;
  for (size_t pos = 0; (pos = bytes.find("}\n", pos)) != std::string::npos; ++pos) ends.push_back(pos + 1);
  REQUIRE(ends.size() == records.size());
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    INFO("cut at " << cut << " of " << bytes.size());
    size_t whole = 0;
    bool boundary = cut == 0;
    for (size_t e : ends) {
      if (e <= cut) ++whole;
      boundary = boundary || cut == e || cut == e + 1;
    }
    std::string_view part = std::string_view(bytes).substr(0, cut);
    if (boundary) {
      check_same(read_all(*jsonl(), s, part), {records.begin(), records.begin() + whole});
    } else {
      CHECK_THROWS_MATCHES(read_all(*jsonl(), s, part), Error,
                           Catch::Predicate<Error>([](const Error& e) { return e.code() == ErrorCode::kCorruption; }));
    }
  }
}

TEST_CASE("jsonl: the document reader types values as the JSON has them") {
  std::string bytes =
      "{\"z\":1,\"a\":1.5,\"s\":\"x\",\"b\":true,\"n\":null,\"big\":9223372036854775807,\"f\":2.0}\n"
      "\n"
      "{}\n";
  MemorySource src(bytes.data(), bytes.size());
  auto r = jsonl()->new_document_reader(src, "d.jsonl");
  Fields f;
  REQUIRE(r->next(f));
  REQUIRE(f.size() == 7);
  CHECK(f[0].first == "z");
  CHECK(same(f[0].second, 1));
  CHECK(f[1].first == "a");
  CHECK(same(f[1].second, 1.5));
  CHECK(same(f[2].second, "x"));
  CHECK(same(f[3].second, true));
  CHECK(f[4].second.is_null());
  CHECK(same(f[5].second, std::numeric_limits<int64_t>::max()));
  CHECK(same(f[6].second, 2.0));
  REQUIRE(r->next(f));
  CHECK(f.empty());
  CHECK_FALSE(r->next(f));

  auto doc_error = [](std::string text) -> std::string {
    MemorySource src(text.data(), text.size());
    auto r = jsonl()->new_document_reader(src, "d.jsonl");
    Fields f;
    try {
      while (r->next(f)) {
      }
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kCorruption);
      return e.what();
    }
    return "no error";
  };
  CHECK(doc_error("{\"a\":1}\n{\"a\":{\"b\":1}}\n") == "d.jsonl:2: column 'a': nested objects are not supported");
  CHECK(doc_error("{\"a\":[1]}\n") == "d.jsonl:1: column 'a': arrays are not supported");
  CHECK(doc_error("{\"a\":1,\"a\":2}\n") == "d.jsonl:1: column 'a': appears twice");
  CHECK(doc_error("\"a\"\n") == "d.jsonl:1: line is not a JSON object");
  CHECK(doc_error("{\"a\":18446744073709551615}\n") ==
        "d.jsonl:1: column 'a': 18446744073709551615 is out of the INTEGER range");
  CHECK_THAT(doc_error("{\"a\":1}\n{\"a\":"), Catch::StartsWith("d.jsonl:2: column 'a': truncated"));
}

TEST_CASE("jsonl: Python's json and jq read what we write") {
  test::TempDir dir;
  Schema s = test::every_type_schema();
  std::vector<Record> records = {
      {1, true, std::numeric_limits<int64_t>::min(), -0.0, "a\"b\\c\n\x01 é 𝄞", Blob{0, 255, 7}, Timestamp{-1}},
      {2, false, std::numeric_limits<int64_t>::max(), std::nan(""), "", Blob{}, Timestamp{1714564800000000}},
      {3, nullptr, nullptr, std::numeric_limits<double>::infinity(), nullptr, nullptr, nullptr},
      {4, true, 1, 0.1, "x", nullptr, nullptr},
      {5, true, 2, 1.0, "y", nullptr, nullptr}};
  test::write_file(dir / "data.jsonl", write_all(*jsonl(), s, records));
  test::write_file(dir / "check.py", R"PY(
import base64, datetime, json, math, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 5, rows
r = rows[0]
assert list(r) == ["id", "b", "i", "r", "t", "bl", "ts"], list(r)
assert r["id"] == 1 and r["b"] is True and r["i"] == -2**63
assert isinstance(r["r"], float) and r["r"] == 0.0 and math.copysign(1, r["r"]) == -1
assert r["t"] == "a\"b\\c\n\x01 é 𝄞", r["t"]
assert base64.b64decode(r["bl"]) == bytes([0, 255, 7])
ts = datetime.datetime.fromisoformat(r["ts"])
assert ts == datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc), ts
r = rows[1]
assert r["b"] is False and r["i"] == 2**63 - 1 and math.isnan(float(r["r"])) and r["t"] == "" and r["bl"] == ""
assert datetime.datetime.fromisoformat(r["ts"]).timestamp() == 1714564800
r = rows[2]
assert float(r["r"]) == math.inf and all(r[k] is None for k in ["b", "i", "t", "bl", "ts"])
assert rows[3]["r"] == 0.1 and isinstance(rows[4]["r"], float) and rows[4]["r"] == 1.0
print("ok")
)PY");
  std::string out;
  CHECK(test::run_command(std::string(test::kPython) + " " + (dir / "check.py").string() + " " +
                              (dir / "data.jsonl").string(),
                          out) == 0);
  CHECK(out == "ok\n");
  // jq 1.6 holds numbers as doubles, so only values within 2^53 are compared.
  CHECK(test::run_command("jq -c '[.id, .b, .r, .t, .ts]' " + (dir / "data.jsonl").string(), out) == 0);
  CHECK(out ==
        "[1,true,-0,\"a\\\"b\\\\c\\n\\u0001 é 𝄞\",\"1969-12-31T23:59:59.999999Z\"]\n"
        "[2,false,\"NaN\",\"\",\"2024-05-01T12:00:00Z\"]\n"
        "[3,null,\"Infinity\",null,null]\n"
        "[4,true,0.1,\"x\",null]\n"
        "[5,true,1,\"y\",null]\n");
}

TEST_CASE("jsonl: we read what Python's json writes") {
  test::TempDir dir;
  test::write_file(dir / "write.py", R"PY(
import json, sys
rows = [
    {"id": 1, "b": True, "i": -2**63, "r": -0.0, "t": "a\"b\n\x01é𝄞", "bl": "AP8H", "ts": "1969-12-31T23:59:59.999999+00:00"},
    {"id": 2, "b": None, "i": 2**63 - 1, "r": "NaN", "t": "", "ts": "2024-05-01T12:00:00Z"},
    {"ts": None, "r": "-Infinity", "id": 3, "t": "ascii escaped é"},
    {"id": 4, "r": 0.1, "i": 5},
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i, r in enumerate(rows):
        f.write(json.dumps(r, ensure_ascii=(i == 2)) + "\n")
)PY");
  std::string out;
  REQUIRE(test::run_command(std::string(test::kPython) + " " + (dir / "write.py").string() + " " +
                                (dir / "py.jsonl").string(),
                            out) == 0);
  std::string bytes = test::read_file(dir / "py.jsonl");
  CHECK(bytes.find("\\u00e9") != std::string::npos);  // ensure_ascii really escaped something
  Schema s = test::every_type_schema();
  check_same(read_all(*jsonl(), s, bytes),
             {{1, true, std::numeric_limits<int64_t>::min(), -0.0, "a\"b\n\x01é𝄞", Blob{0, 255, 7}, Timestamp{-1}},
              {2, nullptr, std::numeric_limits<int64_t>::max(), std::nan(""), "", nullptr, Timestamp{1714564800000000}},
              {3, nullptr, nullptr, -std::numeric_limits<double>::infinity(), "ascii escaped é", nullptr, nullptr},
              {4, nullptr, 5, 0.1, nullptr, nullptr, nullptr}});
}
