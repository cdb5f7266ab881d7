#include "tessera/value.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "tessera/error.h"
#include "tessera/text_codec.h"

namespace tessera {

const char* type_name(Type type) {
  switch (type) {
    case Type::kNull: return "NULL";
    case Type::kBoolean: return "BOOLEAN";
    case Type::kInteger: return "INTEGER";
    case Type::kReal: return "REAL";
    case Type::kText: return "TEXT";
    case Type::kBlob: return "BLOB";
    case Type::kTimestamp: return "TIMESTAMP";
  }
  return "?";
}

namespace {

// Rank of a type in the cross-type order; INTEGER and REAL share a rank.
int rank(Type t) {
  switch (t) {
    case Type::kNull: return 0;
    case Type::kBoolean: return 1;
    case Type::kInteger:
    case Type::kReal: return 2;
    case Type::kText: return 3;
    case Type::kBlob: return 4;
    case Type::kTimestamp: return 5;
  }
  return 6;
}

std::strong_ordering compare_int_real(int64_t i, double d) {
  if (std::isnan(d)) return std::strong_ordering::less;  // NaN sorts after numbers
  // Doubles beyond the int64 range compare by sign alone.
  if (d >= 9223372036854775808.0) return std::strong_ordering::less;
  if (d < -9223372036854775808.0) return std::strong_ordering::greater;
  double t = std::trunc(d);
  auto ti = static_cast<int64_t>(t);
  if (i != ti) return i <=> ti;
  if (d > t) return std::strong_ordering::less;
  if (d < t) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

std::strong_ordering compare_real(double a, double b) {
  bool an = std::isnan(a), bn = std::isnan(b);
  if (an && bn) return std::strong_ordering::equal;
  if (an) return std::strong_ordering::greater;
  if (bn) return std::strong_ordering::less;
  if (a < b) return std::strong_ordering::less;
  if (a > b) return std::strong_ordering::greater;
  return std::strong_ordering::equal;  // also -0.0 == 0.0
}

template <class Bytes>
std::strong_ordering compare_bytes(const Bytes& a, const Bytes& b) {
  size_t n = std::min(a.size(), b.size());
  int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  return a.size() <=> b.size();
}

}  // namespace

void Value::mismatch(Type want) const {
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("expected a {} value, got {} {}", type_name(want), type_name(type()), to_string()));
}
std::string_view Value::as_text() const {
  if (auto p = std::get_if<value_detail::Text>(&v_)) return p->view();
  mismatch(Type::kText);
}
const Blob& Value::as_blob() const {
  if (auto p = std::get_if<Blob>(&v_)) return *p;
  mismatch(Type::kBlob);
}
Timestamp Value::as_timestamp() const {
  if (auto p = std::get_if<Timestamp>(&v_)) return *p;
  mismatch(Type::kTimestamp);
}

std::string Value::to_string() const {
  switch (type()) {
    case Type::kNull: return "NULL";
    case Type::kBoolean: return std::get<bool>(v_) ? "true" : "false";
    case Type::kInteger: return std::to_string(std::get<int64_t>(v_));
    case Type::kReal: return text::format_real(std::get<double>(v_));
    case Type::kText: {
      std::string_view s = text_unchecked();
      std::string out = "\"";
      size_t shown = 0;
      for (char c : s) {
        if (++shown > 64) {
          out += "...";
          break;
        }
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + "\"";
    }
    case Type::kBlob: {
      const auto& b = std::get<Blob>(v_);
      std::string out = "x'";
      for (size_t i = 0; i < b.size() && i < 32; ++i) out += fmt::format("{:02x}", b[i]);
      if (b.size() > 32) out += fmt::format("...({} bytes)", b.size());
      return out + "'";
    }
    case Type::kTimestamp: return text::format_timestamp(std::get<Timestamp>(v_));
  }
  return "?";
}

size_t Value::memory_usage() const {
  size_t n = sizeof(Value);
  if (auto p = std::get_if<value_detail::Text>(&v_); p && p->on_heap()) n += p->view().size();
  if (auto p = std::get_if<Blob>(&v_)) n += p->capacity();
  return n;
}

std::strong_ordering compare(const Value& a, const Value& b) {
  Type ta = a.type(), tb = b.type();
  if (ta == tb) {
    switch (ta) {
      case Type::kNull: return std::strong_ordering::equal;
      case Type::kBoolean: return std::get<bool>(a.v_) <=> std::get<bool>(b.v_);
      case Type::kInteger: return std::get<int64_t>(a.v_) <=> std::get<int64_t>(b.v_);
      case Type::kReal: return compare_real(std::get<double>(a.v_), std::get<double>(b.v_));
      case Type::kText: return compare_bytes(a.text_unchecked(), b.text_unchecked());
      case Type::kBlob: return compare_bytes(std::get<Blob>(a.v_), std::get<Blob>(b.v_));
      case Type::kTimestamp: return std::get<Timestamp>(a.v_) <=> std::get<Timestamp>(b.v_);
    }
  }
  if (ta == Type::kInteger && tb == Type::kReal)
    return compare_int_real(std::get<int64_t>(a.v_), std::get<double>(b.v_));
  if (ta == Type::kReal && tb == Type::kInteger)
    return 0 <=> compare_int_real(std::get<int64_t>(b.v_), std::get<double>(a.v_));
  return rank(ta) <=> rank(tb);
}

size_t Value::hash() const {
  auto mix = [](uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<size_t>(x);
  };
  switch (type()) {
    case Type::kNull: return 0x9e3779b9;
    case Type::kBoolean: return std::get<bool>(v_) ? 0x51 : 0x50;
    case Type::kInteger: return mix(static_cast<uint64_t>(std::get<int64_t>(v_)));
    case Type::kReal: {
      double d = std::get<double>(v_);
      // Equal INTEGER and REAL values must hash alike.
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        return mix(static_cast<uint64_t>(static_cast<int64_t>(d)));
      if (std::isnan(d)) return 0x7ff8;
      return mix(std::bit_cast<uint64_t>(d));
    }
    case Type::kText: return std::hash<std::string_view>()(text_unchecked());
    case Type::kBlob: {
      const auto& b = std::get<Blob>(v_);
      return std::hash<std::string_view>()(
          std::string_view(reinterpret_cast<const char*>(b.data()), b.size())) ^ 0xb10b;
    }
    case Type::kTimestamp: return mix(static_cast<uint64_t>(std::get<Timestamp>(v_).micros) ^ 0x7157);
  }
  return 0;
}

}  // namespace tessera
