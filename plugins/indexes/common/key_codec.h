// Canonical, order-preserving byte encodings of index keys, shared by the
// index plugins (header-only: each plugin compiles its own hidden copy).
//
// encode_key() turns a key (one Value per column) into bytes such that
//  - bytewise order (memcmp, shorter first) equals tessera::compare order,
//    column by column, and
//  - keys that compare equal (INTEGER 1 and REAL 1.0, -0.0 and 0.0, any two
//    NaNs) encode to identical bytes,
// so the btree compares keys with memcmp and the hash index hashes bytes.
//
// Per column: a tag byte (its order is the cross-type order of value.h), then
//   NULL       nothing
//   BOOLEAN    one byte 0/1
//   numbers    8 bytes: the order-preserving bits of the largest double <= x,
//              then 2 bytes: x minus that double (non-zero only for integers
//              beyond 2^53 that no double represents); in the index's last
//              column the 2 bytes are left out when zero
//   TEXT/BLOB  the raw bytes in the last column; elsewhere 0x00 escaped as
//              00 FF and terminated by 00 00, so the column is prefix-free
//   TIMESTAMP  8 bytes big-endian with the sign bit flipped
// Every column but the last is prefix-free, so the encoding of a prefix key
// (fewer columns) is a byte prefix of the encodings of the keys it matches.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "tessera/error.h"
#include "tessera/index.h"
#include "tessera/value.h"

namespace tessera::index_keys {

enum Tag : uint8_t {
  kTagNull = 1,
  kTagBool = 2,
  kTagNumber = 3,
  kTagText = 4,
  kTagBlob = 5,
  kTagTimestamp = 6,
};

// A growable byte buffer that keeps typical keys off the heap.
class KeyBuffer {
 public:
  KeyBuffer() = default;
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

  void push(uint8_t b) {
    if (size_ == cap_) grow(1);
    data_[size_++] = b;
  }
  void append(const void* p, size_t n) {
    if (size_ + n > cap_) grow(n);
    if (n) std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void append_be64(uint64_t v) {
    uint8_t b[8];
    for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<uint8_t>(v);
    append(b, 8);
  }

 private:
  void grow(size_t need) {
    size_t cap = std::max(cap_ * 2, size_ + need);
    auto heap = std::make_unique<uint8_t[]>(cap);
    std::memcpy(heap.get(), data_, size_);
    heap_ = std::move(heap);
    data_ = heap_.get();
    cap_ = cap;
  }

  uint8_t inline_[120];
  std::unique_ptr<uint8_t[]> heap_;
  uint8_t* data_ = inline_;
  size_t size_ = 0;
  size_t cap_ = sizeof(inline_);
};

inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return std::endian::native == std::endian::little ? __builtin_bswap64(v) : v;
}

// Monotone map of non-NaN doubles to unsigned integers; NaN maps above +inf.
inline uint64_t double_order_bits(double d) {
  if (std::isnan(d)) return ~uint64_t{0};
  if (d == 0) d = 0.0;  // -0.0 == 0.0
  uint64_t b = std::bit_cast<uint64_t>(d);
  return (b >> 63) ? ~b : b | (uint64_t{1} << 63);
}
inline double double_from_order_bits(uint64_t o) {
  if (o == ~uint64_t{0}) return std::numeric_limits<double>::quiet_NaN();
  uint64_t b = (o >> 63) ? o & ~(uint64_t{1} << 63) : ~o;
  return std::bit_cast<double>(b);
}

// An integer as (largest double <= i, i minus that double).
inline void split_integer(int64_t i, double& d, uint16_t& rest) {
  constexpr int64_t kExact = int64_t{1} << 53;
  d = static_cast<double>(i);
  rest = 0;
  if (i >= -kExact && i <= kExact) return;
  if (static_cast<__int128>(d) > i) d = std::nextafter(d, -HUGE_VAL);
  rest = static_cast<uint16_t>(static_cast<__int128>(i) - static_cast<__int128>(d));
}

inline void encode_bytes(const uint8_t* p, size_t n, bool last, KeyBuffer& out) {
  if (last) {
    out.append(p, n);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    out.push(p[i]);
    if (p[i] == 0) out.push(0xFF);
  }
  out.push(0);
  out.push(0);
}

// Appends one column; returns true when the value is NULL.
inline bool encode_value(const Value& v, bool last, KeyBuffer& out) {
  switch (v.type()) {
    case Type::kNull:
      out.push(kTagNull);
      return true;
    case Type::kBoolean:
      out.push(kTagBool);
      out.push(v.as_bool() ? 1 : 0);
      return false;
    case Type::kInteger:
    case Type::kReal: {
      double d;
      uint16_t rest = 0;
      if (v.type() == Type::kInteger) split_integer(v.int_unchecked(), d, rest);
      else d = v.as_real();
      out.push(kTagNumber);
      out.append_be64(double_order_bits(d));
      if (!last || rest) {
        out.push(static_cast<uint8_t>(rest >> 8));
        out.push(static_cast<uint8_t>(rest));
      }
      return false;
    }
    case Type::kText: {
      std::string_view s = v.text_unchecked();
      out.push(kTagText);
      encode_bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size(), last, out);
      return false;
    }
    case Type::kBlob: {
      const Blob& b = v.as_blob();
      out.push(kTagBlob);
      encode_bytes(b.data(), b.size(), last, out);
      return false;
    }
    case Type::kTimestamp:
      out.push(kTagTimestamp);
      out.append_be64(static_cast<uint64_t>(v.as_timestamp().micros) ^ (uint64_t{1} << 63));
      return false;
  }
  throw Error(ErrorCode::kInvalidArgument, "index key: unknown value type");
}

// Encodes the first key.size() columns of an index of ncols columns (a
// shorter key is a prefix). Returns true when any part is NULL.
inline bool encode_key(const IndexKey& key, size_t ncols, KeyBuffer& out) {
  out.clear();
  bool has_null = false;
  for (size_t i = 0; i < key.size(); ++i) has_null |= encode_value(key[i], i + 1 == ncols, out);
  return has_null;
}

// Decodes bytes written by encode_key for a full key. Numbers come back as
// REAL in REAL columns and as INTEGER elsewhere when integral (the stored
// key compares equal either way).
inline void decode_key(const uint8_t* p, size_t n, const std::vector<Type>& types, IndexKey& out) {
  out.clear();
  const uint8_t* end = p + n;
  const size_t ncols = types.size();
  auto bad = [] { throw Error(ErrorCode::kCorruption, "index key: malformed key bytes"); };
  auto read_bytes = [&](bool last, std::string& s) {
    if (last) {
      s.assign(reinterpret_cast<const char*>(p), end - p);
      p = end;
      return;
    }
    for (;;) {
      if (end - p < 2) bad();
      if (p[0] == 0) {
        if (p[1] == 0) break;
        s.push_back(0);
        p += 2;
      } else {
        s.push_back(static_cast<char>(*p++));
      }
    }
    p += 2;
  };
  for (size_t col = 0; col < ncols && p < end; ++col) {
    const bool last = col + 1 == ncols;
    switch (*p++) {
      case kTagNull: out.emplace_back(); break;
      case kTagBool:
        if (p == end) bad();
        out.emplace_back(*p++ != 0);
        break;
      case kTagNumber: {
        if (end - p < 8) bad();
        double d = double_from_order_bits(load_be64(p));
        p += 8;
        uint16_t rest = 0;
        if (!last || p != end) {
          if (end - p < 2) bad();
          rest = static_cast<uint16_t>(p[0] << 8 | p[1]);
          p += 2;
        }
        if (rest) {
          out.emplace_back(static_cast<int64_t>(static_cast<__int128>(d) + rest));
        } else if (types[col] != Type::kReal && std::trunc(d) == d && d >= -9223372036854775808.0 &&
                   d < 9223372036854775808.0) {
          out.emplace_back(static_cast<int64_t>(d));
        } else {
          out.emplace_back(d);
        }
        break;
      }
      case kTagText: {
        std::string s;
        read_bytes(last, s);
        out.emplace_back(std::move(s));
        break;
      }
      case kTagBlob: {
        std::string s;
        read_bytes(last, s);
        out.emplace_back(Blob(s.begin(), s.end()));
        break;
      }
      case kTagTimestamp:
        if (end - p < 8) bad();
        out.emplace_back(Timestamp{static_cast<int64_t>(load_be64(p) ^ (uint64_t{1} << 63))});
        p += 8;
        break;
      default: bad();
    }
  }
}

// Error(kInvalidArgument) unless a full key has the index's column count.
inline void check_key_size(const IndexSpec& spec, const IndexKey& key) {
  if (key.size() != spec.columns.size())
    throw Error(ErrorCode::kInvalidArgument,
                "index '" + spec.name + "' on table '" + spec.table + "' has " +
                    std::to_string(spec.columns.size()) + " column(s), the key has " +
                    std::to_string(key.size()));
}

}  // namespace tessera::index_keys
