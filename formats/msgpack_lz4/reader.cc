// Reads msgpack_lz4 files: checks the header, decompresses the LZ4 frame in
// chunks and feeds a MessagePack unpacker, one record at a time.
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <msgpack.hpp>

#include "lz4_stream.h"
#include "msgpack_lz4.h"
#include "tessera/error.h"
#include "tessera/text_codec.h"

namespace tessera::msgpack_lz4 {
namespace {

constexpr size_t kChunk = 64 * 1024;
// A record is a map of at most this many columns; the unpacker allocates a
// map's slots when it reads the map's header, so the count must be bounded.
constexpr size_t kMaxColumns = 65536;

std::string hex(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += fmt::format("{}{:02x}", i ? " " : "", p[i]);
  return s;
}

const char* kind_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "bool";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER: return "int";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return "float";
    case msgpack::type::STR: return "str";
    case msgpack::type::BIN: return "bin";
    case msgpack::type::ARRAY: return "array";
    case msgpack::type::MAP: return "map";
    case msgpack::type::EXT: return o.via.ext.type() == kTimestampExt ? "timestamp" : "ext";
  }
  return "unknown";
}

uint64_t load_be(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The MessagePack stream inside the frame, one top-level map at a time.
class RecordStream {
 public:
  RecordStream(ByteSource& in, std::string_view label, const Options& options)
      : in_(in),
        label_(label),
        max_record_bytes_(options.max_record_bytes),
        frame_(in, label),
        unpacker_(nullptr, nullptr, MSGPACK_UNPACKER_INIT_BUFFER_SIZE,
                  msgpack::unpack_limit(kMaxColumns, kMaxColumns, options.max_record_bytes,
                                        options.max_record_bytes, options.max_record_bytes, 8)) {}

  // The next record's map, or nullptr at a clean end of the file.
  const msgpack::object* next() {
    if (!header_checked_) check_header();
    handle_ = msgpack::object_handle();  // drop the previous record
    for (;;) {
      bool got = false;
      try {
        got = unpacker_.next(handle_);
      } catch (const msgpack::map_size_overflow&) {
        ++records_;
        fail(fmt::format("a map claims more than {} entries", kMaxColumns));
      } catch (const msgpack::array_size_overflow&) {
        ++records_;
        fail(fmt::format("an array claims more than {} entries", kMaxColumns));
      } catch (const msgpack::depth_size_overflow&) {
        ++records_;
        fail("values are nested too deeply");
      } catch (const msgpack::size_overflow&) {
        ++records_;
        fail(fmt::format("a value is larger than max_record_bytes ({})", max_record_bytes_));
      } catch (const std::exception& e) {
        ++records_;
        fail(fmt::format("malformed MessagePack ({})", e.what()));
      }
      if (got) {
        ++records_;
        if (handle_.get().type != msgpack::type::MAP) {
          fail(fmt::format("is a MessagePack {}, not a map", kind_name(handle_.get())));
        }
        return &handle_.get();
      }
      if (unpacker_.nonparsed_size() > max_record_bytes_) {
        ++records_;
        fail(fmt::format("larger than max_record_bytes ({})", max_record_bytes_));
      }
      if (eof_) {
        if (unpacker_.nonparsed_size() == 0) return nullptr;
        ++records_;
        fail("truncated: the LZ4 frame ends inside this record");
      }
      unpacker_.reserve_buffer(kChunk);
      size_t n = frame_.read(unpacker_.buffer(), kChunk);
      if (n == 0) eof_ = true;
      unpacker_.buffer_consumed(n);
    }
  }

  // Names the file and the record that next() returned last.
  [[noreturn]] void fail(const std::string& what, ErrorCode code = ErrorCode::kCorruption) const {
    throw Error(code, fmt::format("{}: msgpack_lz4: record {}: {}", label_, records_, what));
  }

 private:
  void check_header() {
    uint8_t h[kHeaderSize];
    size_t got = 0;
    while (got < kHeaderSize) {
      size_t n = in_.read(h + got, kHeaderSize - got);
      if (n == 0) break;
      got += n;
    }
    auto bad = [&](ErrorCode code, const std::string& what) {
      throw Error(code, fmt::format("{}: msgpack_lz4: {}", label_, what));
    };
    if (got < sizeof kMagic || std::memcmp(h, kMagic, sizeof kMagic) != 0) {
      bad(ErrorCode::kCorruption,
          fmt::format("not a msgpack_lz4 file: it starts with [{}], expected the magic [{}]",
                      hex(h, std::min(got, sizeof kMagic)), hex(kMagic, sizeof kMagic)));
    }
    if (got < kHeaderSize) {
      bad(ErrorCode::kCorruption,
          fmt::format("truncated header: {} bytes, expected {}", got, kHeaderSize));
    }
    if (h[8] != kVersion) {
      bad(ErrorCode::kUnsupported, fmt::format("format version {}; this reader reads version {}",
                                               h[8], kVersion));
    }
    if (h[9] != 0) bad(ErrorCode::kUnsupported, fmt::format("unknown header flags 0x{:02x}", h[9]));
    for (size_t i = 10; i < kHeaderSize; ++i) {
      if (h[i] != 0) bad(ErrorCode::kCorruption, fmt::format("reserved header byte {} is not zero", i));
    }
    header_checked_ = true;
  }

  ByteSource& in_;
  std::string label_;
  uint64_t max_record_bytes_;
  Lz4FrameReader frame_;
  msgpack::unpacker unpacker_;
  msgpack::object_handle handle_;
  uint64_t records_ = 0;
  bool header_checked_ = false;
  bool eof_ = false;
};

// Decodes a value as found in the file; what is NULL, BOOLEAN, ... is
// decided by the MessagePack type. what_for names the field in errors.
Value decode_any(const RecordStream& s, const msgpack::object& o, const std::string& what_for) {
  switch (o.type) {
    case msgpack::type::NIL: return Value();
    case msgpack::type::BOOLEAN: return Value(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) {
        s.fail(fmt::format("{} holds {}, beyond the 64-bit signed range", what_for, o.via.u64),
               ErrorCode::kUnsupported);
      }
      return Value(static_cast<int64_t>(o.via.u64));
    case msgpack::type::NEGATIVE_INTEGER: return Value(o.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return Value(o.via.f64);
    case msgpack::type::STR: {
      std::string_view text(o.via.str.ptr, o.via.str.size);
      if (!text::is_valid_utf8(text)) s.fail(fmt::format("{} holds a str that is not UTF-8", what_for));
      return Value(text);
    }
    case msgpack::type::BIN: {
      auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
      return Value(Blob(p, p + o.via.bin.size));
    }
    case msgpack::type::EXT:
      if (o.via.ext.type() == kTimestampExt) {
        const char* d = o.via.ext.data();
        uint64_t sec_bits = 0;
        int64_t sec = 0;
        uint64_t nsec = 0;
        switch (o.via.ext.size) {
          case 4: sec = static_cast<int64_t>(load_be(d, 4)); break;
          case 8:
            sec_bits = load_be(d, 8);
            nsec = sec_bits >> 34;
            sec = static_cast<int64_t>(sec_bits & ((uint64_t{1} << 34) - 1));
            break;
          case 12:
            nsec = load_be(d, 4);
            sec = static_cast<int64_t>(load_be(d + 4, 8));
            break;
          default: s.fail(fmt::format("{} holds a timestamp of {} bytes", what_for, o.via.ext.size));
        }
        // Seconds are floored, so INT64_MIN microseconds needs 128-bit arithmetic.
        __int128 micros = static_cast<__int128>(sec) * 1000000 + static_cast<__int128>(nsec / 1000);
        if (nsec > 999999999 || micros < INT64_MIN || micros > INT64_MAX) {
          s.fail(fmt::format("{} holds a timestamp outside the microsecond range", what_for));
        }
        return Value(Timestamp{static_cast<int64_t>(micros)});
      }
      break;
    default: break;
  }
  s.fail(fmt::format("{} holds a MessagePack {}, which Tessera cannot store", what_for, kind_name(o)),
         ErrorCode::kUnsupported);
}

bool type_fits(Type want, const Value& v) {
  if (v.is_null() || v.type() == want) return true;
  return want == Type::kReal && v.type() == Type::kInteger;
}

class Reader final : public RecordReader {
 public:
  Reader(const Schema& schema, ByteSource& in, std::string_view label, const Options& options)
      : columns_(schema.columns()), stream_(in, label, options) {
    for (size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i].name, i);
  }

  bool next(Record& out) override {
    const msgpack::object* map = stream_.next();
    if (!map) return false;
    out.assign(columns_.size(), Value());
    seen_.assign(columns_.size(), false);
    for (uint32_t k = 0; k < map->via.map.size; ++k) {
      const msgpack::object_kv& kv = map->via.map.ptr[k];
      if (kv.key.type != msgpack::type::STR) {
        stream_.fail(fmt::format("a key is a MessagePack {}, not a str", kind_name(kv.key)));
      }
      std::string_view name(kv.key.via.str.ptr, kv.key.via.str.size);
      auto it = index_.find(name);
      if (it == index_.end()) stream_.fail(fmt::format("unknown column '{}'", name));
      const Column& col = columns_[it->second];
      if (seen_[it->second]) stream_.fail(fmt::format("column '{}' appears twice", name));
      seen_[it->second] = true;
      Value v = decode_any(stream_, kv.val, fmt::format("column '{}'", col.name));
      if (!type_fits(col.type, v)) {
        stream_.fail(fmt::format("column '{}' holds a MessagePack {}, expected {}", col.name,
                                 kind_name(kv.val), type_name(col.type)));
      }
      if (v.type() == Type::kInteger && col.type == Type::kReal) v = Value(v.as_real());
      out[it->second] = std::move(v);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (out[i].is_null() && !columns_[i].nullable) {
        stream_.fail(fmt::format("NOT NULL column '{}' is {}", columns_[i].name,
                                 seen_[i] ? "nil" : "missing"));
      }
    }
    return true;
  }

 private:
  std::vector<Column> columns_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<bool> seen_;
  RecordStream stream_;
};

class DocReader final : public DocumentReader {
 public:
  DocReader(ByteSource& in, std::string_view label, const Options& options)
      : stream_(in, label, options) {}

  bool next(Fields& out) override {
    const msgpack::object* map = stream_.next();
    if (!map) return false;
    out.clear();
    for (uint32_t k = 0; k < map->via.map.size; ++k) {
      const msgpack::object_kv& kv = map->via.map.ptr[k];
      if (kv.key.type != msgpack::type::STR) {
        stream_.fail(fmt::format("a key is a MessagePack {}, not a str", kind_name(kv.key)));
      }
      std::string name(kv.key.via.str.ptr, kv.key.via.str.size);
      if (!text::is_valid_utf8(name)) stream_.fail("a key is not valid UTF-8");
      Value v = decode_any(stream_, kv.val, fmt::format("key '{}'", name));
      out.emplace_back(std::move(name), std::move(v));
    }
    return true;
  }

 private:
  RecordStream stream_;
};

}  // namespace

std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label,
                                          const Options& options) {
  return std::make_unique<Reader>(schema, in, label, options);
}

std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label,
                                                     const Options& options) {
  return std::make_unique<DocReader>(in, label, options);
}

}  // namespace tessera::msgpack_lz4
