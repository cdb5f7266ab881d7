// The msgpack_lz4 Format plugin, loaded through the plugin registry.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
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

std::unique_ptr<Format> format(const nlohmann::json& options = {}) { return test::make_format("msgpack_lz4", options); }

Schema all_types_schema() {
  return Schema({{"id", Type::kInteger, false, true},
                 {"flag", Type::kBoolean},
                 {"n", Type::kInteger},
                 {"x", Type::kReal},
                 {"s", Type::kText},
                 {"data", Type::kBlob},
                 {"at", Type::kTimestamp}});
}

Timestamp ts(const char* iso) { return *text::parse_timestamp(iso); }

std::vector<Record> edge_records() {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  Blob big(3 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7919 >> 3);
  return {
      {1, true, 0, 0.0, "", Blob{}, Timestamp{0}},
      {2, false, kMin, -0.0, "héllo wörld ✓ 🌍", Blob{0, 1, 2, 255}, Timestamp{-1}},
      {3, Value(), kMax, std::nan(""), std::string("nul\0inside", 10), big, Timestamp{kMin}},
      {4, Value(), -1, inf, "x", Blob{0}, Timestamp{kMax}},
      {5, Value(), Value(), -inf, Value(), Value(), Value()},
      {6, true, 255, 5e-324, std::string(70000, 'q'), Blob(300, 0xab), ts("2024-05-01T12:00:00.123456Z")},
      {7, false, -129, 1.7976931348623157e308, "\t\"'\\\n", Blob{}, Timestamp{(int64_t{1} << 34) * 1000000}},
      {8, true, 65536, -1.5, "z", Blob{7}, Timestamp{(int64_t{1} << 32) * 1000000 - 1}},
  };
}

Bytes write_file(const Schema& schema, const std::vector<Record>& records,
                 const nlohmann::json& options = {}) {
  VectorSink sink;
  auto w = format(options)->new_writer(schema, sink);
  for (const Record& r : records) w->write(r);
  w->finish();
  return sink.bytes;
}

std::vector<Record> read_file(const Schema& schema, const Bytes& bytes, const nlohmann::json& options = {}) {
  MemorySource src(bytes.data(), bytes.size());
  auto r = format(options)->new_reader(schema, src, "t/data_0.tmpk");
  std::vector<Record> out;
  Record rec;
  while (r->next(rec)) out.push_back(rec);
  return out;
}

// Expects reading to fail with code, naming the file and mentioning what.
void require_read_error(const Schema& schema, const Bytes& bytes, ErrorCode code, const std::string& what,
                        const nlohmann::json& options = {}) {
  try {
    read_file(schema, bytes, options);
    FAIL("read without error");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == code);
    CHECK_THAT(e.what(), Catch::Contains("t/data_0.tmpk"));
    CHECK_THAT(e.what(), Catch::Contains(what));
  }
}

// A file of the format holding raw MessagePack bytes, framed by the lz4
// compressor plugin (any LZ4 frame will do).
Bytes file_with_body(const Bytes& msgpack_bytes) {
  Bytes out = {0x89, 'T', 'M', 'P', 'K', '\r', '\n', 0x1a, 1, 0, 0, 0, 0, 0, 0, 0};
  test::build_plugins().make_compressor("lz4", {})->compress(msgpack_bytes, out);
  return out;
}

Schema small_schema() {
  return Schema({{"id", Type::kInteger, false, true}, {"name", Type::kText}, {"score", Type::kReal}});
}

// {"id": 1, "name": "a"} in MessagePack.
const Bytes kSmallMap = {0x82, 0xa2, 'i', 'd', 0x01, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'a'};

int run_python(const tessera::test::TempDir& dir, const std::string& script, std::string& out) {
  tessera::test::write_file(dir / "script.py", script);
  return tessera::test::run_command(
      fmt::format("cd '{}' && {} script.py", dir.path().string(), tessera::test::kPython), out);
}

}  // namespace

TEST_CASE("msgpack_lz4 plugin loads", "[msgpack_lz4]") {
  const auto* info = test::build_plugins().find(ComponentKind::kFormat, "msgpack_lz4");
  REQUIRE(info);
  CHECK(info->plugin_name == "tessera-msgpack-lz4");
  CHECK(std::string(format()->name()) == "msgpack_lz4");
  CHECK(format()->file_extension() == "tmpk");
  CHECK_FALSE(format()->can_append());
  CHECK_THROWS_MATCHES(format({{"levle", 1}}), Error, Catch::Matchers::Predicate<Error>([](const Error& e) {
                         return e.code() == ErrorCode::kConfig && std::string(e.what()).find("levle") != std::string::npos;
                       }));
  CHECK_THROWS_AS(format({{"level", 13}}), Error);
  CHECK_NOTHROW(format({{"level", 9}, {"max_record_bytes", 4096}}));
}

TEST_CASE("msgpack_lz4 round-trips every type and edge value", "[msgpack_lz4]") {
  auto level = GENERATE(0, 9);
  Schema schema = all_types_schema();
  auto records = edge_records();
  Bytes file = write_file(schema, records, {{"level", level}});
  auto back = read_file(schema, file);
  REQUIRE(back.size() == records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i);
    CHECK(same(back[i], records[i]));
  }
}

TEST_CASE("msgpack_lz4 header is as documented", "[msgpack_lz4]") {
  Bytes file = write_file(small_schema(), {});
  REQUIRE(file.size() > 20);
  CHECK(Bytes(file.begin(), file.begin() + 16) ==
        Bytes{0x89, 0x54, 0x4d, 0x50, 0x4b, 0x0d, 0x0a, 0x1a, 1, 0, 0, 0, 0, 0, 0, 0});
  CHECK(Bytes(file.begin() + 16, file.begin() + 20) == Bytes{0x04, 0x22, 0x4d, 0x18});  // LZ4 frame magic
  CHECK(read_file(small_schema(), file).empty());
}

TEST_CASE("msgpack_lz4 streams many records", "[msgpack_lz4]") {
  Schema schema = small_schema();
  std::vector<Record> records;
  for (int i = 0; i < 30000; ++i) records.push_back({i, fmt::format("name {}", i * 7), i / 3.0});
  Bytes file = write_file(schema, records);
  auto back = read_file(schema, file);
  REQUIRE(back.size() == records.size());
  CHECK(same(back.back(), records.back()));
  CHECK(same(back[12345], records[12345]));
}

TEST_CASE("msgpack_lz4 refuses bad headers, saying what it found", "[msgpack_lz4]") {
  Schema schema = small_schema();
  Bytes good = write_file(schema, {{1, "a", 1.0}});
  Bytes bad_magic = good;
  bad_magic[1] = 'X';
  require_read_error(schema, bad_magic, ErrorCode::kCorruption, "starts with [89 58 4d");
  Bytes json = {'{', '"', 'i', 'd', '"', ':', '1', '}', '\n', 0, 0, 0, 0, 0, 0, 0, 0};
  require_read_error(schema, json, ErrorCode::kCorruption, "not a msgpack_lz4 file");
  Bytes v2 = good;
  v2[8] = 2;
  require_read_error(schema, v2, ErrorCode::kUnsupported, "version 2");
  Bytes flags = good;
  flags[9] = 0x80;
  require_read_error(schema, flags, ErrorCode::kUnsupported, "flags 0x80");
  Bytes reserved = good;
  reserved[12] = 1;
  require_read_error(schema, reserved, ErrorCode::kCorruption, "reserved");
  require_read_error(schema, Bytes{}, ErrorCode::kCorruption, "not a msgpack_lz4 file");
  require_read_error(schema, Bytes(good.begin(), good.begin() + 12), ErrorCode::kCorruption, "truncated header");
  require_read_error(schema, Bytes(good.begin(), good.begin() + 16), ErrorCode::kCorruption, "no LZ4 frame");
  Bytes trailing = good;
  trailing.push_back(0);
  require_read_error(schema, trailing, ErrorCode::kCorruption, "after the end of the LZ4 frame");
  Bytes damaged = good;
  damaged[damaged.size() - 6] ^= 0x10;
  require_read_error(schema, damaged, ErrorCode::kCorruption, "msgpack_lz4");
}

TEST_CASE("msgpack_lz4: every truncation is an error after complete records only", "[msgpack_lz4]") {
  Schema schema = small_schema();
  std::vector<Record> records = {{1, "first", 1.5}, {2, Value(), -2.0}, {3, "third", Value()}};
  Bytes file = write_file(schema, records);
  for (size_t cut = 0; cut < file.size(); ++cut) {
    INFO("cut at " << cut);
    Bytes part(file.begin(), file.begin() + cut);
    MemorySource src(part.data(), part.size());
    auto r = format()->new_reader(schema, src, "t/data_0.tmpk");
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
      CHECK_THAT(e.what(), Catch::Contains("t/data_0.tmpk"));
    }
  }
}

TEST_CASE("msgpack_lz4 checks records against the schema", "[msgpack_lz4]") {
  Schema schema = small_schema();
  // {"id": 1, "name": "a", "age": 3}
  Bytes unknown = {0x83, 0xa2, 'i', 'd', 0x01, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'a', 0xa3, 'a', 'g', 'e', 0x03};
  require_read_error(schema, file_with_body(unknown), ErrorCode::kCorruption, "unknown column 'age'");
  // {"id": "1"}
  Bytes wrong_type = {0x81, 0xa2, 'i', 'd', 0xa1, '1'};
  require_read_error(schema, file_with_body(wrong_type), ErrorCode::kCorruption, "column 'id' holds a MessagePack str");
  // {"name": "a"}: the NOT NULL key column is missing
  Bytes missing = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'a'};
  require_read_error(schema, file_with_body(missing), ErrorCode::kCorruption, "NOT NULL column 'id' is missing");
  // A missing nullable column reads as NULL; an int is accepted for REAL.
  Bytes with_int = kSmallMap;
  with_int[0] = 0x83;
  with_int.insert(with_int.end(), {0xa5, 's', 'c', 'o', 'r', 'e', 0x07});
  Bytes both = kSmallMap;
  both.insert(both.end(), with_int.begin(), with_int.end());
  auto recs = read_file(schema, file_with_body(both));
  REQUIRE(recs.size() == 2);
  CHECK(same(recs[0], Record{1, "a", Value()}));
  CHECK(same(recs[1], Record{1, "a", 7.0}));
  // A top-level value that is not a map, and invalid UTF-8 in a str.
  require_read_error(schema, file_with_body({0x05}), ErrorCode::kCorruption, "not a map");
  Bytes bad_utf8 = {0x82, 0xa2, 'i', 'd', 0x01, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 0xff};
  require_read_error(schema, file_with_body(bad_utf8), ErrorCode::kCorruption, "not UTF-8");
  require_read_error(schema, file_with_body({0xc1}), ErrorCode::kCorruption, "malformed");
}

TEST_CASE("msgpack_lz4 refuses hostile sizes without allocating", "[msgpack_lz4]") {
  Schema schema = small_schema();
  // A map claiming 2^32 - 1 pairs, a str and a bin claiming 4 GiB - 1 bytes.
  require_read_error(schema, file_with_body({0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a'}), ErrorCode::kCorruption,
                     "record 1");
  require_read_error(schema, file_with_body({0x81, 0xa1, 's', 0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}),
                     ErrorCode::kCorruption, "truncated");
  require_read_error(schema, file_with_body({0x81, 0xa1, 's', 0xc6, 0xff, 0xff, 0xff, 0xff, 'a'}),
                     ErrorCode::kCorruption, "truncated");
  // A record larger than max_record_bytes is refused.
  Bytes big = write_file(schema, {{1, std::string(5000, 'x'), 1.0}});
  require_read_error(schema, big, ErrorCode::kCorruption, "max_record_bytes", {{"max_record_bytes", 2048}});
  CHECK(read_file(schema, big, {{"max_record_bytes", 8192}}).size() == 1);
}

TEST_CASE("msgpack_lz4 document reader yields names and values as found", "[msgpack_lz4]") {
  Schema schema = all_types_schema();
  auto records = edge_records();
  Bytes file = write_file(schema, records);
  MemorySource src(file.data(), file.size());
  auto r = format()->new_document_reader(src, "doc.tmpk");
  Fields f;
  size_t n = 0;
  while (r->next(f)) {
    REQUIRE(n < records.size());
    REQUIRE(f.size() == schema.size());
    for (size_t i = 0; i < f.size(); ++i) {
      CHECK(f[i].first == schema[i].name);
      INFO("record " << n << " column " << i << ": " << f[i].second.to_string());
      CHECK(same(f[i].second, records[n][i]));
    }
    ++n;
  }
  CHECK(n == records.size());
  // Nested values cannot be stored.
  Bytes nested = {0x81, 0xa1, 'a', 0x91, 0x01};
  Bytes bytes = file_with_body(nested);
  MemorySource src2(bytes.data(), bytes.size());
  auto r2 = format()->new_document_reader(src2, "doc.tmpk");
  CHECK_THROWS_MATCHES(r2->next(f), Error, Catch::Matchers::Predicate<Error>([](const Error& e) {
                         return e.code() == ErrorCode::kUnsupported &&
                                std::string(e.what()).find("key 'a' holds a MessagePack array") != std::string::npos;
                       }));
}

TEST_CASE("Python reads msgpack_lz4 files as documented", "[msgpack_lz4][python]") {
  tessera::test::TempDir dir;
  Schema schema = all_types_schema();
  std::vector<Record> records = {
      {1, true, std::numeric_limits<int64_t>::min(), std::nan(""), "héllo 🌍", Blob{0, 255}, ts("2024-05-01T12:00:00.123456Z")},
      {2, Value(), std::numeric_limits<int64_t>::max(), -std::numeric_limits<double>::infinity(), "", Blob{},
       ts("1969-12-31T23:59:59.5Z")},
      {3, false, Value(), 2.0, Value(), Value(), Value()},
  };
  Bytes file = write_file(schema, records);
  tessera::test::write_file(dir / "data_0.tmpk", std::string(file.begin(), file.end()));
  std::string out;
  int rc = run_python(dir, R"(
import datetime, math, msgpack, lz4.frame
utc = datetime.timezone.utc
with open("data_0.tmpk", "rb") as f:
    header = f.read(16)
    assert header[:8] == b"\x89TMPK\r\n\x1a" and header[8] == 1, header
    rows = list(msgpack.Unpacker(lz4.frame.LZ4FrameFile(f), raw=False, timestamp=3))
assert len(rows) == 3
a, b, c = rows
assert list(a) == ["id", "flag", "n", "x", "s", "data", "at"]
assert a["id"] == 1 and a["flag"] is True and a["n"] == -2**63 and math.isnan(a["x"])
assert a["s"] == "h\u00e9llo \U0001F30D" and a["data"] == b"\x00\xff"
assert a["at"] == datetime.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=utc), a["at"]
assert b["flag"] is None and b["n"] == 2**63 - 1 and b["x"] == -math.inf and b["s"] == "" and b["data"] == b""
assert b["at"] == datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=utc), b["at"]
assert c == {"id": 3, "flag": False, "n": None, "x": 2.0, "s": None, "data": None, "at": None}, c
assert type(c["x"]) is float  # an integral REAL stays a float
print("ok")
)",
                      out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out == "ok\n");
}

TEST_CASE("msgpack_lz4 reads files written by Python", "[msgpack_lz4][python]") {
  tessera::test::TempDir dir;
  std::string out;
  int rc = run_python(dir, R"(
import datetime, msgpack, lz4.frame
utc = datetime.timezone.utc
rows = [
    {"id": 1, "name": "Ann", "score": 2, "data": b"\x00\x01", "at": datetime.datetime(2024, 5, 1, 12, 0, 0, 7, tzinfo=utc), "ok": True},
    {"ok": False, "id": 2, "name": None, "score": float("inf"), "data": b"", "at": datetime.datetime(1900, 1, 1, tzinfo=utc)},
    {"id": 3},
]
body = b"".join(msgpack.packb(r, datetime=True) for r in rows)
with open("py.tmpk", "wb") as f:
    f.write(b"\x89TMPK\r\n\x1a" + bytes([1, 0]) + bytes(6))
    f.write(lz4.frame.compress(body))
print("ok")
)",
                      out);
  INFO(out);
  REQUIRE(rc == 0);
  std::string data = tessera::test::read_file(dir / "py.tmpk");
  Bytes file(data.begin(), data.end());
  Schema schema({{"id", Type::kInteger, false, true},
                 {"name", Type::kText},
                 {"score", Type::kReal},
                 {"data", Type::kBlob},
                 {"at", Type::kTimestamp},
                 {"ok", Type::kBoolean}});
  auto recs = read_file(schema, file);
  REQUIRE(recs.size() == 3);
  CHECK(same(recs[0], Record{1, "Ann", 2.0, Blob{0, 1}, ts("2024-05-01T12:00:00.000007Z"), true}));
  CHECK(same(recs[1], Record{2, Value(), std::numeric_limits<double>::infinity(), Blob{}, ts("1900-01-01T00:00:00Z"), false}));
  CHECK(same(recs[2], Record{3, Value(), Value(), Value(), Value(), Value()}));
  MemorySource src(file.data(), file.size());
  auto doc = format()->new_document_reader(src, "py.tmpk");
  Fields f;
  REQUIRE(doc->next(f));
  REQUIRE(doc->next(f));
  REQUIRE(f.size() == 6);
  CHECK(f[0].first == "ok");  // file order, not schema order
  CHECK(same(f[0].second, Value(false)));
  CHECK(same(f[3].second, Value(std::numeric_limits<double>::infinity())));
}
