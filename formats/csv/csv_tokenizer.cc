// The RFC 4180 state machine. It works on runs of bytes within a chunk and
// only keeps the fields of the record being read.
#include <cstring>

#include "csv_internal.h"

namespace tessera::csv {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}  // namespace

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

Tokenizer::Tokenizer(ByteSource& in, char delimiter, std::string_view label)
    : in_(in), delimiter_(delimiter), label_(label) {
  for (unsigned char c : {static_cast<unsigned char>(delimiter), static_cast<unsigned char>('"'),
                          static_cast<unsigned char>('\r'), static_cast<unsigned char>('\n')})
    stops_[c] = true;
}

std::string Tokenizer::column_name(size_t i) const {
  return i < names_.size() ? names_[i] : "field " + std::to_string(i + 1);
}

void Tokenizer::fail(size_t line, std::string_view column, std::string_view what) const {
  throw Error(ErrorCode::kCorruption, where(label_, line, column, what));
}

bool Tokenizer::fill() {
  if (eof_) return false;
  if (!chunk_) chunk_ = std::make_unique<char[]>(kChunk);
  size_t n = in_.read(chunk_.get(), kChunk);
  pos_ = 0;
  if (!started_) {
    started_ = true;
    // Sources may return short reads: make sure a BOM is seen whole.
    for (size_t m = 1; n > 0 && n < 3 && m > 0; n += m) m = in_.read(chunk_.get() + n, 3 - n);
    if (std::string_view(chunk_.get(), n).starts_with(kBom)) pos_ = 3;
  }
  buf_ = std::string_view(chunk_.get(), n);
  eof_ = n == 0;
  return !eof_;
}

Field& Tokenizer::begin_field() {
  if (count_ == fields_.size()) fields_.emplace_back();
  Field& f = fields_[count_++];
  f.text.clear();
  f.quoted = false;
  f.line = line_;
  return f;
}

bool Tokenizer::next() {
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteSeen, kCR };
  State st = State::kFieldStart;
  Field* f = nullptr;
  count_ = 0;
  record_line_ = line_;
  for (;;) {
    while (pos_ == buf_.size()) {
      if (fill()) continue;
      if (st == State::kFieldStart && count_ == 0) return false;
      if (st == State::kQuoted)
        fail(f->line, column_name(count_ - 1), "unterminated quoted field (truncated file?)");
      // Without its line end we cannot tell a whole last row from a cut one.
      fail(record_line_, "", "truncated: the last row has no line end");
    }
    const char c = buf_[pos_];
    switch (st) {
      case State::kFieldStart:
        f = &begin_field();
        if (c == '"') {
          f->quoted = true;
          ++pos_;
          st = State::kQuoted;
        } else {
          st = State::kUnquoted;  // c is read again in that state
        }
        break;
      case State::kUnquoted: {
        size_t start = pos_;
        while (pos_ < buf_.size() && !stops_[static_cast<unsigned char>(buf_[pos_])]) ++pos_;
        f->text.append(buf_.substr(start, pos_ - start));
        if (pos_ == buf_.size()) break;
        const char s = buf_[pos_++];
        if (s == delimiter_) {
          st = State::kFieldStart;
        } else if (s == '\n') {
          ++line_;
          return true;
        } else if (s == '\r') {
          st = State::kCR;
        } else {
          fail(line_, column_name(count_ - 1), "quote inside an unquoted field");
        }
        break;
      }
      case State::kQuoted: {
        size_t start = pos_;
        const char* q = static_cast<const char*>(std::memchr(buf_.data() + pos_, '"', buf_.size() - pos_));
        pos_ = q ? static_cast<size_t>(q - buf_.data()) : buf_.size();
        for (size_t i = start; i < pos_; ++i) line_ += buf_[i] == '\n';
        f->text.append(buf_.substr(start, pos_ - start));
        if (q) {
          ++pos_;
          st = State::kQuoteSeen;
        }
        break;
      }
      case State::kQuoteSeen:
        ++pos_;
        if (c == '"') {  // a doubled quote stands for one
          f->text += '"';
          st = State::kQuoted;
        } else if (c == delimiter_) {
          st = State::kFieldStart;
        } else if (c == '\n') {
          ++line_;
          return true;
        } else if (c == '\r') {
          st = State::kCR;
        } else {
          fail(line_, column_name(count_ - 1), "unexpected character after a closing quote");
        }
        break;
      case State::kCR:
        ++pos_;
        if (c != '\n') fail(line_, "", "carriage return not followed by a line feed");
        ++line_;
        return true;
    }
  }
}

}  // namespace tessera::csv
