#include "commit_codec.h"

#include <cstring>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

namespace {

enum : uint8_t { kPut = 1, kErase = 2 };

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_fixed64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}

void put_bytes(std::string& out, const void* p, size_t n) {
  put_varint(out, n);
  out.append(static_cast<const char*>(p), n);
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool done() const { return p_ == end_; }
  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(*p_++);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint too long");
  }
  uint64_t fixed64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    p_ += 8;
    return v;
  }
  std::string_view bytes() {
    uint64_t n = varint();
    need(n);
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  // A count of items that each take at least one byte: bounded by what is left.
  size_t count() {
    uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) fail("count larger than the record");
    return static_cast<size_t>(n);
  }
  Value value() {
    switch (static_cast<Type>(byte())) {
      case Type::kNull: return Value();
      case Type::kBoolean: return Value(byte() != 0);
      case Type::kInteger: return Value(static_cast<int64_t>(fixed64()));
      case Type::kReal: {
        uint64_t bits = fixed64();
        double d;
        std::memcpy(&d, &bits, 8);
        return Value(d);
      }
      case Type::kText: return Value(std::string(bytes()));
      case Type::kBlob: {
        auto s = bytes();
        return Value(Blob(s.begin(), s.end()));
      }
      case Type::kTimestamp: return Value(Timestamp{static_cast<int64_t>(fixed64())});
    }
    fail("unknown value type");
  }
  [[noreturn]] void fail(const char* what) {
    throw Error(ErrorCode::kCorruption, fmt::format("write-ahead log record does not decode: {}", what));
  }

 private:
  void need(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) fail("truncated");
  }
  const char* p_;
  const char* end_;
};

}  // namespace

void encode_value(std::string& out, const Value& v) {
  out.push_back(static_cast<char>(v.type()));
  switch (v.type()) {
    case Type::kNull: break;
    case Type::kBoolean: out.push_back(v.as_bool() ? 1 : 0); break;
    case Type::kInteger: put_fixed64(out, static_cast<uint64_t>(v.int_unchecked())); break;
    case Type::kReal: {
      double d = v.as_real();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      put_fixed64(out, bits);
      break;
    }
    case Type::kText: put_bytes(out, v.text_unchecked().data(), v.text_unchecked().size()); break;
    case Type::kBlob: put_bytes(out, v.as_blob().data(), v.as_blob().size()); break;
    case Type::kTimestamp: put_fixed64(out, static_cast<uint64_t>(v.as_timestamp().micros)); break;
  }
}

std::string encode_marker(WalRecordKind kind, std::string_view table) {
  std::string out;
  out.push_back(static_cast<char>(kind));
  put_bytes(out, table.data(), table.size());
  return out;
}

CommitEncoder::CommitEncoder(size_t tables) {
  out_.push_back(static_cast<char>(WalRecordKind::kCommit));
  put_varint(out_, tables);
}

void CommitEncoder::begin_table(std::string_view name, size_t changes) {
  put_bytes(out_, name.data(), name.size());
  put_varint(out_, changes);
}

void CommitEncoder::put(const Record& row) {
  out_.push_back(static_cast<char>(kPut));
  put_varint(out_, row.size());
  for (const Value& v : row) encode_value(out_, v);
}

void CommitEncoder::erase(const Value& key) {
  out_.push_back(static_cast<char>(kErase));
  encode_value(out_, key);
}

DecodedRecord decode_record(std::string_view payload) {
  Decoder d(payload);
  DecodedRecord r;
  r.kind = static_cast<WalRecordKind>(d.byte());
  switch (r.kind) {
    case WalRecordKind::kCreateTable:
    case WalRecordKind::kDropTable: r.table = std::string(d.bytes()); break;
    case WalRecordKind::kCommit: {
      size_t tables = d.count();
      for (size_t t = 0; t < tables; ++t) {
        TableChangeSet set;
        set.table = std::string(d.bytes());
        size_t n = d.count();
        set.changes.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          RowChange c;
          uint8_t op = d.byte();
          if (op == kPut) {
            size_t cols = d.count();
            Record row;
            row.reserve(cols);
            for (size_t k = 0; k < cols; ++k) row.push_back(d.value());
            c.row = std::move(row);
          } else if (op == kErase) {
            c.key = d.value();
          } else {
            d.fail("unknown change kind");
          }
          set.changes.push_back(std::move(c));
        }
        r.commit.push_back(std::move(set));
      }
      break;
    }
    default: d.fail("unknown record kind");
  }
  if (!d.done()) d.fail("trailing bytes");
  return r;
}

}  // namespace tessera::detail
