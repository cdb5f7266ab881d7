// Pieces of the jsonl plugin shared between its source files. Nothing here is
// exported: the plugin is built with hidden visibility.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/format.h"

namespace tessera::jsonl {

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out);
std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label);
std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label);

// Splits a ByteSource into lines, reading it in chunks, so that a reader holds
// one line (plus at most one chunk) at a time.
class LineReader {
 public:
  explicit LineReader(ByteSource& in) : in_(in) {}
  // The next line without its '\n'; valid until the next call. terminated is
  // false for a last line that has no '\n'. Returns false at the end.
  bool next(std::string_view& line, bool& terminated);
  // 1-based number of the line last returned.
  size_t line_number() const { return line_; }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  ByteSource& in_;
  std::unique_ptr<char[]> chunk_;  // what one read() fills
  std::string buf_;                // the unfinished line, then the chunk
  size_t begin_ = 0;    // start of the unconsumed bytes in buf_
  size_t scanned_ = 0;  // bytes before this hold no '\n' past begin_
  size_t line_ = 0;
  bool eof_ = false;
};

// True for a line holding only JSON whitespace: such lines are skipped.
bool is_blank(std::string_view line);

// "<label>:<line>: column '<column>': <what>", or without the column part
// when column is empty.
std::string where(std::string_view label, size_t line, std::string_view column, std::string_view what);

// s cut to its first 40 bytes (whole UTF-8 characters) and "...": messages
// stay short whatever the data.
std::string clip(std::string_view s);

// A readable reason from a nlohmann parse error, without its "[json.exception...]"
// prefix and its line position (always line 1: we parse one line at a time).
std::string parse_reason(const nlohmann::json::exception& ex);

// Error text for a line that could not be parsed; tells a truncated last line apart.
std::string syntax_message(std::string_view reason, bool terminated);

// Errors raised while parsing one line, kept until the parser returns.
struct LineError {
  std::string column;  // empty when the error is not about one column
  std::string what;
  bool syntax = false;  // what is a parser message
  bool set = false;
  // Keeps the first error only; returns false, which stops the SAX parser.
  bool fail(std::string_view col, std::string w) {
    if (!set) {
      column = col;
      what = std::move(w);
      set = true;
    }
    return false;
  }
};

}  // namespace tessera::jsonl
