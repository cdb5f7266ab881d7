#include "format_testing.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "tessera/text_codec.h"
#include "test_util.h"

namespace tessera::test {

namespace {

class BufferSink final : public ByteSink {
 public:
  void write(const void* data, size_t size) override { bytes.append(static_cast<const char*>(data), size); }
  std::string bytes;
};

Timestamp ts(const char* iso) { return *text::parse_timestamp(iso); }

}  // namespace

const PluginRegistry& format_registry() { return build_plugins(); }

TableConfig Stack::table_config() const {
  TableConfig c;
  c.format = format;
  c.compressor = compressor;
  return c;
}

std::vector<Stack> all_stacks() {
  std::vector<std::string> formats, compressors{"none"};
  for (const ComponentInfo& c : format_registry().components()) {
    if (c.kind == ComponentKind::kFormat) formats.push_back(c.name);
    if (c.kind == ComponentKind::kCompressor) compressors.push_back(c.name);
  }
  std::sort(formats.begin(), formats.end());
  std::sort(compressors.begin() + 1, compressors.end());
  std::vector<Stack> stacks;
  for (const auto& f : formats)
    for (const auto& c : compressors) stacks.push_back({f, c});
  return stacks;
}

StackCodec::StackCodec(const Stack& stack) : format_(format_registry().make_format(stack.format, {})) {
  if (stack.compressor != "none") compressor_ = format_registry().make_compressor(stack.compressor, {});
}

std::string StackCodec::encode(const Schema& schema, const std::vector<Record>& records) const {
  BufferSink sink;
  auto writer = format_->new_writer(schema, sink);
  for (const Record& r : records) writer->write(r);
  writer->finish();
  if (!compressor_) return sink.bytes;
  std::vector<uint8_t> frame;
  compressor_->compress({reinterpret_cast<const uint8_t*>(sink.bytes.data()), sink.bytes.size()}, frame);
  return {frame.begin(), frame.end()};
}

std::unique_ptr<RecordReader> StackCodec::open(const Schema& schema, ByteSource& in,
                                               std::unique_ptr<ByteSource>& holder) const {
  ByteSource* src = &in;
  if (compressor_) {
    holder = compressor_->new_decompressing_source(in, uint64_t{1} << 32, "conformance.data");
    src = holder.get();
  }
  return format_->new_reader(schema, *src, "conformance.data");
}

std::vector<Record> StackCodec::decode(const Schema& schema, ByteSource& in) const {
  std::unique_ptr<ByteSource> holder;
  auto reader = open(schema, in, holder);
  std::vector<Record> out;
  Record r;
  while (reader->next(r)) out.push_back(r);
  return out;
}

Schema all_types_schema() { return every_type_schema(); }

std::vector<Record> edge_records() {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  Blob big(1536 * 1024);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  return {
      {1, true, kMin, std::nan(""), "", Blob{}, Timestamp{-1}},
      {2, false, kMax, inf, "a,b \"quoted\" ,\"", Blob{0}, ts("1969-12-31T23:59:59Z")},
      {3, Value(), 0, -inf, "line1\nline2\r\nline3\rend\n", Blob{0xff, 0, '"', ',', '\n', '\r'},
       ts("1900-01-01T00:00:00.000001Z")},
      {4, true, -1, -0.0, "h\xc3\xa9llo \xf0\x9f\x8c\x8d \xe6\x97\xa5\xe6\x9c\xac \x01 \x7f \t\\", Value(),
       ts("0001-01-01T00:00:00Z")},
      {5, Value(), Value(), Value(), Value(), Value(), Value()},
      {kMin, false, 42, 5e-324, "  spaces  ", big, ts("1600-02-29T12:34:56.789012Z")},
      {kMax, Value(), 1, 0.1, "NULL", Blob{'N', 'a', 'N'}, ts("9999-12-31T23:59:59.999999Z")},
      {-7, true, 1 << 30, 1e300, "null", Blob(3, 0), Timestamp{0}},
      {8, false, -(int64_t{1} << 53) - 1, std::numeric_limits<double>::max(), "NaN", Value(),
       ts("1969-07-20T20:17:40Z")},
      {9, true, 9, -1.0, ",", Blob{}, Value()},
      {10, Value(), Value(), 1.0, "\"", Value(), Timestamp{-86400000000LL * 365 * 300}},
      {11, Value(), Value(), 2.5e-308, std::string(70000, 'x') + "\xe2\x82\xac", Value(), Value()},
  };
}

std::vector<Value> hard_timestamps() {
  return {Timestamp{std::numeric_limits<int64_t>::min()}, Timestamp{std::numeric_limits<int64_t>::max()},
          Timestamp{-62135596800000000LL - 1},          // the last microsecond of 1 BC
          Timestamp{-62198755200000000LL},              // 2 BC, year "-0001"
          Timestamp{253402300800000000LL}};             // 10000-01-01
}

Record generated_record(int64_t id) {
  Value b = id % 3 == 0 ? Value() : Value(id % 2 == 0);
  Value r = id % 11 == 0 ? Value(std::nan("")) : Value(static_cast<double>(id) / 7.0 - 1000.0);
  std::string t = "name " + std::to_string(id);
  if (id % 5 == 0) t += ", \"quoted\"\n";
  Blob bl{static_cast<uint8_t>(id), static_cast<uint8_t>(id >> 8), 0};
  return {id, b, id * 7919 - 500000000, r, t, id % 7 == 0 ? Value() : Value(bl),
          Timestamp{(id - 50000) * 1000003}};
}

std::string show(const Record& r) {
  std::string s = "(";
  for (size_t i = 0; i < r.size(); ++i) {
    std::string v = r[i].to_string();
    if (v.size() > 80) v = v.substr(0, 77) + "...";
    s += (i ? ", " : "") + v;
  }
  return s + ")";
}

void check_records(const std::vector<Record>& got, const std::vector<Record>& want) {
  REQUIRE(got.size() == want.size());
  int bad = 0;
  for (size_t i = 0; i < want.size() && bad < 10; ++i) {
    bool ok = got[i].size() == want[i].size();
    for (size_t c = 0; ok && c < want[i].size(); ++c) ok = same(got[i][c], want[i][c]);
    if (!ok) {
      ++bad;
      FAIL_CHECK("record " << i << ": got " << show(got[i]) << "\n  want " << show(want[i]));
    }
  }
  CHECK(bad == 0);
}

Config quiet_config() {
  Config c;
  c.durability.sync = SyncMode::kOff;
  return c;
}

}  // namespace tessera::test
