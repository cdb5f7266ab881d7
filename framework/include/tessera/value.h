// Typed values: the cells of a record.
//
// A Value holds one of the seven column types. Values are cheap to move and
// compare; TEXT and BLOB own their bytes. Value is part of the plugin SDK:
// formats encode and decode Values, indexes order them.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
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

class Value {
 public:
  Value() = default;  // NULL
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Value(I i) : v_(static_cast<int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Blob b) : v_(std::move(b)) {}
  Value(Timestamp t) : v_(t) {}

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }

  // Accessors throw Error(kInvalidArgument) naming both types on a mismatch.
  bool as_bool() const;
  int64_t as_int() const;
  double as_real() const;  // INTEGER is widened
  const std::string& as_text() const;
  const Blob& as_blob() const;
  Timestamp as_timestamp() const;

  // Unchecked access for hot paths. REQUIRES: type() is the matching type.
  int64_t int_unchecked() const { return *std::get_if<int64_t>(&v_); }
  const std::string& text_unchecked() const { return *std::get_if<std::string>(&v_); }

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
  std::variant<std::monostate, bool, int64_t, double, std::string, Blob, Timestamp> v_;
};

struct ValueHash {
  size_t operator()(const Value& v) const { return v.hash(); }
};

// One record: a value per schema column, in schema order.
using Record = std::vector<Value>;

// Named values, for inserts and updates: {{"name", "Ann"}, {"age", 30}}.
using Fields = std::vector<std::pair<std::string, Value>>;

}  // namespace tessera
