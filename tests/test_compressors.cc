// The lz4 and zstd Compressor plugins, loaded through the plugin registry.
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/compressor.h"
#include "tessera/error.h"
#include "tessera/plugin_registry.h"
#include "test_util.h"

namespace {

using tessera::ByteSink;
using tessera::ByteSource;
using tessera::Compressor;
using tessera::ComponentKind;
using tessera::Error;
using tessera::ErrorCode;
using Bytes = std::vector<uint8_t>;

const tessera::PluginRegistry& registry() {
  static tessera::PluginRegistry* reg = [] {
    auto* r = new tessera::PluginRegistry();
    r->load_directories(tessera::PluginRegistry::default_search_path());
    return r;
  }();
  return *reg;
}

std::unique_ptr<Compressor> make(const std::string& name, const nlohmann::json& options = {}) {
  return registry().make_compressor(name, options);
}

class VectorSink final : public ByteSink {
 public:
  void write(const void* data, size_t size) override {
    auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  }
  Bytes bytes;
};

// Hands out at most step bytes per read, to cut frames at awkward places.
class DribbleSource final : public ByteSource {
 public:
  DribbleSource(const Bytes& bytes, size_t step) : bytes_(bytes), step_(step) {}
  size_t read(void* buffer, size_t size) override {
    size_t n = std::min({size, step_, bytes_.size() - pos_});
    if (n) std::memcpy(buffer, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  const Bytes& bytes_;
  size_t step_;
  size_t pos_ = 0;
};

Bytes text_bytes(size_t n) {
  Bytes b;
  std::string line = "the quick brown fox jumps over the lazy dog 0123456789\n";
  while (b.size() < n) b.insert(b.end(), line.begin(), line.end());
  b.resize(n);
  return b;
}

Bytes random_bytes(size_t n, unsigned seed = 7) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& c : b) c = static_cast<uint8_t>(rng());
  return b;
}

Bytes compress(const Compressor& c, const Bytes& in) {
  Bytes out;
  c.compress(in, out);
  return out;
}

Bytes decompress(const Compressor& c, const Bytes& in, uint64_t max = 1ull << 40) {
  Bytes out;
  c.decompress(in, out, max, "blk.bin");
  return out;
}

Bytes stream_compress(const Compressor& c, const Bytes& in, std::optional<uint64_t> size,
                      size_t piece = 1000) {
  VectorSink file;
  auto sink = c.new_compressing_sink(file, size);
  for (size_t i = 0; i < in.size(); i += piece) sink->write(in.data() + i, std::min(piece, in.size() - i));
  sink->close();
  return file.bytes;
}

Bytes stream_decompress(const Compressor& c, const Bytes& in, uint64_t max = 1ull << 40,
                        size_t step = 1 << 20, size_t read_size = 4096) {
  DribbleSource src(in, step);
  auto s = c.new_decompressing_source(src, max, "stream.bin");
  Bytes out, buf(read_size);
  while (size_t n = s->read(buf.data(), buf.size())) out.insert(out.end(), buf.begin(), buf.begin() + n);
  CHECK(s->read(buf.data(), buf.size()) == 0);  // the end stays the end
  return out;
}

// Expects fn to throw Error(kCorruption) whose message names label.
template <class Fn>
void require_corruption(Fn fn, const std::string& label, const std::string& also = "") {
  try {
    fn();
    FAIL("no error thrown");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == ErrorCode::kCorruption);
    CHECK_THAT(e.what(), Catch::Contains(label));
    if (!also.empty()) CHECK_THAT(e.what(), Catch::Contains(also));
  }
}

// XXH32 of fewer than 16 bytes (the LZ4 frame header checksum), so that the
// tests can write frame headers that claim anything.
uint32_t xxh32_small(const uint8_t* p, size_t len) {
  constexpr uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u, P4 = 668265263u,
                     P5 = 374761393u;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  uint32_t h = P5 + static_cast<uint32_t>(len);
  for (; len >= 4; p += 4, len -= 4) {
    uint32_t v = p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
    h = rotl(h + v * P3, 17) * P4;
  }
  for (; len > 0; ++p, --len) h = rotl(h + *p * P5, 11) * P1;
  h ^= h >> 15, h *= P2, h ^= h >> 13, h *= P3, h ^= h >> 16;
  return h;
}

void put_le64(Bytes& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// An LZ4 frame whose header claims `claimed` bytes and which holds "abcd".
Bytes lz4_frame_claiming(uint64_t claimed) {
  Bytes f = {0x04, 0x22, 0x4d, 0x18};
  Bytes desc = {0x68, 0x40};  // version 1, independent blocks, content size; 64 KiB blocks
  put_le64(desc, claimed);
  f.insert(f.end(), desc.begin(), desc.end());
  f.push_back(static_cast<uint8_t>(xxh32_small(desc.data(), desc.size()) >> 8));
  Bytes block = {0x04, 0x00, 0x00, 0x80, 'a', 'b', 'c', 'd', 0, 0, 0, 0};  // stored block, end mark
  f.insert(f.end(), block.begin(), block.end());
  return f;
}

// A zstd frame whose header claims `claimed` bytes and which holds "abcd".
Bytes zstd_frame_claiming(uint64_t claimed) {
  Bytes f = {0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00};  // 8-byte content size, 1 KiB window
  put_le64(f, claimed);
  Bytes block = {0x21, 0x00, 0x00, 'a', 'b', 'c', 'd'};  // last block, raw, 4 bytes
  f.insert(f.end(), block.begin(), block.end());
  return f;
}

Bytes frame_claiming(const std::string& name, uint64_t claimed) {
  return name == "lz4" ? lz4_frame_claiming(claimed) : zstd_frame_claiming(claimed);
}

}  // namespace

TEST_CASE("compressor plugins load with their names and extensions", "[compressor]") {
  const auto* lz4 = registry().find(ComponentKind::kCompressor, "lz4");
  const auto* zstd = registry().find(ComponentKind::kCompressor, "zstd");
  REQUIRE(lz4);
  REQUIRE(zstd);
  CHECK(lz4->plugin_name == "tessera-lz4");
  CHECK(lz4->plugin_version == "0.1.0");
  CHECK(zstd->plugin_name == "tessera-zstd");
  CHECK(std::string(make("lz4")->name()) == "lz4");
  CHECK(make("lz4")->file_extension() == "lz4");
  CHECK(std::string(make("zstd")->name()) == "zstd");
  CHECK(make("zstd")->file_extension() == "zst");
}

TEST_CASE("compressor options are validated", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  CHECK_NOTHROW(make(name, {{"level", 1}}));
  CHECK_NOTHROW(make(name, nlohmann::json::object()));
  auto expect_config = [&](const nlohmann::json& options, const std::string& mention) {
    try {
      make(name, options);
      FAIL("accepted " << options.dump());
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kConfig);
      CHECK_THAT(e.what(), Catch::Contains(mention));
    }
  };
  expect_config({{"levle", 1}}, "levle");
  expect_config({{"level", 99}}, "level");
  expect_config({{"level", -1000000}}, "level");
  expect_config({{"level", "fast"}}, "level");
  expect_config(nlohmann::json::array({1}), "object");
}

TEST_CASE("compressors round-trip blocks and streams", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto level = GENERATE(0, 9);
  auto c = make(name, {{"level", level}});
  INFO(name << " level " << level);
  for (const Bytes& input : {Bytes{}, Bytes{'x'}, text_bytes(300000), random_bytes(100000)}) {
    INFO("input size " << input.size());
    Bytes block = compress(*c, input);
    CHECK(decompress(*c, block) == input);
    CHECK(stream_decompress(*c, block) == input);
    for (auto size : {std::optional<uint64_t>(), std::optional<uint64_t>(input.size())}) {
      Bytes stream = stream_compress(*c, input, size, 777);
      CHECK(decompress(*c, stream) == input);
      CHECK(stream_decompress(*c, stream, 1ull << 40, 3, 5) == input);
    }
  }
  // Text shrinks; random data does not and that is not an error.
  CHECK(compress(*c, text_bytes(300000)).size() < 100000);
  CHECK(compress(*c, random_bytes(100000)).size() > 100000);
}

TEST_CASE("compress and decompress append to their output", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto c = make(name);
  Bytes out = {1, 2, 3};
  c->compress(text_bytes(100), out);
  Bytes frame(out.begin() + 3, out.end());
  Bytes back = {9};
  c->decompress(frame, back, 1000, "x");
  CHECK(back.size() == 101);
  CHECK(back[0] == 9);
  CHECK(Bytes(back.begin() + 1, back.end()) == text_bytes(100));
}

TEST_CASE("decompression reads concatenated frames", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto c = make(name);
  Bytes a = text_bytes(5000), b = random_bytes(3000);
  Bytes two = compress(*c, a);
  Bytes second = stream_compress(*c, b, std::nullopt);
  two.insert(two.end(), second.begin(), second.end());
  Bytes both = a;
  both.insert(both.end(), b.begin(), b.end());
  CHECK(decompress(*c, two) == both);
  CHECK(stream_decompress(*c, two, 1ull << 40, 11, 100) == both);
}

TEST_CASE("a declared stream size must be honoured", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto c = make(name);
  VectorSink file;
  auto sink = c->new_compressing_sink(file, 10);
  sink->write("12345", 5);
  CHECK_THROWS_AS(sink->write("1234567", 7), Error);
  CHECK_THROWS_AS(sink->close(), Error);
  VectorSink file2;
  auto exact = c->new_compressing_sink(file2, 4);
  exact->write("abcd", 4);
  exact->close();
  CHECK(decompress(*c, file2.bytes) == Bytes{'a', 'b', 'c', 'd'});
}

TEST_CASE("a frame claiming 2^60 bytes is refused without allocating", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto c = make(name);
  // The hand-made frame is valid when it tells the truth.
  CHECK(decompress(*c, frame_claiming(name, 4)) == Bytes{'a', 'b', 'c', 'd'});
  Bytes bomb = frame_claiming(name, 1ull << 60);
  require_corruption([&] { decompress(*c, bomb); }, "blk.bin", "claims 1152921504606846976");
  require_corruption([&] { stream_decompress(*c, bomb); }, "stream.bin", "claims");
  // A lie in the other direction is caught as well.
  require_corruption([&] { decompress(*c, frame_claiming(name, 3)); }, "blk.bin");
}

TEST_CASE("decompression stops at max_output_bytes", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto c = make(name);
  Bytes zeros(1 << 20, 0);
  Bytes unsized = stream_compress(*c, zeros, std::nullopt, 65536);  // no size in the header
  Bytes sized = compress(*c, zeros);
  for (const Bytes& frame : {unsized, sized}) {
    CHECK(decompress(*c, frame, zeros.size()) == zeros);  // exactly at the bound is fine
    CHECK(stream_decompress(*c, frame, zeros.size()) == zeros);
    require_corruption([&] { decompress(*c, frame, 1000); }, "blk.bin");
    require_corruption([&] { stream_decompress(*c, frame, 1000); }, "stream.bin");
  }
}

TEST_CASE("truncated, damaged and foreign input is corruption", "[compressor]") {
  auto name = GENERATE(std::string("lz4"), std::string("zstd"));
  auto c = make(name);
  // Data that did not shrink is stored in a frame too, so a cut is seen.
  for (const Bytes& input : {random_bytes(2000), text_bytes(2000)}) {
    Bytes frame = compress(*c, input);
    for (size_t cut = 0; cut < frame.size(); ++cut) {
      INFO("cut at " << cut << " of a frame of " << frame.size() << " bytes");
      Bytes part(frame.begin(), frame.begin() + cut);
      require_corruption([&] { decompress(*c, part); }, "blk.bin");
      require_corruption([&] { stream_decompress(*c, part, 1ull << 40, 7); }, "stream.bin");
    }
  }
  Bytes frame = compress(*c, text_bytes(2000));
  Bytes damaged = frame;
  damaged[damaged.size() / 2] ^= 0x5a;
  require_corruption([&] { decompress(*c, damaged); }, "blk.bin");
  require_corruption([&] { stream_decompress(*c, damaged); }, "stream.bin");
  Bytes trailing = frame;
  trailing.insert(trailing.end(), {'j', 'u', 'n', 'k', '!', '!', '!', '!', '!'});
  require_corruption([&] { decompress(*c, trailing); }, "blk.bin");
  require_corruption([&] { stream_decompress(*c, trailing); }, "stream.bin");
  require_corruption([&] { decompress(*c, random_bytes(500, 3)); }, "blk.bin");
}

TEST_CASE("stock tools read what the compressors write", "[compressor][tools]") {
  tessera::test::TempDir dir;
  Bytes input = text_bytes(200000);
  input.insert(input.end(), {0xff, 0x00, 0xfe});
  std::string expected(input.begin(), input.end());
  tessera::test::write_file(dir / "expected", expected);
  struct Case {
    std::string name, tool, py_module;
  };
  for (const Case& k : {Case{"lz4", "lz4cat", "lz4"}, Case{"zstd", "zstdcat", "zstd"}}) {
    auto c = make(k.name, {{"level", 5}});
    Bytes block = compress(*c, input);
    Bytes sized_stream = stream_compress(*c, input, input.size(), 4096);
    Bytes stream = stream_compress(*c, input, std::nullopt, 4096);
    tessera::test::write_file(dir / "block", std::string(block.begin(), block.end()));
    tessera::test::write_file(dir / "sized", std::string(sized_stream.begin(), sized_stream.end()));
    tessera::test::write_file(dir / "stream", std::string(stream.begin(), stream.end()));
    std::string out;
    for (const char* f : {"block", "sized", "stream"}) {
      INFO(k.tool << " " << f);
      REQUIRE(tessera::test::run_command(fmt::format("{} '{}' > '{}'", k.tool, (dir / f).string(),
                                                     (dir / "out").string()),
                                         out) == 0);
      CHECK(tessera::test::read_file(dir / "out") == expected);
    }
    // Python reads the frames and finds the content size where it is known.
    std::string script = k.name == "lz4" ? R"(
import lz4.frame, sys
d = sys.argv[1]
exp = open(d + "/expected", "rb").read()
for f, size in (("block", len(exp)), ("sized", len(exp)), ("stream", 0)):
    data = open(d + "/" + f, "rb").read()
    assert lz4.frame.decompress(data) == exp, f
    assert lz4.frame.get_frame_info(data)["content_size"] == size, f
print("ok")
)"
                                         : R"(
import zstandard, sys
d = sys.argv[1]
exp = open(d + "/expected", "rb").read()
for f in ("block", "sized"):
    data = open(d + "/" + f, "rb").read()
    assert zstandard.frame_content_size(data) == len(exp), f
    assert zstandard.ZstdDecompressor().decompress(data) == exp, f
data = open(d + "/stream", "rb").read()
assert zstandard.frame_content_size(data) == -1
assert zstandard.ZstdDecompressor().decompressobj().decompress(data) == exp
print("ok")
)";
    tessera::test::write_file(dir / "check.py", script);
    int rc = tessera::test::run_command(
        fmt::format("{} '{}' '{}'", tessera::test::kPython, (dir / "check.py").string(), dir.path().string()),
        out);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out == "ok\n");
  }
}

TEST_CASE("compressors read what the stock tools write", "[compressor][tools]") {
  tessera::test::TempDir dir;
  Bytes input = text_bytes(100000);
  tessera::test::write_file(dir / "in", std::string(input.begin(), input.end()));
  std::string out;
  REQUIRE(tessera::test::run_command(fmt::format("cd '{}' && lz4 -q -9 in in.lz4 && zstd -q -19 in -o in.zst",
                                                 dir.path().string()),
                                     out) == 0);
  for (auto [name, file] : {std::pair{"lz4", "in.lz4"}, std::pair{"zstd", "in.zst"}}) {
    std::string data = tessera::test::read_file(dir / file);
    Bytes frame(data.begin(), data.end());
    CHECK(decompress(*make(name), frame) == input);
    CHECK(stream_decompress(*make(name), frame) == input);
  }
}
