// Pieces of the csv plugin shared between its source files. Nothing here is
// exported: the plugin is built with hidden visibility.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/error.h"
#include "tessera/format.h"

namespace tessera::csv {

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out, char delimiter, bool header);
std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label,
                                          char delimiter);
std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label, char delimiter);

// "<label>:<line>: column '<column>': <what>", without the column part when
// column is empty.
std::string where(std::string_view label, size_t line, std::string_view column, std::string_view what);

struct Field {
  std::string text;     // unquoted, with doubled quotes undone
  bool quoted = false;  // an empty unquoted field is NULL, "" is an empty string
  size_t line = 0;      // the line the field starts on
};

// Splits a byte stream into records of fields, reading it in chunks so that
// only the current record is held. Throws Error(kCorruption) for an
// unterminated quote, a stray quote, a bare CR and a last record with no line
// end; says nothing about the number of fields.
class Tokenizer {
 public:
  Tokenizer(ByteSource& in, char delimiter, std::string_view label);

  // Reads the next record. Returns false at a clean end: the stream ended
  // exactly after a line end (or is empty). A UTF-8 BOM at the start is skipped.
  bool next();
  size_t size() const { return count_; }
  Field& operator[](size_t i) { return fields_[i]; }
  // The line on which the record last read begins.
  size_t record_line() const { return record_line_; }

  // Names used in messages for fields 0, 1, ...; other fields are "field <n>".
  void set_names(std::vector<std::string> names) { names_ = std::move(names); }
  std::string column_name(size_t i) const;
  [[noreturn]] void fail(size_t line, std::string_view column, std::string_view what) const;
  const std::string& label() const { return label_; }

 private:
  bool fill();
  Field& begin_field();

  ByteSource& in_;
  const char delimiter_;
  const std::string label_;
  std::vector<std::string> names_;
  bool stops_[256] = {};  // bytes that end a run of unquoted field text
  static constexpr size_t kChunk = 64 * 1024;
  std::unique_ptr<char[]> chunk_;  // what one read() fills
  std::string_view buf_;           // the bytes of chunk_ read last
  size_t pos_ = 0;
  bool started_ = false;
  bool eof_ = false;
  size_t line_ = 1;
  size_t record_line_ = 1;
  std::vector<Field> fields_;  // reused across records to keep their buffers
  size_t count_ = 0;
};

}  // namespace tessera::csv
