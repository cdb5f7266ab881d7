// Writes a header row and records as RFC 4180 rows ending in "\n".
#include <charconv>

#include "csv_internal.h"
#include "tessera/text_codec.h"

namespace tessera::csv {

namespace {

constexpr size_t kFlushAt = 64 * 1024;

class CsvWriter final : public RecordWriter {
 public:
  CsvWriter(const Schema& schema, ByteSink& out, char delimiter, bool header)
      : schema_(schema), out_(out), delimiter_(delimiter) {
    if (!header) return;
    for (size_t i = 0; i < schema.size(); ++i) {
      if (i) buf_ += delimiter_;
      append_field(schema[i].name);
    }
    buf_ += '\n';
  }

  void write(RecordView record) override {
    if (record.size() != schema_.size())
      throw Error(ErrorCode::kInvalidArgument, "csv: record has " + std::to_string(record.size()) +
                                                   " values, the schema has " +
                                                   std::to_string(schema_.size()) + " columns");
    // A refused value must not leave half a record behind for finish() to flush.
    const size_t mark = buf_.size();
    try {
      for (size_t i = 0; i < record.size(); ++i) {
        if (i) buf_ += delimiter_;
        append_value(i, record[i]);
      }
      buf_ += '\n';
    } catch (...) {
      buf_.resize(mark);
      throw;
    }
    if (buf_.size() >= kFlushAt) flush();
  }

  void finish() override { flush(); }

 private:
  // Quotes a field when it holds a delimiter, quote, CR or LF, and always
  // when it is empty: an empty unquoted field means NULL.
  void append_field(std::string_view s) {
    bool quote = s.empty();
    for (char c : s) {
      if (c == delimiter_ || c == '"' || c == '\r' || c == '\n') {
        quote = true;
        break;
      }
    }
    if (!quote) {
      buf_ += s;
      return;
    }
    buf_ += '"';
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '"') continue;
      buf_.append(s.data() + run, i + 1 - run);
      buf_ += '"';
      run = i + 1;
    }
    buf_.append(s.data() + run, s.size() - run);
    buf_ += '"';
  }

  void append_value(size_t i, const Value& v) {
    if (v.is_null()) return;
    Type want = schema_[i].type;
    if (v.type() != want && !(want == Type::kReal && v.type() == Type::kInteger))
      throw Error(ErrorCode::kInvalidArgument, "csv: column '" + schema_[i].name + "': expected " +
                                                   type_name(want) + ", got " + type_name(v.type()));
    switch (want) {
      case Type::kBoolean: append_field(v.as_bool() ? "true" : "false"); break;
      case Type::kInteger: {
        char tmp[24];
        auto r = std::to_chars(tmp, tmp + sizeof tmp, v.int_unchecked());
        append_field(std::string_view(tmp, r.ptr - tmp));
        break;
      }
      case Type::kReal: append_field(real_text(v.as_real())); break;
      case Type::kText: append_field(v.text_unchecked()); break;
      case Type::kBlob: append_field(text::base64_encode(v.as_blob())); break;
      case Type::kTimestamp: append_field(timestamp_text(i, v.as_timestamp())); break;
      case Type::kNull: break;
    }
  }

  // Spellings pandas and Python's float() both read: NaN, inf, -inf. Finite
  // values get a '.' or an exponent so that pandas infers a float column and
  // -0.0 keeps its sign.
  static std::string real_text(double d) {
    std::string t = text::format_real(d);
    if (t == "Infinity") return "inf";
    if (t == "-Infinity") return "-inf";
    if (t != "NaN" && t.find_first_of(".eE") == std::string::npos) t += ".0";
    return t;
  }

  // Some years before 1 AD have a text that parse_timestamp refuses; such a
  // value is refused here rather than written into a file we cannot read.
  std::string timestamp_text(size_t i, Timestamp ts) const {
    std::string t = text::format_timestamp(ts);
    if (t[0] == '-' && text::parse_timestamp(t) != ts)
      throw Error(ErrorCode::kUnsupported, "csv: column '" + schema_[i].name + "': timestamp " + t +
                                               " does not read back");
    return t;
  }

  void flush() {
    if (buf_.empty()) return;
    out_.write(buf_);
    buf_.clear();
  }

  const Schema schema_;  // a copy: the caller's schema may not outlive the writer
  ByteSink& out_;
  const char delimiter_;
  std::string buf_;
};

}  // namespace

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out, char delimiter, bool header) {
  return std::make_unique<CsvWriter>(schema, out, delimiter, header);
}

}  // namespace tessera::csv
