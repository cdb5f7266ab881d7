// The pickle Format plugin, loaded through the plugin registry.
#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/format.h"
#include "tessera/plugin_registry.h"
#include "tessera/text_codec.h"
#include "format_test_util.h"
#include "test_util.h"

namespace {

using namespace tessera;
using Bytes = std::vector<uint8_t>;
using test::same;
using test::VectorSink;

std::unique_ptr<Format> format(const nlohmann::json& options = {}) { return test::make_format("pickle", options); }

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

Timestamp ts(const char* iso) { return *text::parse_timestamp(iso); }

Schema all_types_schema() {
  return Schema({{"id", Type::kInteger, false, true},
                 {"flag", Type::kBoolean},
                 {"n", Type::kInteger},
                 {"x", Type::kReal},
                 {"s", Type::kText},
                 {"data", Type::kBlob},
                 {"at", Type::kTimestamp}});
}

std::vector<Record> edge_records() {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  Blob big(3 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7919 >> 3);
  return {
      {1, true, 0, 0.0, "", Blob{}, Timestamp{0}},
      {2, false, kMin, -0.0, "héllo wörld ✓ 🌍", Blob{0, 1, 2, 255}, Timestamp{-1}},
      {3, Value(), kMax, std::nan(""), std::string("nul\0inside", 10), big, ts("0001-01-01T00:00:00Z")},
      {4, Value(), -1, inf, "x", Blob{0}, ts("9999-12-31T23:59:59.999999Z")},
      {5, Value(), Value(), -inf, Value(), Value(), Value()},
      {6, true, 255, 5e-324, std::string(70000, 'q'), Blob(300, 0xab), ts("2024-05-01T12:00:00.123456Z")},
      {7, false, -129, 1.7976931348623157e308, "\t\"'\\\n", Blob(256, 1), Timestamp{1}},
      {8, true, 65536, -1.5, std::string(256, 'k'), Blob{7}, ts("1969-07-20T20:17:40Z")},
      {9, false, int64_t{1} << 31, 1e-300, "z", Blob{}, Value()},
      {10, true, -(int64_t{1} << 31) - 1, 3.0, "z", Blob{}, Value()},
      {11, true, 4294967296, 0.1, "z", Blob{}, Value()},
      {12, true, -2147483648, 0.1, "z", Blob{}, Value()},
      {13, true, 1, 0.1, "z", Blob{}, Timestamp{kMin}},  // beyond Python's datetime, still ISO text
      {14, true, 1, 0.1, "z", Blob{}, Timestamp{kMax}},
  };
}

Bytes write_table(const Schema& schema, const std::vector<Record>& records) {
  VectorSink sink;
  auto w = format()->new_writer(schema, sink);
  for (const Record& r : records) w->write(r);
  w->finish();
  return sink.bytes;
}

std::vector<Record> read_table(const Schema& schema, const Bytes& bytes, const nlohmann::json& options = {}) {
  MemorySource src(bytes.data(), bytes.size());
  auto r = format(options)->new_reader(schema, src, "t/data_0.pkl");
  std::vector<Record> out;
  Record rec;
  while (r->next(rec)) out.push_back(rec);
  return out;
}

std::vector<Fields> read_documents(const Bytes& bytes, const nlohmann::json& options = {}) {
  MemorySource src(bytes.data(), bytes.size());
  auto r = format(options)->new_document_reader(src, "t/import.pkl");
  std::vector<Fields> out;
  Fields f;
  while (r->next(f)) out.push_back(f);
  return out;
}

// Expects reading bytes as documents to fail with code, the message naming
// the file and containing each of parts.
void require_error(const Bytes& bytes, ErrorCode code, std::vector<std::string> parts,
                   const nlohmann::json& options = {}) {
  try {
    read_documents(bytes, options);
    FAIL("read without error");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == code);
    CHECK_THAT(e.what(), Catch::Contains("t/import.pkl"));
    for (const auto& p : parts) CHECK_THAT(e.what(), Catch::Contains(p));
  }
}

Bytes le64(uint64_t v) {
  Bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

int run_python(const tessera::test::TempDir& dir, const std::string& script, std::string& out) {
  tessera::test::write_file(dir / "script.py", script);
  return tessera::test::run_command(
      fmt::format("cd '{}' && {} script.py", dir.path().string(), tessera::test::kPython), out);
}

Bytes load(const tessera::test::TempDir& dir, const std::string& name) {
  return bytes_of(tessera::test::read_file(dir / name));
}

const Bytes kPrefix = {0x80, 0x04, ']'};  // PROTO 4, EMPTY_LIST

}  // namespace

TEST_CASE("pickle plugin loads", "[pickle]") {
  const auto* info = test::build_plugins().find(ComponentKind::kFormat, "pickle");
  REQUIRE(info);
  CHECK(info->plugin_name == "tessera-pickle");
  CHECK(std::string(format()->name()) == "pickle");
  CHECK(format()->file_extension() == "pkl");
  try {
    format({{"max_memo", 1}});
    FAIL("unknown option accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kConfig);
    CHECK_THAT(e.what(), Catch::Contains("max_memo"));
  }
  CHECK_THROWS_AS(format({{"max_record_bytes", 10}}), Error);
  CHECK_NOTHROW(format({{"max_record_bytes", 4096}, {"max_memo_bytes", 4096}}));
}

TEST_CASE("pickle round-trips every type and edge value", "[pickle]") {
  Schema schema = all_types_schema();
  auto records = edge_records();
  Bytes file = write_table(schema, records);
  CHECK(Bytes(file.begin(), file.begin() + 3) == kPrefix);
  auto back = read_table(schema, file);
  REQUIRE(back.size() == records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i);
    CHECK(same(back[i], records[i]));
  }
  // The document reader sees TIMESTAMP as the ISO text it is stored as.
  auto docs = read_documents(file);
  REQUIRE(docs.size() == records.size());
  CHECK(docs[5][6].first == "at");
  CHECK(same(docs[5][6].second, Value("2024-05-01T12:00:00.123456Z")));
  CHECK(same(docs[1][1].second, Value(false)));
  CHECK(read_table(schema, write_table(schema, {})).empty());
}

TEST_CASE("pickle streams many records in APPENDS batches", "[pickle]") {
  Schema schema({{"id", Type::kInteger, false, true}, {"name", Type::kText}});
  std::vector<Record> records;
  for (int i = 0; i < 4321; ++i) records.push_back({i, fmt::format("name {}", i)});
  Bytes file = write_table(schema, records);
  // A small memo budget is enough: column names stay in use.
  auto back = read_table(schema, file, {{"max_memo_bytes", 1024}});
  REQUIRE(back.size() == records.size());
  CHECK(same(back[4320], records[4320]));
  CHECK(same(back[1000], records[1000]));
}

TEST_CASE("pickle: every truncation is an error after complete records only", "[pickle]") {
  Schema schema({{"id", Type::kInteger, false, true}, {"name", Type::kText}, {"x", Type::kReal}});
  std::vector<Record> records = {{1, "first", 1.5}, {2, Value(), -2.0}, {3, "third", Value()}};
  Bytes file = write_table(schema, records);
  for (size_t cut = 0; cut < file.size(); ++cut) {
    INFO("cut at " << cut);
    Bytes part(file.begin(), file.begin() + cut);
    MemorySource src(part.data(), part.size());
    auto r = format()->new_reader(schema, src, "t/data_0.pkl");
    Record rec;
    size_t n = 0;
    try {
      while (r->next(rec)) {
        REQUIRE(n < records.size());
        CHECK(same(rec, records[n++]));
      }
      FAIL("a truncated file read to a clean end");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kCorruption);
      CHECK_THAT(e.what(), Catch::Contains("t/data_0.pkl"));
    }
  }
  Bytes trailing = file;
  trailing.push_back('.');
  require_error(trailing, ErrorCode::kCorruption, {"after STOP"});
}

TEST_CASE("pickle checks records against the schema", "[pickle]") {
  Schema schema({{"id", Type::kInteger, false, true}, {"name", Type::kText}, {"at", Type::kTimestamp}});
  auto expect = [&](const Bytes& file, const std::string& what) {
    try {
      read_table(schema, file);
      FAIL("read without error");
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(e.code() == ErrorCode::kCorruption);
      CHECK_THAT(e.what(), Catch::Contains("t/data_0.pkl"));
      CHECK_THAT(e.what(), Catch::Contains(what));
    }
  };
  // [{"id": 1, "age": 2}]
  expect(cat({kPrefix, {'}', '(', 0x8c, 2, 'i', 'd', 'K', 1, 0x8c, 3, 'a', 'g', 'e', 'K', 2, 'u', 'a', '.'}}),
         "unknown column 'age'");
  // [{"id": "1"}]
  expect(cat({kPrefix, {'}', 0x8c, 2, 'i', 'd', 0x8c, 1, '1', 's', 'a', '.'}}), "column 'id' holds a str, expected INTEGER");
  // [{"name": "x"}]
  expect(cat({kPrefix, {'}', 0x8c, 4, 'n', 'a', 'm', 'e', 0x8c, 1, 'x', 's', 'a', '.'}}), "NOT NULL column 'id' is missing");
  // [{"id": 1, "at": "yesterday"}]
  expect(cat({kPrefix, {'}', '(', 0x8c, 2, 'i', 'd', 'K', 1, 0x8c, 2, 'a', 't', 0x8c, 9, 'y', 'e', 's', 't', 'e', 'r',
                        'd', 'a', 'y', 'u', 'a', '.'}}),
         "not an ISO 8601 timestamp");
}

TEST_CASE("pickle refuses code opcodes by name and offset", "[pickle]") {
  const std::vector<std::pair<uint8_t, std::string>> code_ops = {
      {'c', "GLOBAL"},  {0x93, "STACK_GLOBAL"}, {'R', "REDUCE"}, {'b', "BUILD"}, {'i', "INST"},
      {'o', "OBJ"},     {0x81, "NEWOBJ"},       {0x92, "NEWOBJ_EX"}, {0x82, "EXT1"}, {0x83, "EXT2"},
      {0x84, "EXT4"},   {'P', "PERSID"},        {'Q', "BINPERSID"}};
  for (const auto& [op, name] : code_ops) {
    INFO(name);
    require_error(cat({kPrefix, {op}, bytes_of("posix\nsystem\n")}), ErrorCode::kUnsupported,
                  {fmt::format("opcode {} (0x{:02x}) at byte offset 3", name, op)});
  }
  require_error(cat({kPrefix, {0xff}}), ErrorCode::kCorruption, {"0xff", "byte offset 3"});
  require_error(cat({kPrefix, {0x8f}}), ErrorCode::kUnsupported, {"EMPTY_SET", "byte offset 3"});
  require_error(cat({kPrefix, {0x97}}), ErrorCode::kUnsupported, {"NEXT_BUFFER"});
}

TEST_CASE("pickle refuses declared lengths beyond the input without allocating", "[pickle]") {
  require_error(cat({kPrefix, {0x8d}, le64(uint64_t{1} << 62), bytes_of("abc")}), ErrorCode::kCorruption,
                {"BINUNICODE8", "byte offset 3"});
  require_error(cat({kPrefix, {0x8e}, le64(~uint64_t{0}), bytes_of("abc")}), ErrorCode::kCorruption, {"BINBYTES8"});
  require_error(cat({kPrefix, {'X', 0xff, 0xff, 0xff, 0x0f}, bytes_of("ab")}), ErrorCode::kCorruption,
                {"truncated", "BINUNICODE", "268435455"});
  require_error(cat({kPrefix, {'B', 0x00, 0x00, 0x00, 0x10}, bytes_of("ab")}), ErrorCode::kCorruption,
                {"truncated", "BINBYTES"});
  require_error(cat({kPrefix, {0x8b, 0xff, 0xff, 0xff, 0x7f, 1}}), ErrorCode::kCorruption, {"LONG4"});
  // Within max_record_bytes, a record larger than the budget is refused.
  require_error(cat({kPrefix, {'(', '}', 0x8c, 1, 'a', 'X', 0x00, 0x20, 0, 0}, Bytes(8192, 'a')}),
                ErrorCode::kCorruption, {"max_record_bytes"}, {{"max_record_bytes", 4096}});
}

TEST_CASE("pickle refuses shapes other than a list of dicts", "[pickle]") {
  // {"a": 1}
  require_error({0x80, 4, '}', 0x8c, 1, 'a', 'K', 1, 's', '.'}, ErrorCode::kUnsupported, {"not a list of dicts"});
  // [1]
  require_error(cat({kPrefix, {'K', 1, 'a', '.'}}), ErrorCode::kUnsupported, {"is a int, not a dict"});
  // [[...]]
  require_error(cat({kPrefix, {']'}}), ErrorCode::kUnsupported, {"nested list", "byte offset 3"});
  // [{"a": {}}]
  require_error(cat({kPrefix, {'}', 0x8c, 1, 'a', '}', 's', 'a', '.'}}), ErrorCode::kUnsupported, {"a dict value is a dict"});
  // [{1: 2}]
  require_error(cat({kPrefix, {'}', 'K', 1, 'K', 2, 's', 'a', '.'}}), ErrorCode::kUnsupported, {"records need str keys"});
  // SETITEM with nothing above its MARK or on the list, and a GET of an
  // unknown memo entry.
  require_error(cat({kPrefix, {'(', 's', '.'}}), ErrorCode::kCorruption, {"stack underflow at SETITEM"});
  require_error(cat({kPrefix, {'s', '.'}}), ErrorCode::kUnsupported, {"SETITEM at byte offset 3 takes the top-level list"});
  require_error(cat({kPrefix, {'h', 9, '.'}}), ErrorCode::kCorruption, {"memo entry 9"});
  require_error(cat({kPrefix, {'e', '.'}}), ErrorCode::kCorruption, {"APPENDS at byte offset 3 has no MARK"});
  require_error(cat({kPrefix, {'(', '.'}}), ErrorCode::kCorruption, {"MARK open"});
  // A record changed through the memo after it was read.
  require_error(cat({kPrefix, {'(', '}', 0x94, 0x8c, 1, 'a', 'K', 1, 's', '}', 'h', 0, 0x8c, 1, 'b', 'K', 2, 's', 'e', '.'}}),
                ErrorCode::kUnsupported, {"changes a record already read"});
  require_error({0x80, 6, ']', '.'}, ErrorCode::kUnsupported, {"protocol 6"});
}

TEST_CASE("pickle reads ints within 64 bits and refuses larger ones", "[pickle]") {
  // [{"a": -1}] with a 9-byte LONG1 that only extends the sign.
  Bytes minus_one = cat({kPrefix, {'}', 0x8c, 1, 'a', 0x8a, 9}, Bytes(9, 0xff), {'s', 'a', '.'}});
  auto docs = read_documents(minus_one);
  REQUIRE(docs.size() == 1);
  CHECK(same(docs[0][0].second, Value(-1)));
  // 2^64 as LONG1, and a protocol 0 LONG beyond int64.
  require_error(cat({kPrefix, {'}', 0x8c, 1, 'a', 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 's', 'a', '.'}}),
                ErrorCode::kUnsupported, {"LONG1 at byte offset 7", "beyond the 64-bit signed range"});
  require_error(bytes_of("(l(dVa\nL99999999999999999999L\nsa."), ErrorCode::kUnsupported,
                {"LONG at byte offset 7", "beyond the 64-bit signed range"});
  require_error(bytes_of("(l(dVa\nI12x\nsa."), ErrorCode::kCorruption, {"INT at byte offset 7", "not an integer"});
}

TEST_CASE("Python reads pickle files as a list of dicts", "[pickle][python]") {
  tessera::test::TempDir dir;
  Schema schema = all_types_schema();
  std::vector<Record> records = {
      {1, true, std::numeric_limits<int64_t>::min(), std::nan(""), "héllo 🌍", Blob{0, 255},
       ts("2024-05-01T12:00:00.123456Z")},
      {2, Value(), std::numeric_limits<int64_t>::max(), -std::numeric_limits<double>::infinity(), "", Blob{},
       ts("1969-12-31T23:59:59Z")},
      {3, false, 70000, 2.0, std::string(300, 'w'), Blob(70000, 9), Value()},
  };
  for (int i = 4; i < 2503; ++i) records.push_back({i, Value(), -i, Value(), Value(), Value(), Value()});
  Bytes file = write_table(schema, records);
  tessera::test::write_file(dir / "data_0.pkl", std::string(file.begin(), file.end()));
  std::string out;
  int rc = run_python(dir, R"(
import datetime, math, pickle
with open("data_0.pkl", "rb") as f:
    rows = pickle.load(f)
assert type(rows) is list and len(rows) == 2502, len(rows)
a, b, c = rows[:3]
assert list(a) == ["id", "flag", "n", "x", "s", "data", "at"]
assert a["id"] == 1 and a["flag"] is True and a["n"] == -2**63 and math.isnan(a["x"])
assert a["s"] == "h\u00e9llo \U0001F30D" and a["data"] == b"\x00\xff"
assert a["at"] == "2024-05-01T12:00:00.123456Z"
assert datetime.datetime.fromisoformat(a["at"]) == datetime.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=datetime.timezone.utc)
assert b == {"id": 2, "flag": None, "n": 2**63 - 1, "x": -math.inf, "s": "", "data": b"", "at": "1969-12-31T23:59:59Z"}, b
assert c == {"id": 3, "flag": False, "n": 70000, "x": 2.0, "s": "w" * 300, "data": bytes([9]) * 70000, "at": None}
assert type(c["x"]) is float
assert rows[-1] == {"id": 2502, "flag": None, "n": -2502, "x": None, "s": None, "data": None, "at": None}
assert all(r["id"] == i + 1 for i, r in enumerate(rows))
print("ok")
)",
                      out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out == "ok\n");
}

TEST_CASE("pickle reads files Python writes with protocols 0 to 5", "[pickle][python]") {
  tessera::test::TempDir dir;
  std::string out;
  int rc = run_python(dir, R"(
import pickle
base = [
    {"id": 1, "name": "Ann", "score": 1.5, "ok": True, "big": 2**63 - 1, "neg": -2**63, "u": "h\u00e9 \U0001F30D", "e": ""},
    {"id": 2, "name": None, "score": 2, "ok": False, "big": 2**40, "neg": -129, "u": "\\u0041\\", "e": "\n"},
    {"id": 3},
]
for p in range(6):
    rows = [dict(r) for r in base]
    if p >= 3:
        rows[0]["data"] = b"\x00\x01\xff"
        rows[1]["data"] = b""
    if p == 5:
        rows[1]["data"] = bytearray(b"ba")
    with open("p%d.pkl" % p, "wb") as f:
        pickle.dump(rows, f, protocol=p)
d = {"id": 5, "name": "same dict twice"}
with open("dup.pkl", "wb") as f:
    pickle.dump([d, {"id": 6, "name": "x"}, d], f, protocol=4)
with open("one.pkl", "wb") as f:
    pickle.dump([{"id": 7}], f, protocol=2)
shared = "shared value " * 20
rows = [{"id": 0, "name": shared}] + [{"id": i, "name": "n%d" % i} for i in range(1, 3000)] + [{"id": 3000, "name": shared}]
with open("shared.pkl", "wb") as f:
    pickle.dump(rows, f, protocol=4)
print("ok")
)",
                      out);
  INFO(out);
  REQUIRE(rc == 0);
  Schema schema({{"id", Type::kInteger, false, true},
                 {"name", Type::kText},
                 {"score", Type::kReal},
                 {"ok", Type::kBoolean},
                 {"big", Type::kInteger},
                 {"neg", Type::kInteger},
                 {"u", Type::kText},
                 {"e", Type::kText},
                 {"data", Type::kBlob}});
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  for (int p = 0; p <= 5; ++p) {
    INFO("protocol " << p);
    auto recs = read_table(schema, load(dir, fmt::format("p{}.pkl", p)));
    REQUIRE(recs.size() == 3);
    Value data0 = p >= 3 ? Value(Blob{0, 1, 255}) : Value();
    Value data1 = p == 5 ? Value(Blob{'b', 'a'}) : p >= 3 ? Value(Blob{}) : Value();
    CHECK(same(recs[0], Record{1, "Ann", 1.5, true, std::numeric_limits<int64_t>::max(), kMin, "hé 🌍", "", data0}));
    CHECK(same(recs[1], Record{2, Value(), 2.0, false, int64_t{1} << 40, -129, "\\u0041\\", "\n", data1}));
    CHECK(same(recs[2], Record{3, Value(), Value(), Value(), Value(), Value(), Value(), Value(), Value()}));
    auto docs = read_documents(load(dir, fmt::format("p{}.pkl", p)));
    REQUIRE(docs.size() == 3);
    CHECK(docs[1][2].first == "score");
    CHECK(same(docs[1][2].second, Value(2)));  // as found: an int
  }
  auto dup = read_table(schema, load(dir, "dup.pkl"));
  REQUIRE(dup.size() == 3);
  CHECK(same(dup[2], dup[0]));
  CHECK(same(dup[2][1], Value("same dict twice")));
  REQUIRE(read_table(schema, load(dir, "one.pkl")).size() == 1);
  // A reference back to an early memo entry: fine by default, refused (and
  // said so) when the memo budget has dropped it.
  Bytes shared = load(dir, "shared.pkl");
  auto all = read_table(schema, shared);
  REQUIRE(all.size() == 3001);
  CHECK(same(all[3000][1], all[0][1]));
  try {
    read_table(schema, shared, {{"max_memo_bytes", 4096}});
    FAIL("read with a dropped memo entry");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == ErrorCode::kUnsupported);
    CHECK_THAT(e.what(), Catch::Contains("max_memo_bytes"));
    CHECK_THAT(e.what(), Catch::Contains("memo entry"));
  }
}

TEST_CASE("pickle refuses a pickle that would call os.system", "[pickle][python]") {
  tessera::test::TempDir dir;
  std::string out;
  // Written by Python, never loaded by it: each file names the opcode and
  // offset where the call begins (pickletools finds them).
  int rc = run_python(dir, R"(
import os, pickle, pickletools
class Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned",))
with open("expected.txt", "w") as out:
    for p in range(6):
        for name, obj in (("bare", Evil()), ("inside", [{"id": 1}, {"id": Evil()}])):
            data = pickle.dumps(obj, protocol=p)
            open("%s%d.pkl" % (name, p), "wb").write(data)
            op, _, pos = next(o for o in pickletools.genops(data) if o[0].name in ("GLOBAL", "STACK_GLOBAL"))
            out.write("%s%d %s %d\n" % (name, p, op.name, pos))
print("ok")
)",
                      out);
  INFO(out);
  REQUIRE(rc == 0);
  std::istringstream expected(tessera::test::read_file(dir / "expected.txt"));
  std::string file, op;
  uint64_t offset;
  int cases = 0;
  while (expected >> file >> op >> offset) {
    INFO(file);
    require_error(load(dir, file + ".pkl"), ErrorCode::kUnsupported,
                  {fmt::format("opcode {} ", op), fmt::format("at byte offset {} ", offset), "refused"});
    ++cases;
  }
  CHECK(cases == 12);
  CHECK_FALSE(std::filesystem::exists(dir / "pwned"));
}
