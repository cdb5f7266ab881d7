// Line splitting and error texts shared by the jsonl readers.
#include "jsonl_internal.h"

namespace tessera::jsonl {

bool LineReader::next(std::string_view& line, bool& terminated) {
  for (;;) {
    size_t nl = buf_.find('\n', scanned_);
    if (nl != std::string::npos) {
      line = std::string_view(buf_).substr(begin_, nl - begin_);
      begin_ = scanned_ = nl + 1;
      terminated = true;
      ++line_;
      return true;
    }
    scanned_ = buf_.size();
    if (eof_) {
      if (begin_ == buf_.size()) return false;
      line = std::string_view(buf_).substr(begin_);
      begin_ = scanned_ = buf_.size();
      terminated = false;
      ++line_;
      return true;
    }
    // Keep only the unfinished line, then append the next chunk to it.
    buf_.erase(0, begin_);
    scanned_ -= begin_;
    begin_ = 0;
    if (!chunk_) chunk_ = std::make_unique<char[]>(kChunk);
    size_t n = in_.read(chunk_.get(), kChunk);
    buf_.append(chunk_.get(), n);
    eof_ = n == 0;
  }
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string where(std::string_view label, size_t line, std::string_view column, std::string_view what) {
  std::string s(label);
  s += ':';
  s += std::to_string(line);
  s += ": ";
  if (!column.empty()) {
    s += "column '";
    s += column;
    s += "': ";
  }
  s += what;
  return s;
}

std::string clip(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return std::string(s);
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string parse_reason(const nlohmann::json::exception& ex) {
  std::string_view s = ex.what();
  if (s.starts_with("[json.exception.")) {
    if (size_t p = s.find("] "); p != std::string_view::npos) s.remove_prefix(p + 2);
  }
  if (s.starts_with("parse error at line ")) {
    if (size_t p = s.find(": "); p != std::string_view::npos) s.remove_prefix(p + 2);
  }
  // The parser quotes the token it stopped in, which may be a whole long string.
  constexpr size_t kMax = 200;
  return s.size() <= kMax ? std::string(s) : std::string(s.substr(0, kMax)) + "...";
}

std::string syntax_message(std::string_view reason, bool terminated) {
  std::string s = terminated ? "invalid JSON: " : "truncated: last line has no line end and is not a complete JSON object: ";
  s += reason;
  return s;
}

}  // namespace tessera::jsonl
