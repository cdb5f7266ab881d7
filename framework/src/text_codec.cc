#include "tessera/text_codec.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace tessera::text {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}
}  // namespace

std::string base64_encode(const Blob& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size_t rest = bytes.size() - i) {
    uint32_t v = bytes[i] << 16 | (rest == 2 ? bytes[i + 1] << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<Blob> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  Blob out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;  // data after padding
        v[k] = b64_value(c);
        if (v[k] < 0) return std::nullopt;
      }
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<uint8_t>(n >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(n >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(n));
  }
  return out;
}

std::string format_timestamp(Timestamp ts) {
  int64_t secs = floor_div(ts.micros, 1000000);
  int64_t frac = ts.micros % 1000000;  // not micros - secs * 1e6: that overflows near INT64_MIN
  if (frac < 0) frac += 1000000;
  int64_t days = floor_div(secs, 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  // Years before 1 keep four digits after the sign ("-0001"), as ISO 8601's
  // expanded form does and as parse_timestamp expects.
  std::string year = y < 0 ? fmt::format("-{:04}", -y) : fmt::format("{:04}", y);
  std::string out = fmt::format("{}-{:02}-{:02}T{:02}:{:02}:{:02}", year, m, d, rem / 3600, (rem / 60) % 60, rem % 60);
  if (frac) out += fmt::format(".{:06}", frac);
  return out + "Z";
}

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  int64_t y, mo, d, h, mi, se;
  size_t p = 0;
  bool neg_year = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg_year = s[0] == '-';
    p = 1;
  }
  size_t ydigits = 0;
  while (p + ydigits < s.size() && std::isdigit(static_cast<unsigned char>(s[p + ydigits]))) ++ydigits;
  if (ydigits < 4 || ydigits > 6 || !digits(s, p, ydigits, y)) return std::nullopt;
  if (neg_year) y = -y;
  p += ydigits;
  if (p >= s.size() || s[p] != '-' || !digits(s, p + 1, 2, mo)) return std::nullopt;
  p += 3;
  if (p >= s.size() || s[p] != '-' || !digits(s, p + 1, 2, d)) return std::nullopt;
  p += 3;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  h = mi = se = 0;
  int64_t micros = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, mi))
      return std::nullopt;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, se)) return std::nullopt;
      p += 3;
    }
    if (h > 23 || mi > 59 || se > 60) return std::nullopt;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      size_t n = 0;
      int64_t scale = 100000;
      ++p;
      while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
        if (n < 6) micros += (s[p] - '0') * scale, scale /= 10;
        ++n, ++p;
      }
      if (n == 0 || n > 9) return std::nullopt;
    }
    int64_t offset = 0;
    if (p < s.size()) {
      if (s[p] == 'Z' || s[p] == 'z') {
        ++p;
      } else if (s[p] == '+' || s[p] == '-') {
        int64_t oh, om;
        int sign = s[p] == '-' ? -1 : 1;
        if (!digits(s, p + 1, 2, oh)) return std::nullopt;
        size_t q = p + 3;
        if (q < s.size() && s[q] == ':') ++q;
        if (!digits(s, q, 2, om)) return std::nullopt;
        offset = sign * (oh * 3600 + om * 60);
        p = q + 2;
      } else {
        return std::nullopt;
      }
    }
    if (p != s.size()) return std::nullopt;
    se -= offset;
  }
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t check_y;
  unsigned check_m, check_d;
  civil_from_days(days, check_y, check_m, check_d);
  if (check_m != mo || check_d != d) return std::nullopt;  // e.g. February 30
  // 128-bit, since seconds * 1e6 may leave the int64 range before the
  // fraction brings the sum back in (at the very bottom of the range).
  __int128 total = (static_cast<__int128>(days) * 86400 + h * 3600 + mi * 60 + se) * 1000000 + micros;
  if (total < INT64_MIN || total > INT64_MAX) return std::nullopt;  // outside what a TIMESTAMP can hold
  return Timestamp{static_cast<int64_t>(total)};
}

std::string format_real(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::optional<double> parse_real(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == "NaN" || iequals(s, "nan")) return std::nan("");
  if (s == "Infinity" || iequals(s, "inf") || iequals(s, "+inf") || s == "+Infinity")
    return HUGE_VAL;
  if (s == "-Infinity" || iequals(s, "-inf")) return -HUGE_VAL;
  std::string_view t = s;
  if (t[0] == '+') t.remove_prefix(1);
  double d;
  auto r = std::from_chars(t.data(), t.data() + t.size(), d);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return d;
}

std::optional<int64_t> parse_integer(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string_view t = s;
  if (t[0] == '+') t.remove_prefix(1);
  int64_t v;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_boolean(std::string_view s) {
  if (iequals(s, "true") || s == "1") return true;
  if (iequals(s, "false") || s == "0") return false;
  return std::nullopt;
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return false;
    if (end - p < n + 1) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += n + 1;
  }
  return true;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace tessera::text
