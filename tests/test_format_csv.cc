// The csv Format plugin, loaded from the build tree like any host would.
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

std::unique_ptr<Format> csv(const nlohmann::json& options = {}) { return test::make_format("csv", options); }

std::vector<Record> read_all(const Format& f, const Schema& s, std::string_view bytes, size_t step = 1 << 20) {
  return test::read_all(f, s, bytes, step, "t.csv");
}

std::string corruption(const Schema& s, std::string_view bytes) {
  return test::corruption(*csv(), s, bytes, "t.csv");
}

std::string config_error(const nlohmann::json& options) {
  try {
    csv(options);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    return e.what();
  }
  return "no error";
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
      {2, false, kMax, std::nan(""), "comma, \"quote\" and \"\"", Blob{0, 255}, Timestamp{0}},
      {3, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
      {4, true, 0, kInf, "lf\ncrlf\r\ncr\rend", blob_of(3), Timestamp{-2208988800000000}},
      {5, false, -1, -kInf, "unicode é ✓ 𝄞", blob_of(300000), Timestamp{1714564800000001}},
      {6, true, 42, 1.0, std::string(100000, 'x'), blob_of(1), Timestamp{-62135596800000000}},
      {7, false, 7, 5e-324, "\"", blob_of(2), Timestamp{253402300799999999}},
      {8, true, 8, 1.7976931348623157e308, " padded ", blob_of(4), Timestamp{1}},
      {9, false, 9, 0.1, "NaN", blob_of(5), Timestamp{-86400000000}},
      {10, true, 10, 123456789012345680000.0, "\n", blob_of(6), Timestamp{951782400000000}},
      {11, false, 11, 2.5, ",", Blob{}, nullptr},
  };
}

}  // namespace

TEST_CASE("csv: the plugin loads with its name, version, extension and options") {
  const ComponentInfo* info = test::build_plugins().find(ComponentKind::kFormat, "csv");
  REQUIRE(info != nullptr);
  CHECK(info->plugin_name == "tessera-csv");
  CHECK(info->plugin_version == "0.1.0");
  auto f = csv();
  CHECK(std::string(f->name()) == "csv");
  CHECK(f->file_extension() == "csv");
  CHECK(f->can_append());
  CHECK(config_error({{"header", false}}) == "format 'csv': unknown option 'header'");
  CHECK_THAT(config_error({{"delimiter", ";;"}}), Catch::Contains("option 'delimiter'"));
  CHECK_THAT(config_error({{"delimiter", "\""}}), Catch::Contains("option 'delimiter'"));
  CHECK_THAT(config_error({{"delimiter", "\n"}}), Catch::Contains("option 'delimiter'"));
  CHECK_THAT(config_error({{"delimiter", 44}}), Catch::Contains("option 'delimiter'"));
  CHECK(config_error({{"delimiter", "\t"}}) == "no error");
}

TEST_CASE("csv: every type and edge value survives a round trip") {
  Schema s = test::every_type_schema();
  auto records = edge_records();
  for (const char* delimiter : {",", ";", "\t", "A"}) {
    INFO("delimiter " << delimiter);
    auto f = csv({{"delimiter", delimiter}});
    std::string bytes = write_all(*f, s, records);
    check_same(read_all(*f, s, bytes), records);
  }
  // Reads of any size: quotes, CRLF pairs and the BOM cross chunk boundaries.
  std::string bytes = write_all(*csv(), s, records);
  check_same(read_all(*csv(), s, bytes, 1), records);
  check_same(read_all(*csv(), s, "\xEF\xBB\xBF" + bytes, 1), records);
  check_same(read_all(*csv(), s, "\xEF\xBB\xBF" + bytes, 2), records);
  check_same(read_all(*csv(), s, bytes, 4093), records);
}

TEST_CASE("csv: the bytes written are the documented encoding") {
  Schema s = test::every_type_schema();
  std::vector<Record> records = {
      {1, true, std::numeric_limits<int64_t>::min(), -0.0, "a,\"b\"\nc", Blob{0, 1}, Timestamp{-1}},
      {2, nullptr, nullptr, std::nan(""), "", nullptr, Timestamp{1714564800000000}},
      {3, false, 7, std::numeric_limits<double>::infinity(), nullptr, Blob{}, nullptr},
      {4, false, 8, -std::numeric_limits<double>::infinity(), " x ", nullptr, nullptr},
      {5, false, 9, 1e100, "é", nullptr, nullptr},
  };
  CHECK(write_all(*csv(), s, records) ==
        "id,b,i,r,t,bl,ts\n"
        "1,true,-9223372036854775808,-0.0,\"a,\"\"b\"\"\nc\",AAE=,1969-12-31T23:59:59.999999Z\n"
        "2,,,NaN,\"\",,2024-05-01T12:00:00Z\n"
        "3,false,7,inf,,\"\",\n"
        "4,false,8,-inf, x ,,\n"
        "5,false,9,1e+100,é,,\n");
  CHECK(write_all(*csv(), s, {}) == "id,b,i,r,t,bl,ts\n");
  CHECK(write_all(*csv({{"delimiter", ";"}}), s, {records[4]}) == "id;b;i;r;t;bl;ts\n5;false;9;1e+100;é;;\n");
}

TEST_CASE("csv: a value the writer refuses leaves no partial record") {
  Schema s = test::every_type_schema();
  StringSink sink;
  auto w = csv()->new_writer(s, sink);
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
  check_same(read_all(*csv(), s, sink.data), want);
}

TEST_CASE("csv: appended rows extend a file, without a second header") {
  Schema s = test::every_type_schema();
  auto records = edge_records();
  std::vector<Record> first(records.begin(), records.begin() + 3), rest(records.begin() + 3, records.end());
  std::string appended = write_all(*csv(), s, rest, true);
  CHECK(appended.find("id,b,i") == std::string::npos);
  check_same(read_all(*csv(), s, write_all(*csv(), s, first) + appended), records);
}

TEST_CASE("csv: the reader accepts other writers' spellings") {
  Schema s = test::every_type_schema();
  std::string bytes =
      "\"id\",\"b\",\"i\",\"r\",\"t\",\"bl\",\"ts\"\r\n"
      "\"1\",TRUE,+5,3,\"multi\r\nline\",\"AAE=\",2024-05-01 14:00:00.5+02:00\r\n"
      "2,False,-0,1E2,x,,2024-05-01\r\n"
      "3,1,0,-Infinity,,,\n";
  auto got = read_all(*csv(), s, bytes);
  REQUIRE(got.size() == 3);
  check_same(got, {{1, true, 5, 3.0, "multi\r\nline", Blob{0, 1}, Timestamp{1714564800500000}},
                   {2, false, 0, 100.0, "x", nullptr, Timestamp{1714521600000000}},
                   {3, true, 0, -std::numeric_limits<double>::infinity(), nullptr, nullptr, nullptr}});
}

TEST_CASE("csv: malformed files are errors naming file, line and column") {
  Schema s = test::every_type_schema();
  const std::string h = "id,b,i,r,t,bl,ts\n";
  const std::string ok = "1,,,,,,\n";
  // Header.
  CHECK(corruption(s, "") == "t.csv:1: missing header row");
  CHECK(corruption(s, "\xEF\xBB\xBF") == "t.csv:1: missing header row");
  CHECK(corruption(s, "id,b,i,r,text,bl,ts\n") == "t.csv:1: column 't': header names 'text' here");
  CHECK(corruption(s, "id,b,i,r,t,bl\n") == "t.csv:1: column 'ts': missing from the header");
  CHECK(corruption(s, h.substr(0, h.size() - 1) + ",x\n") == "t.csv:1: header has the extra field 'x'");
  CHECK(corruption(s, "\xEF\xBB\xBF\xEF\xBB\xBF" + h) == "t.csv:1: column 'id': header names '\xEF\xBB\xBFid' here");
  // Shape of rows.
  CHECK(corruption(s, h + ok + "2,,,,,\n") == "t.csv:3: column 'ts': missing: row has 6 fields, the header 7");
  CHECK(corruption(s, h + ok + "2,,,,,,,\n") == "t.csv:3: row has 8 fields, the header 7");
  CHECK(corruption(s, h + "\n") == "t.csv:2: column 'b': missing: row has 1 fields, the header 7");
  CHECK(corruption(s, h + "1,,,,\"abc\n\n") ==
        "t.csv:2: column 't': unterminated quoted field (truncated file?)");
  CHECK(corruption(s, h + "1,,,,ab\"c,,\n") == "t.csv:2: column 't': quote inside an unquoted field");
  CHECK(corruption(s, h + "1,,,,\"ab\"c,,\n") == "t.csv:2: column 't': unexpected character after a closing quote");
  CHECK(corruption(s, h + "1,,,,a\rb,,\n") == "t.csv:2: carriage return not followed by a line feed");
  CHECK(corruption(s, h + ok + "2,,,,,,") == "t.csv:3: truncated: the last row has no line end");
  // Values, with line numbers counted through quoted line breaks.
  const std::string multi = "1,,,,\"two\nlines\",,\n";
  CHECK(corruption(s, h + multi + "x,,,,,,\n") == "t.csv:4: column 'id': 'x' is not a valid INTEGER");
  CHECK(corruption(s, h + multi + "2,,1.5,,,,\n") == "t.csv:4: column 'i': '1.5' is not a valid INTEGER");
  CHECK(corruption(s, h + "2,,9223372036854775808,,,,\n") ==
        "t.csv:2: column 'i': '9223372036854775808' is not a valid INTEGER");
  CHECK(corruption(s, h + "2,yes,,,,,\n") == "t.csv:2: column 'b': 'yes' is not a valid BOOLEAN");
  CHECK(corruption(s, h + "2,,,1.5x,,,\n") == "t.csv:2: column 'r': '1.5x' is not a valid REAL");
  CHECK(corruption(s, h + "2,,,\"\",,,\n") == "t.csv:2: column 'r': '' is not a valid REAL");
  CHECK(corruption(s, h + "2,,, 1,,,\n") == "t.csv:2: column 'r': ' 1' is not a valid REAL");
  CHECK(corruption(s, h + "2,,,,,AAE,\n") == "t.csv:2: column 'bl': 'AAE' is not a valid BLOB");
  CHECK(corruption(s, h + "2,,,,,,2024-13-01\n") == "t.csv:2: column 'ts': '2024-13-01' is not a valid TIMESTAMP");
  CHECK(corruption(s, h + "2,,,,\"x\xff\",,\n") == "t.csv:2: column 't': not valid UTF-8");
  CHECK(corruption(s, h + ",,,,,,\n") == "t.csv:2: column 'id': NULL in a NOT NULL column");
  CHECK(corruption(s, h + "\"a\nb\",,,,,,\n") == "t.csv:2: column 'id': 'a\nb' is not a valid INTEGER");
  CHECK(corruption(s, h + "1,,,,\"" + std::string(100, 'y') + "\",,\n" + "2,,,,\"\n\n\"\"\",,x\n") ==
        "t.csv:5: column 'ts': 'x' is not a valid TIMESTAMP");
  CHECK(corruption(s, h + "2,,,,,,,\n") == "t.csv:2: row has 8 fields, the header 7");
}

TEST_CASE("csv: a cut anywhere is an error or leaves only whole records") {
  Schema s = test::every_type_schema();
  std::vector<Record> records = {{1, true, -5, 0.5, "a \"q\", b\nc", Blob{1, 2, 3}, Timestamp{-1}},
                                 {2, nullptr, 10, -0.0, "", Blob{}, nullptr},
                                 {3, false, nullptr, std::nan(""), "é\r\n", nullptr, Timestamp{5}},
                                 {44, true, 12, 3.0, "x", nullptr, nullptr}};
  // Record boundaries: the header, then each row as the append writer writes it.
  std::vector<size_t> ends = {write_all(*csv(), s, {}).size()};
  for (const Record& r : records) ends.push_back(ends.back() + write_all(*csv(), s, {r}, true).size());
  std::string bytes = write_all(*csv(), s, records);
  REQUIRE(bytes.size() == ends.back());
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    INFO("cut at " << cut << " of " << bytes.size());
    std::string_view part = std::string_view(bytes).substr(0, cut);
    size_t at = std::find(ends.begin(), ends.end(), cut) - ends.begin();
    if (at < ends.size()) {
      check_same(read_all(*csv(), s, part), {records.begin(), records.begin() + at});
    } else {
      CHECK_THROWS_MATCHES(read_all(*csv(), s, part), Error,
                           Catch::Predicate<Error>([](const Error& e) { return e.code() == ErrorCode::kCorruption; }));
    }
  }
}

TEST_CASE("csv: the document reader gives TEXT under the header's names") {
  std::string bytes = "\xEF\xBB\xBFname,\"a b\",n\r\nAnn,\"x,\ny\",\n\"\",1.5,\"\"\n";
  MemorySource src(bytes.data(), bytes.size());
  auto r = csv()->new_document_reader(src, "d.csv");
  Fields f;
  REQUIRE(r->next(f));
  REQUIRE(f.size() == 3);
  CHECK(f[0].first == "name");
  CHECK(f[1].first == "a b");
  CHECK(f[2].first == "n");
  CHECK(same(f[0].second, "Ann"));
  CHECK(same(f[1].second, "x,\ny"));
  CHECK(f[2].second.is_null());
  REQUIRE(r->next(f));
  CHECK(same(f[0].second, ""));
  CHECK(same(f[1].second, "1.5"));
  CHECK(same(f[2].second, ""));
  CHECK_FALSE(r->next(f));

  auto doc_error = [](std::string text) -> std::string {
    MemorySource src(text.data(), text.size());
    auto r = csv()->new_document_reader(src, "d.csv");
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
  CHECK(doc_error("") == "no error");
  CHECK(doc_error("a,b\n") == "no error");
  CHECK(doc_error("a,b\n1\n") == "d.csv:2: column 'b': missing: row has 1 fields, the header 2");
  CHECK(doc_error("a,b\n1,2,3\n") == "d.csv:2: row has 3 fields, the header 2");
  CHECK(doc_error("a,a\n") == "d.csv:1: column 'a': appears twice in the header");
  CHECK(doc_error("a,,b\n") == "d.csv:1: column 'field 2': empty column name in the header");
  CHECK(doc_error("a,b\n1,2") == "d.csv:2: truncated: the last row has no line end");
  CHECK(doc_error("a,b\n1,\"2\n") == "d.csv:2: column 'b': unterminated quoted field (truncated file?)");
}

TEST_CASE("csv: Python's csv module and pandas read what we write") {
  test::TempDir dir;
  Schema s = test::every_type_schema();
  std::vector<Record> records = {
      {1, true, std::numeric_limits<int64_t>::min(), -0.0, "a,\"b\"\r\nc é 𝄞", Blob{0, 255, 7}, Timestamp{-1}},
      {2, false, std::numeric_limits<int64_t>::max(), std::nan(""), "NA", Blob{}, Timestamp{1714564800000000}},
      {3, nullptr, 3, std::numeric_limits<double>::infinity(), nullptr, nullptr, nullptr},
      {4, true, 4, -std::numeric_limits<double>::infinity(), "x", nullptr, nullptr},
      {5, true, 5, 0.1, " y ", nullptr, nullptr},
      {6, false, 6, 1.0, "", nullptr, nullptr}};
  test::write_file(dir / "data.csv", write_all(*csv(), s, records));
  test::write_file(dir / "check.py", R"PY(
import base64, csv, datetime, math, sys
import pandas as pd
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
assert rows[0] == ["id", "b", "i", "r", "t", "bl", "ts"], rows[0]
assert len(rows) == 7, rows
r = rows[1]
assert r[:3] == ["1", "true", str(-2**63)], r
assert math.copysign(1, float(r[3])) == -1 and float(r[3]) == 0
assert r[4] == "a,\"b\"\r\nc é 𝄞", r[4]
assert base64.b64decode(r[5]) == bytes([0, 255, 7])
assert datetime.datetime.fromisoformat(r[6]) == datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc)
assert int(rows[2][2]) == 2**63 - 1 and math.isnan(float(rows[2][3])) and rows[2][5] == ""
assert float(rows[3][3]) == math.inf and rows[3][1] == "" and float(rows[4][3]) == -math.inf
assert rows[5][4] == " y " and rows[6][4] == ""

df = pd.read_csv(sys.argv[1], keep_default_na=False, na_values=["", "NaN"])
assert str(df["i"].dtype) == "int64" and str(df["r"].dtype) == "float64", df.dtypes
assert df["i"].tolist() == [-2**63, 2**63 - 1, 3, 4, 5, 6]
r = df["r"].tolist()
assert math.copysign(1, r[0]) == -1 and math.isnan(r[1]) and r[2:] == [math.inf, -math.inf, 0.1, 1.0], r
assert df["b"].tolist()[:2] == [True, False] and pd.isna(df["b"][2])
assert df["t"][0] == "a,\"b\"\r\nc é 𝄞" and df["t"][1] == "NA" and df["t"][4] == " y ", df["t"].tolist()
assert pd.to_datetime(df["ts"], utc=True)[1] == pd.Timestamp("2024-05-01T12:00:00Z")
print("ok")
)PY");
  std::string out;
  CHECK(test::run_command(std::string(test::kPython) + " " + (dir / "check.py").string() + " " +
                              (dir / "data.csv").string(),
                          out) == 0);
  CHECK(out == "ok\n");
}

TEST_CASE("csv: we read what Python's csv module and pandas write") {
  test::TempDir dir;
  test::write_file(dir / "write.py", R"PY(
import csv, sys
import numpy as np
import pandas as pd
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)  # excel dialect: CRLF line ends, minimal quoting
    w.writerow(["id", "b", "i", "r", "t", "bl", "ts"])
    w.writerow([1, "true", -2**63, repr(-0.0), "a,\"b\"\nc é 𝄞", "AP8H", "1969-12-31T23:59:59.999999+00:00"])
    w.writerow([2, "false", 2**63 - 1, repr(float("nan")), None, "", "2024-05-01 12:00:00"])
    w.writerow([3, "", "", repr(float("-inf")), "", None, None])
    w.writerow([4, "", "", repr(0.1), "x", None, None])
df = pd.DataFrame({"id": [1, 2, 3], "b": [True, False, True], "r": [np.nan, -0.0, np.inf],
                   "t": ["x,\"y\"\nz", "NA", "é"],
                   "ts": pd.to_datetime(["2024-05-01 12:00:00.5", "1969-12-31 23:59:59", "2000-02-29"])})
df.to_csv(sys.argv[2], index=False)
)PY");
  std::string out;
  REQUIRE(test::run_command(std::string(test::kPython) + " " + (dir / "write.py").string() + " " +
                                (dir / "py.csv").string() + " " + (dir / "pd.csv").string(),
                            out) == 0);
  Schema s = test::every_type_schema();
  check_same(read_all(*csv(), s, test::read_file(dir / "py.csv")),
             {{1, true, std::numeric_limits<int64_t>::min(), -0.0, "a,\"b\"\nc é 𝄞", Blob{0, 255, 7}, Timestamp{-1}},
              // Python's csv writes None and "" alike, as an empty field: NULL.
              {2, false, std::numeric_limits<int64_t>::max(), std::nan(""), nullptr, nullptr,
               Timestamp{1714564800000000}},
              {3, nullptr, nullptr, -std::numeric_limits<double>::infinity(), nullptr, nullptr, nullptr},
              {4, nullptr, nullptr, 0.1, "x", nullptr, nullptr}});
  Schema ps({{.name = "id", .type = Type::kInteger, .primary_key = true},
             {.name = "b", .type = Type::kBoolean},
             {.name = "r", .type = Type::kReal},
             {.name = "t", .type = Type::kText},
             {.name = "ts", .type = Type::kTimestamp}});
  check_same(read_all(*csv(), ps, test::read_file(dir / "pd.csv")),
             {{1, true, nullptr, "x,\"y\"\nz", Timestamp{1714564800500000}},
              {2, false, -0.0, "NA", Timestamp{-1000000}},
              {3, true, std::numeric_limits<double>::infinity(), "é", Timestamp{951782400000000}}});
}
