// Text encodings shared by the formats and the CLI, so that every plugin
// spells a TIMESTAMP, a BLOB or a REAL the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tessera/value.h"

namespace tessera::text {

// RFC 4648 base64 with padding. decode returns nullopt on invalid input.
std::string base64_encode(const Blob& bytes);
std::optional<Blob> base64_decode(std::string_view text);

// ISO 8601 UTC with microseconds: "2024-05-01T12:00:00.000001Z" (the
// fraction is omitted when zero). parse accepts that form, a 'T' or ' '
// separator, an optional fraction of 1-9 digits, and 'Z' or +hh:mm / -hh:mm.
std::string format_timestamp(Timestamp ts);
std::optional<Timestamp> parse_timestamp(std::string_view text);

// Shortest text that reads back to the same double; "NaN", "Infinity",
// "-Infinity" for the non-finite values.
std::string format_real(double d);
// Strict parsers: the whole text must be consumed.
std::optional<double> parse_real(std::string_view text);  // also NaN/Infinity/-Infinity/inf/nan
std::optional<int64_t> parse_integer(std::string_view text);
// "true"/"false" (also 1/0, case-insensitive true/false).
std::optional<bool> parse_boolean(std::string_view text);

// True when text is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);
// Number of code points in well-formed UTF-8.
size_t utf8_length(std::string_view text);

}  // namespace tessera::text
