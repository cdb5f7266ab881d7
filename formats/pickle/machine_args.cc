// The argument readers of the pickle machine: fixed-size integers, length-
// prefixed payloads (read as they arrive, never allocated up front), text
// lines of protocol 0, and the checks that turn bytes into str, bytes and int.
#include <string_view>

#include <fmt/format.h>

#include "machine.h"
#include "opcodes.h"
#include "tessera/text_codec.h"

namespace tessera::pickle_format {
uint8_t Machine::read_u8() {
  int c = input_.get();
  if (c < 0) {
    fail(ErrorCode::kCorruption,
         fmt::format("truncated: the input ends inside {} at byte offset {}", op_name(op_), op_offset_));
  }
  return static_cast<uint8_t>(c);
}

uint64_t Machine::read_le(int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{read_u8()} << (8 * i);
  return v;
}

std::string& Machine::read_payload(uint64_t n) {
  if (n > limits_.max_record_bytes) {
    fail(ErrorCode::kCorruption, fmt::format("{} at byte offset {} declares {} bytes, more than max_record_bytes ({})",
                                             op_name(op_), op_offset_, n, limits_.max_record_bytes));
  }
  if (!input_.read_string(scratch_, n)) {
    fail(ErrorCode::kCorruption, fmt::format("truncated: {} at byte offset {} declares {} bytes, but the input ends first",
                                             op_name(op_), op_offset_, n));
  }
  return scratch_;
}

std::string& Machine::read_text_line(size_t max) {
  if (!input_.read_line(scratch_, max)) {
    fail(ErrorCode::kCorruption,
         fmt::format("the argument of {} at byte offset {} is truncated or too long", op_name(op_), op_offset_));
  }
  return scratch_;
}

Obj Machine::read_long(uint64_t n) {
  if (n > limits_.max_record_bytes) {
    fail(ErrorCode::kCorruption, fmt::format("{} at byte offset {} declares {} bytes", op_name(op_), op_offset_, n));
  }
  // Little-endian two's complement; beyond 8 bytes only sign extension fits.
  uint64_t v = 0;
  bool high_zero = true, high_ones = true;
  uint8_t last = 0;
  for (uint64_t k = 0; k < n; ++k) {
    last = read_u8();
    if (k < 8) {
      v |= uint64_t{last} << (8 * k);
    } else {
      high_zero = high_zero && last == 0;
      high_ones = high_ones && last == 0xff;
    }
  }
  bool negative = n > 0 && (last & 0x80);
  if (n > 0 && n < 8 && negative) v |= ~uint64_t{0} << (8 * n);
  if (n > 8 && !(negative ? high_ones && (v >> 63) : high_zero && !(v >> 63))) {
    fail(ErrorCode::kUnsupported, fmt::format("{} at byte offset {} holds an integer beyond the 64-bit signed range",
                                              op_name(op_), op_offset_));
  }
  Obj o = make_obj(Obj::Kind::kInt);
  o.i = static_cast<int64_t>(v);
  return o;
}

Obj Machine::text_int(bool is_long) {
  std::string& line = read_text_line(kMaxNumberLine);
  if (!is_long && (line == "00" || line == "01")) {  // protocol 0 spells booleans this way
    Obj o = make_obj(Obj::Kind::kBool);
    o.b = line == "01";
    return o;
  }
  std::string_view t = line;
  if (is_long && !t.empty() && t.back() == 'L') t.remove_suffix(1);
  auto v = text::parse_integer(t);
  if (!v) {
    std::string_view digits = t.substr(!t.empty() && (t[0] == '-' || t[0] == '+'));
    bool well_formed = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
    fail(well_formed ? ErrorCode::kUnsupported : ErrorCode::kCorruption,
         fmt::format("{} at byte offset {} holds '{}', {}", op_name(op_), op_offset_, t.substr(0, 40),
                     well_formed ? "beyond the 64-bit signed range" : "not an integer"));
  }
  Obj o = make_obj(Obj::Kind::kInt);
  o.i = *v;
  return o;
}

Obj Machine::make_str(std::string& bytes) {
  if (!text::is_valid_utf8(bytes)) {
    fail(ErrorCode::kCorruption,
         fmt::format("{} at byte offset {} holds a str that is not valid UTF-8", op_name(op_), op_offset_));
  }
  Obj o = make_obj(Obj::Kind::kStr);
  o.s = std::make_shared<const std::string>(std::move(bytes));
  return o;
}

Obj Machine::make_bytes(std::string& bytes) {
  Obj o = make_obj(Obj::Kind::kBytes);
  o.s = std::make_shared<const std::string>(std::move(bytes));
  return o;
}

}  // namespace tessera::pickle_format
