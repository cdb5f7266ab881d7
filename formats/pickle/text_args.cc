#include "text_args.h"

#include <cstdint>

namespace tessera::pickle_format {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | cp >> 18);
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return true;
}

}  // namespace

std::optional<std::string> decode_quoted(std::string_view text) {
  if (text.size() < 2 || text.front() != text.back() || (text.front() != '\'' && text.front() != '"')) {
    return std::nullopt;
  }
  std::string_view s = text.substr(1, text.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      if (s[i] == '\\') return std::nullopt;  // a lone trailing backslash
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case '\n': break;
      case '\\': case '\'': case '"': out += c; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        if (i + 2 >= s.size() || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0) return std::nullopt;
        out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
        i += 2;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int v = c - '0';
          for (int k = 0; k < 2 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7'; ++k) {
            v = v * 8 + (s[++i] - '0');
          }
          out += static_cast<char>(v & 0xff);
        } else {
          out += '\\';
          out += c;
        }
    }
  }
  return out;
}

std::optional<std::string> decode_raw_unicode_escape(std::string_view s) {
  std::string out;
  size_t backslashes = 0;  // length of the run of backslashes just before i
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if ((c == 'u' || c == 'U') && backslashes % 2 == 1) {
      out.pop_back();  // the backslash belongs to the escape
      size_t digits = c == 'u' ? 4 : 8;
      if (i + digits >= s.size()) return std::nullopt;
      uint32_t cp = 0;
      for (size_t k = 1; k <= digits; ++k) {
        int h = hex_digit(s[i + k]);
        if (h < 0) return std::nullopt;
        cp = cp * 16 + static_cast<uint32_t>(h);
      }
      if (!append_utf8(out, cp)) return std::nullopt;
      i += digits;
      backslashes = 0;
      continue;
    }
    backslashes = c == '\\' ? backslashes + 1 : 0;
    append_utf8(out, static_cast<uint8_t>(c));  // Latin-1
  }
  return out;
}

}  // namespace tessera::pickle_format
