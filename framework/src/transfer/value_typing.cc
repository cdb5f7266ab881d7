// Inferring a column's type from the values an import file holds, and
// converting those values to the column's type.
#include <cmath>

#include <fmt/format.h>

#include "tessera/text_codec.h"
#include "transfer_internal.h"

namespace tessera::detail::transfer {

namespace {

// "007" and "-0012" stay text: zip codes and phone numbers lose their
// leading zeros as numbers. "0", "0.5" and "-0.0" are numbers.
bool leading_zero(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s.size() > 1 && s[0] == '0' && std::isdigit(static_cast<unsigned char>(s[1]));
}

bool is_boolean_word(std::string_view s) {
  auto eq = [&](std::string_view w) {
    if (s.size() != w.size()) return false;
    for (size_t i = 0; i < s.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != w[i]) return false;
    return true;
  };
  return eq("true") || eq("false");
}

// A date first: "2024-05-01", "2024-05-01T12:00:00Z", "-0044-03-15...".
bool is_timestamp(std::string_view s) {
  return s.size() >= 10 && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+') &&
         text::parse_timestamp(s).has_value();
}

std::optional<int64_t> integral(double d) {
  if (d == std::trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
    return static_cast<int64_t>(d);
  return std::nullopt;
}

std::string clipped(const Value& v) {
  std::string s = v.to_string();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string as_text(const Value& v) {
  switch (v.type()) {
    case Type::kBoolean: return v.as_bool() ? "true" : "false";
    case Type::kInteger: return std::to_string(v.int_unchecked());
    case Type::kReal: return text::format_real(v.as_real());
    case Type::kBlob: return text::base64_encode(v.as_blob());
    case Type::kTimestamp: return text::format_timestamp(v.as_timestamp());
    default: return v.is_null() ? std::string() : std::string(v.as_text());
  }
}

}  // namespace

void TypeGuess::observe(const Value& v, bool typed) {
  switch (v.type()) {
    case Type::kNull: return;
    case Type::kBoolean: bools_ = true; return;
    case Type::kInteger: ints_ = true; return;
    case Type::kReal: reals_ = true; return;
    case Type::kBlob: blobs_ = true; return;
    case Type::kTimestamp: stamps_ = true; return;
    case Type::kText: break;
  }
  std::string_view s = v.text_unchecked();
  if (!typed && !leading_zero(s)) {
    if (text::parse_integer(s)) return void(ints_ = true);
    if (text::parse_real(s)) return void(reals_ = true);
    if (is_boolean_word(s)) return void(bools_ = true);
  }
  if (is_timestamp(s)) return void(stamps_ = true);
  // How JSON Lines spells the non-finite REALs.
  if (typed && (s == "NaN" || s == "Infinity" || s == "-Infinity")) return void(non_finite_ = true);
  text_ = true;
}

Type TypeGuess::type() const {
  bool numbers = ints_ || reals_ || non_finite_;
  int kinds = int{bools_} + int{numbers} + int{stamps_} + int{blobs_};
  if (text_ || kinds != 1) return Type::kText;  // text, a mix, or only NULLs
  if (bools_) return Type::kBoolean;
  if (stamps_) return Type::kTimestamp;
  if (blobs_) return Type::kBlob;
  if (reals_ || (ints_ && non_finite_)) return Type::kReal;
  return ints_ ? Type::kInteger : Type::kText;
}

std::string coerce(Value& v, const Column& c) {
  const Type have = v.type();
  if (have == Type::kNull || have == c.type) return {};
  const bool text = have == Type::kText;
  switch (c.type) {
    case Type::kText: v = Value(as_text(v)); return {};
    case Type::kInteger: {
      std::optional<int64_t> i;
      if (text) {
        i = text::parse_integer(v.text_unchecked());
        if (!i)
          if (auto d = text::parse_real(v.text_unchecked())) i = integral(*d);
      } else if (have == Type::kReal) {
        i = integral(v.as_real());
      }
      if (i) return v = Value(*i), std::string();
      break;
    }
    case Type::kReal: {
      if (have == Type::kInteger) return v = Value(static_cast<double>(v.int_unchecked())), std::string();
      if (text)
        if (auto d = text::parse_real(v.text_unchecked())) return v = Value(*d), std::string();
      break;
    }
    case Type::kBoolean: {
      if (text)
        if (auto b = text::parse_boolean(v.text_unchecked())) return v = Value(*b), std::string();
      if (have == Type::kInteger && (v.int_unchecked() == 0 || v.int_unchecked() == 1))
        return v = Value(v.int_unchecked() == 1), std::string();
      break;
    }
    case Type::kTimestamp:
      if (text)
        if (auto t = text::parse_timestamp(v.text_unchecked())) return v = Value(*t), std::string();
      break;
    case Type::kBlob:
      if (text)
        if (auto b = text::base64_decode(v.text_unchecked())) return v = Value(std::move(*b)), std::string();
      break;
    case Type::kNull: break;
  }
  return fmt::format("column '{}': {} is not a valid {}", c.name, clipped(v), c.type_text());
}

}  // namespace tessera::detail::transfer
