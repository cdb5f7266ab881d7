// Reading through a format+compressor stack, as the framework stacks them:
// input is pulled as records are needed, and a file cut anywhere is an
// error or (for an uncompressed stream cut at a record boundary) the whole
// records before the cut, never a partial or shifted table.
#include <random>

#include <catch2/catch.hpp>

#include "format_testing.h"
#include "tessera/error.h"

namespace {

using namespace tessera;
using namespace tessera::test;

// Values that do not compress, so the stored stream is several MB whatever
// the stack.
std::vector<Record> noisy_records(size_t count) {
  std::mt19937_64 rng(7);
  std::vector<Record> out;
  for (size_t id = 1; id <= count; ++id) {
    std::string t(200, ' ');
    for (char& c : t) c = static_cast<char>('a' + rng() % 26);
    Blob bl(600);
    for (auto& b : bl) b = static_cast<uint8_t>(rng());
    out.push_back({static_cast<int64_t>(id), rng() % 2 == 0, static_cast<int64_t>(rng()),
                   static_cast<double>(rng() % 1000000) / 7.0, t, bl, Timestamp{static_cast<int64_t>(rng() >> 8)}});
  }
  return out;
}

TEST_CASE("reading through every stack pulls its input incrementally") {
  const Schema schema = all_types_schema();
  const std::vector<Record> records = noisy_records(6000);
  FOR_EACH_STACK(stack) {
    StackCodec codec(stack);
    const std::string bytes = codec.encode(schema, records);
    REQUIRE(bytes.size() > 3 * 1024 * 1024);
    MemorySource memory(bytes.data(), bytes.size());
    CountingSource counted(memory);
    std::unique_ptr<ByteSource> holder;
    auto reader = codec.open(schema, counted, holder);
    Record r;
    REQUIRE(reader->next(r));
    INFO(stack.label() << ": the first record after " << counted.bytes() << " of " << bytes.size() << " bytes");
    CHECK(counted.bytes() < bytes.size() / 8);
    CHECK(same(r[5], records[0][5]));
    // Half-way through the records, about half the input has been read.
    for (size_t i = 1; i < records.size() / 2; ++i) REQUIRE(reader->next(r));
    CHECK(counted.bytes() < bytes.size() * 3 / 4);
    size_t n = records.size() / 2;
    while (reader->next(r)) ++n;
    CHECK(n == records.size());
    CHECK(same(r[4], records.back()[4]));
  }
}

TEST_CASE("every truncation of a small file is an error or the whole records before the cut") {
  const Schema schema = all_types_schema();
  std::vector<Record> records = edge_records();
  records[5][5] = Blob{1, 2, 3};  // small: every cut point is tried
  records[11][4] = "long text " + std::string(300, 'z');
  FOR_EACH_STACK(stack) {
    StackCodec codec(stack);
    const std::string bytes = codec.encode(schema, records);
    {
      MemorySource whole(bytes.data(), bytes.size());
      check_records(codec.decode(schema, whole), records);
    }
    size_t errors = 0, prefixes = 0;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      INFO(stack.label() << ": cut at byte " << cut << " of " << bytes.size());
      MemorySource in(bytes.data(), cut);
      std::vector<Record> got;
      try {
        got = codec.decode(schema, in);
      } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.code() == ErrorCode::kCorruption);
        ++errors;
        continue;
      }
      ++prefixes;
      // Only an uncompressed stream may end cleanly early, and only after
      // whole records: exactly the first ones, never a partial one.
      CHECK_FALSE(codec.compressed());
      REQUIRE(got.size() <= records.size());
      check_records(got, {records.begin(), records.begin() + got.size()});
    }
    INFO(stack.label() << ": " << errors << " cuts refused, " << prefixes << " read as whole records");
    CHECK(errors > 0);
    if (codec.compressed()) CHECK(prefixes == 0);
  }
}

TEST_CASE("an empty table is a valid file that reads as no records") {
  const Schema schema = all_types_schema();
  FOR_EACH_STACK(stack) {
    StackCodec codec(stack);
    const std::string bytes = codec.encode(schema, {});
    MemorySource in(bytes.data(), bytes.size());
    CHECK(codec.decode(schema, in).empty());
  }
}

}  // namespace
