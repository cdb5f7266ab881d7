// Arguments of the text opcodes of pickle protocol 0 (STRING, UNICODE).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::pickle_format {

// STRING's argument: a quoted Python 2 string literal ('...' or "...") with
// backslash escapes (\\ \' \" \a \b \f \n \r \t \v \xhh \ooo, backslash-
// newline); unknown escapes stay as written, as in Python. The raw bytes.
std::optional<std::string> decode_quoted(std::string_view text);

// UNICODE's argument in raw-unicode-escape: bytes are Latin-1 code points,
// \uXXXX and \UXXXXXXXX (after an odd run of backslashes) are escapes. The
// text as UTF-8; nullopt for a malformed escape or a surrogate.
std::optional<std::string> decode_raw_unicode_escape(std::string_view text);

}  // namespace tessera::pickle_format
