// Writes records as JSON lines. The text is assembled by hand, not through a
// nlohmann::json object per record: writing is on the hot path of checkpoints.
#include <charconv>

#include "jsonl_internal.h"
#include "tessera/text_codec.h"

namespace tessera::jsonl {

namespace {

constexpr size_t kFlushAt = 64 * 1024;

// RFC 8259 string: quote, backslash and control characters are escaped;
// everything else, including multi-byte UTF-8, is copied as is.
void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// Finite values get a '.' or an exponent so that every JSON reader (Python,
// jq, our document reader) sees a float, and -0.0 keeps its sign.
void append_real(std::string& out, double d) {
  std::string t = text::format_real(d);
  if (t == "NaN" || t == "Infinity" || t == "-Infinity") {
    out += '"';
    out += t;
    out += '"';
    return;
  }
  out += t;
  if (t.find_first_of(".eE") == std::string::npos) out += ".0";
}

class JsonlWriter final : public RecordWriter {
 public:
  JsonlWriter(const Schema& schema, ByteSink& out) : schema_(schema), out_(out) {
    // The key text of each column, with the separator before it.
    for (size_t i = 0; i < schema.size(); ++i) {
      std::string k = i == 0 ? "{" : ",";
      append_string(k, schema[i].name);
      k += ':';
      keys_.push_back(std::move(k));
    }
  }

  void write(RecordView record) override {
    if (record.size() != schema_.size())
      throw Error(ErrorCode::kInvalidArgument, "jsonl: record has " + std::to_string(record.size()) +
                                                   " values, the schema has " +
                                                   std::to_string(schema_.size()) + " columns");
    // A refused value must not leave half a record behind for finish() to flush.
    const size_t mark = buf_.size();
    try {
      for (size_t i = 0; i < record.size(); ++i) {
        buf_ += keys_[i];
        append_value(i, record[i]);
      }
      buf_ += "}\n";
    } catch (...) {
      buf_.resize(mark);
      throw;
    }
    if (buf_.size() >= kFlushAt) flush();
  }

  void finish() override { flush(); }

 private:
  void append_value(size_t i, const Value& v) {
    if (v.is_null()) {
      buf_ += "null";
      return;
    }
    Type want = schema_[i].type;
    if (v.type() != want && !(want == Type::kReal && v.type() == Type::kInteger))
      throw Error(ErrorCode::kInvalidArgument, "jsonl: column '" + schema_[i].name + "': expected " +
                                                   type_name(want) + ", got " + type_name(v.type()));
    switch (want) {
      case Type::kBoolean: buf_ += v.as_bool() ? "true" : "false"; break;
      case Type::kInteger: {
        char tmp[24];
        auto r = std::to_chars(tmp, tmp + sizeof tmp, v.int_unchecked());
        buf_.append(tmp, r.ptr);
        break;
      }
      case Type::kReal: append_real(buf_, v.as_real()); break;
      case Type::kText: append_string(buf_, v.text_unchecked()); break;
      case Type::kBlob: append_string(buf_, text::base64_encode(v.as_blob())); break;
      case Type::kTimestamp: append_string(buf_, timestamp_text(i, v.as_timestamp())); break;
      case Type::kNull: buf_ += "null"; break;
    }
  }

  // Some years before 1 AD have a text that parse_timestamp refuses; such a
  // value is refused here rather than written into a file we cannot read.
  std::string timestamp_text(size_t i, Timestamp ts) const {
    std::string t = text::format_timestamp(ts);
    if (t[0] == '-' && text::parse_timestamp(t) != ts)
      throw Error(ErrorCode::kUnsupported, "jsonl: column '" + schema_[i].name + "': timestamp " + t +
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
  std::vector<std::string> keys_;
  std::string buf_;
};

}  // namespace

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out) {
  return std::make_unique<JsonlWriter>(schema, out);
}

}  // namespace tessera::jsonl
