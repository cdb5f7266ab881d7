// Typed values: the cells of a record.
//
// A Value holds one of the seven column types. Values are cheap to move and
// compare; TEXT and BLOB own their bytes (short TEXT inline, see Text).
// Value is part of the plugin SDK: formats encode and decode Values,
// indexes order them.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tessera {

// Do not change the numeric values: they are part of persistent formats.
enum class Type : uint8_t {
  kNull = 0,
  kBoolean = 1,
  kInteger = 2,    // int64
  kReal = 3,       // IEEE-754 double
  kText = 4,       // UTF-8
  kBlob = 5,       // bytes
  kTimestamp = 6,  // microseconds since 1970-01-01T00:00:00Z
};

// "NULL", "BOOLEAN", "INTEGER", "REAL", "TEXT", "BLOB", "TIMESTAMP".
const char* type_name(Type type);

struct Timestamp {
  int64_t micros = 0;  // since the Unix epoch, UTC
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

using Blob = std::vector<uint8_t>;

namespace value_detail {

// GCC 12 reports the tag of a Text copied inside std::variant as maybe
// uninitialized (it cannot see that the variant holds a Text); every
// constructor sets the tag.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// The bytes of a TEXT value. Up to kInline bytes live inside the object, so
// typical short text (names, e-mail addresses, codes) needs no allocation
// and sits next to the record's other values; longer text is on the heap.
class Text {
 public:
  static constexpr size_t kInline = 30;  // bytes_ is 32: the text, a spare byte, the tag

  explicit Text(std::string_view s) { assign(s); }
  Text(const Text& o) { assign(o.view()); }
  Text(Text&& o) noexcept {
    std::memcpy(bytes_, o.bytes_, sizeof bytes_);
    o.bytes_[kInline + 1] = 0;  // o is now empty and owns nothing
  }
  Text& operator=(const Text& o) {
    if (this != &o) {
      Text copy(o);
      *this = std::move(copy);
    }
    return *this;
  }
  Text& operator=(Text&& o) noexcept {
    if (this != &o) {
      release();
      std::memcpy(bytes_, o.bytes_, sizeof bytes_);
      o.bytes_[kInline + 1] = 0;
    }
    return *this;
  }
  ~Text() { release(); }

  std::string_view view() const {
    if (tag() != kHeap) return {reinterpret_cast<const char*>(bytes_), tag()};
    Heap h;
    std::memcpy(&h, bytes_, sizeof h);
    return {h.data, h.size};
  }
  bool on_heap() const { return tag() == kHeap; }

 private:
  // bytes_[31] is the tag: the inline length, or kHeap when bytes_ holds a
  // Heap. Raw bytes rather than a union, so the tag is always readable.
  static constexpr uint8_t kHeap = 0xFF;
  struct Heap {
    char* data;
    size_t size;
  };
  uint8_t tag() const { return bytes_[kInline + 1]; }
  void assign(std::string_view s) {
    if (s.size() <= kInline) {
      if (!s.empty()) std::memcpy(bytes_, s.data(), s.size());
      bytes_[kInline + 1] = static_cast<uint8_t>(s.size());
    } else {
      Heap h{new char[s.size()], s.size()};
      std::memcpy(h.data, s.data(), s.size());
      std::memcpy(bytes_, &h, sizeof h);
      bytes_[kInline + 1] = kHeap;
    }
  }
  void release() {
    if (tag() == kHeap) delete[] view().data();
  }

  alignas(8) uint8_t bytes_[kInline + 2];
};
static_assert(sizeof(Text) == 32);

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace value_detail

class Value {
 public:
  Value() = default;  // NULL
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Value(I i) : v_(static_cast<int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(const std::string& s) : v_(value_detail::Text(s)) {}
  Value(std::string_view s) : v_(value_detail::Text(s)) {}
  Value(const char* s) : v_(value_detail::Text(s)) {}
  Value(Blob b) : v_(std::move(b)) {}
  Value(Timestamp t) : v_(t) {}

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }

  // Accessors throw Error(kInvalidArgument) naming both types on a mismatch.
  // The scalar ones are inline: decoding a row calls them per value.
  bool as_bool() const {
    if (auto p = std::get_if<bool>(&v_)) return *p;
    mismatch(Type::kBoolean);
  }
  int64_t as_int() const {
    if (auto p = std::get_if<int64_t>(&v_)) return *p;
    mismatch(Type::kInteger);
  }
  double as_real() const {  // INTEGER is widened
    if (auto p = std::get_if<double>(&v_)) return *p;
    if (auto p = std::get_if<int64_t>(&v_)) return static_cast<double>(*p);
    mismatch(Type::kReal);
  }
  // The view is valid while the Value lives unchanged.
  std::string_view as_text() const;
  const Blob& as_blob() const;
  Timestamp as_timestamp() const;

  // Unchecked access for hot paths. REQUIRES: type() is the matching type.
  int64_t int_unchecked() const { return *std::get_if<int64_t>(&v_); }
  std::string_view text_unchecked() const { return std::get_if<value_detail::Text>(&v_)->view(); }

  // A readable rendering for messages and the CLI: NULL, true, 42, 1.5,
  // "text" (quoted, escaped), x'00ff' for blobs, ISO 8601 for timestamps.
  std::string to_string() const;

  // Approximate heap + inline bytes, for memory accounting.
  size_t memory_usage() const;

  // Total order used by indexes and ORDER BY: NULL first, then BOOLEAN,
  // then numbers (INTEGER and REAL compared by value; NaN after every other
  // number), then TEXT (bytewise), BLOB (bytewise), TIMESTAMP.
  friend std::strong_ordering compare(const Value& a, const Value& b);
  friend bool operator==(const Value& a, const Value& b) { return compare(a, b) == 0; }
  friend std::strong_ordering operator<=>(const Value& a, const Value& b) { return compare(a, b); }

  // Consistent with ==: an INTEGER and a REAL of equal value hash alike.
  size_t hash() const;

 private:
  // Throws Error(kInvalidArgument): this value is not of type want.
  [[noreturn]] void mismatch(Type want) const;

  // The alternatives' order is Type's numbering.
  std::variant<std::monostate, bool, int64_t, double, value_detail::Text, Blob, Timestamp> v_;
};

struct ValueHash {
  size_t operator()(const Value& v) const { return v.hash(); }
};

// One record: a value per schema column, in schema order.
using Record = std::vector<Value>;
// A record read in place (a stored row, or a Record): valid only while what
// it views lives unchanged.
using RecordView = std::span<const Value>;

// Named values, for inserts and updates: {{"name", "Ann"}, {"age", 30}}.
using Fields = std::vector<std::pair<std::string, Value>>;

}  // namespace tessera
