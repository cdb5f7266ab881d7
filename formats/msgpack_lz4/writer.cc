// Writes the msgpack_lz4 header, then records as MessagePack maps packed
// into a staging buffer that is fed to one LZ4 frame.
#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <msgpack.hpp>

#include "lz4_stream.h"
#include "msgpack_lz4.h"
#include "tessera/error.h"

namespace tessera::msgpack_lz4 {
namespace {

// Records are handed to LZ4 once this much is staged: large enough to keep
// the per-call cost of the compressor low, small enough to stay constant.
constexpr size_t kStageBytes = 64 * 1024;

ByteSink& write_header(ByteSink& out) {
  uint8_t header[kHeaderSize] = {};
  std::memcpy(header, kMagic, sizeof kMagic);
  header[8] = kVersion;
  out.write(header, sizeof header);
  return out;
}

// The smallest of the three layouts of the MessagePack timestamp extension
// (32-bit seconds; 30-bit nanoseconds + 34-bit seconds; 32-bit nanoseconds +
// signed 64-bit seconds), all big-endian, as the MessagePack spec defines.
template <class Packer>
void pack_timestamp(Packer& packer, Timestamp ts) {
  int64_t sec = ts.micros / 1000000;
  int64_t rem = ts.micros % 1000000;
  if (rem < 0) sec -= 1, rem += 1000000;  // floor, so that nanoseconds stay positive
  uint32_t nsec = static_cast<uint32_t>(rem * 1000);
  char body[12];
  auto put_be = [&](int at, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) body[at + i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  };
  if (sec >= 0 && (sec >> 34) == 0) {
    uint64_t data64 = (uint64_t{nsec} << 34) | static_cast<uint64_t>(sec);
    if ((data64 >> 32) == 0) {
      put_be(0, data64, 4);
      packer.pack_ext(4, kTimestampExt);
      packer.pack_ext_body(body, 4);
    } else {
      put_be(0, data64, 8);
      packer.pack_ext(8, kTimestampExt);
      packer.pack_ext_body(body, 8);
    }
    return;
  }
  put_be(0, nsec, 4);
  put_be(4, static_cast<uint64_t>(sec), 8);
  packer.pack_ext(12, kTimestampExt);
  packer.pack_ext_body(body, 12);
}

class Writer final : public RecordWriter {
 public:
  Writer(const Schema& schema, ByteSink& out, const Options& options)
      : frame_(write_header(out), options.level), packer_(stage_) {
    for (const Column& c : schema.columns()) names_.push_back(c.name);
  }

  void write(RecordView record) override {
    if (finished_) throw Error(ErrorCode::kInvalidArgument, "msgpack_lz4: write after finish");
    // Check first, so that a refused record leaves nothing half-packed.
    for (size_t i = 0; i < record.size(); ++i) {
      const Value& v = record[i];
      size_t size = v.type() == Type::kText   ? v.as_text().size()
                    : v.type() == Type::kBlob ? v.as_blob().size()
                                              : 0;
      if (size > std::numeric_limits<uint32_t>::max()) {
        throw Error(ErrorCode::kUnsupported,
                    fmt::format("msgpack_lz4: column '{}' holds {} bytes; MessagePack strings "
                                "and binaries hold at most 4 GiB - 1",
                                names_[i], size));
      }
    }
    packer_.pack_map(static_cast<uint32_t>(record.size()));
    for (size_t i = 0; i < record.size(); ++i) {
      packer_.pack_str(static_cast<uint32_t>(names_[i].size()));
      packer_.pack_str_body(names_[i].data(), static_cast<uint32_t>(names_[i].size()));
      pack_value(record[i]);
    }
    if (stage_.size() >= kStageBytes) flush();
  }

  void finish() override {
    if (finished_) return;
    flush();
    frame_.finish();
    finished_ = true;
  }

 private:
  void pack_value(const Value& v) {
    switch (v.type()) {
      case Type::kNull: packer_.pack_nil(); break;
      case Type::kBoolean: packer_.pack(v.as_bool()); break;
      case Type::kInteger: packer_.pack_int64(v.as_int()); break;
      case Type::kReal: {
        // Always float 64, written by hand: msgpack-c's pack_double turns
        // integral doubles into ints (and loses -0.0), which would not read
        // back as REAL in Python.
        char buf[9];
        buf[0] = static_cast<char>(0xcb);
        uint64_t bits = std::bit_cast<uint64_t>(v.as_real());
        for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(bits >> (8 * (7 - i)));
        stage_.write(buf, sizeof buf);
        break;
      }
      case Type::kText: {
        std::string_view s = v.as_text();
        packer_.pack_str(static_cast<uint32_t>(s.size()));
        packer_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
        break;
      }
      case Type::kBlob: {
        const Blob& b = v.as_blob();
        packer_.pack_bin(static_cast<uint32_t>(b.size()));
        packer_.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
        break;
      }
      case Type::kTimestamp: pack_timestamp(packer_, v.as_timestamp()); break;
    }
  }

  void flush() {
    frame_.write(stage_.data(), stage_.size());
    stage_.clear();
  }

  std::vector<std::string> names_;
  Lz4FrameWriter frame_;
  msgpack::sbuffer stage_;
  msgpack::packer<msgpack::sbuffer> packer_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out, const Options& options) {
  return std::make_unique<Writer>(schema, out, options);
}

}  // namespace tessera::msgpack_lz4
