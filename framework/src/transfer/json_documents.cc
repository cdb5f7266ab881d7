// Reading JSON Lines and json export files record by record, and writing
// values as JSON. Each record's text is found by a scanner that holds one
// record at a time, then parsed on its own, so a malformed record can be
// skipped and a file of any size streams.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "tessera/error.h"
#include "tessera/text_codec.h"
#include "transfer_internal.h"

namespace tessera::detail::transfer {

namespace {

constexpr size_t kChunk = 64 * 1024;

// Builds fields from the SAX events of one JSON object.
class FieldsHandler {
 public:
  using json = nlohmann::json;
  explicit FieldsHandler(Fields& out) : out_(out) { out.clear(); }
  std::string error;

  bool null() { return value(Value()); }
  bool boolean(bool b) { return value(b); }
  bool number_integer(json::number_integer_t i) { return value(static_cast<int64_t>(i)); }
  bool number_unsigned(json::number_unsigned_t u) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return fail(fmt::format("{}{} is beyond the INTEGER range", where(), u));
    return value(static_cast<int64_t>(u));
  }
  bool number_float(json::number_float_t d, const std::string&) { return value(static_cast<double>(d)); }
  bool string(std::string& s) { return value(std::move(s)); }
  bool binary(json::binary_t&) { return fail("unexpected binary value"); }
  bool start_object(std::size_t) {
    if (depth_++ == 0) return true;
    return fail(where() + "nested objects are not supported");
  }
  bool end_object() { return --depth_, true; }
  bool start_array(std::size_t) {
    return fail(depth_ == 0 ? "not a JSON object" : where() + "arrays are not supported");
  }
  bool end_array() { return true; }
  bool key(std::string& k) {
    out_.emplace_back().first = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    // "[json.exception.parse_error.101] parse error at line 1, column 9: ..." without the tag.
    std::string what = ex.what();
    auto p = what.find("] ");
    return fail("invalid JSON: " + (p == std::string::npos ? what : what.substr(p + 2)));
  }

 private:
  std::string where() const { return out_.empty() ? "" : fmt::format("column '{}': ", out_.back().first); }
  bool value(Value v) {
    if (depth_ == 0) return fail("not a JSON object");
    out_.back().second = std::move(v);
    return true;
  }
  bool fail(std::string what) {
    if (error.empty()) error = std::move(what);
    return false;
  }
  Fields& out_;
  int depth_ = 0;
};

// Buffered characters from a byte source, counting lines.
class Chars {
 public:
  explicit Chars(ByteSource& in) : in_(in) {}
  int peek() {
    if (pos_ == buf_.size() && !fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  int get() {
    int c = peek();
    if (c >= 0) ++pos_, line_ += c == '\n';
    return c;
  }
  uint64_t line() const { return line_; }
  // Appends the rest of the current line to out (without its '\n').
  // Returns false when the input ended before a '\n'.
  bool take_line(std::string& out) {
    for (;;) {
      if (pos_ == buf_.size() && !fill()) return false;
      const char* start = buf_.data() + pos_;
      const void* nl = std::memchr(start, '\n', buf_.size() - pos_);
      size_t n = nl ? static_cast<const char*>(nl) - start : buf_.size() - pos_;
      out.append(start, n);
      pos_ += n;
      if (nl) return ++pos_, ++line_, true;
    }
  }

 private:
  bool fill() {
    buf_.resize(kChunk);
    buf_.resize(in_.read(buf_.data(), kChunk));
    pos_ = 0;
    return !buf_.empty();
  }
  ByteSource& in_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t line_ = 1;
};

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class JsonlDocuments final : public DocumentStream {
 public:
  JsonlDocuments(ByteSource& in, std::string label) : chars_(in), label_(std::move(label)) {}

  bool next(Document& out) override {
    for (;;) {
      line_.clear();
      uint64_t at = chars_.line();
      bool terminated = chars_.take_line(line_);
      if (!terminated && line_.empty()) return false;
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (std::all_of(line_.begin(), line_.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; })) {
        if (!terminated) return false;
        continue;
      }
      out.line = at;
      out.error = parse_json_object(line_, out.fields);
      // A last line without its line end that does not parse is a cut record, not a bad one.
      if (!out.error.empty() && !terminated)
        throw Error(ErrorCode::kCorruption,
                    fmt::format("{}:{}: truncated: the last line has no line end and is not a complete JSON "
                                "object ({})",
                                label_, at, out.error));
      return true;
    }
  }

 private:
  Chars chars_;
  std::string label_;
  std::string line_;
};

// {"table": ..., "columns": [...], "records": [{...}, ...], ...} or a bare
// array of records. Members before "records" are read when the file is
// opened, so columns() is known before the first record.
class JsonDocuments final : public DocumentStream {
 public:
  JsonDocuments(ByteSource& in, std::string label) : chars_(in), label_(std::move(label)) {
    if (chars_.peek() == 0xEF) {  // a UTF-8 byte order mark
      for (int b : {0xEF, 0xBB, 0xBF})
        if (chars_.get() != b) fail("not JSON");
    }
    skip_space();
    int c = chars_.get();
    if (c == '[') {
      bare_ = in_records_ = true;
    } else if (c == '{') {
      read_members(true);
    } else {
      fail("expected a JSON object or array");
    }
  }

  bool next(Document& out) override {
    while (in_records_) {
      skip_space();
      if (chars_.peek() == ']') {
        chars_.get();
        end_records();
        continue;
      }
      if (records_ > 0) {
        if (chars_.get() != ',') fail("expected ',' or ']' after a record");
        skip_space();
      }
      out.line = chars_.line();
      std::string text = raw_value();
      ++records_;
      out.error = parse_json_object(text, out.fields);
      return true;
    }
    return false;
  }

  const nlohmann::json* columns() const override {
    auto it = header_.find("columns");
    return it == header_.end() ? nullptr : &*it;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kCorruption, fmt::format("{}:{}: {}", label_, chars_.line(), what));
  }
  void skip_space() {
    while (is_space(chars_.peek())) chars_.get();
  }

  // Reads "key": value members up to "records" (then stops inside its
  // array) or to the closing brace.
  void read_members(bool first) {
    for (;; first = false) {
      skip_space();
      if (first && chars_.peek() == '}') return chars_.get(), end_document();
      if (!first) {
        int c = chars_.get();
        if (c == '}') return end_document();
        if (c != ',') fail("expected ',' or '}' in the top-level object");
        skip_space();
      }
      if (chars_.peek() != '"') fail("expected a member name");
      std::string key;
      try {
        key = nlohmann::json::parse(raw_value()).get<std::string>();
      } catch (const nlohmann::json::exception&) {
        fail("invalid member name");
      }
      skip_space();
      if (chars_.get() != ':') fail("expected ':' after \"" + key + "\"");
      skip_space();
      if (header_.contains(key) || (key == "records" && seen_records_)) fail("\"" + key + "\" appears twice");
      if (key == "records") {
        if (chars_.get() != '[') fail("\"records\" is not an array");
        seen_records_ = in_records_ = true;
        return;
      }
      std::string text = raw_value();
      try {
        header_[key] = nlohmann::json::parse(text);
      } catch (const nlohmann::json::exception&) {
        fail("\"" + key + "\" holds invalid JSON");
      }
    }
  }

  void end_records() {
    in_records_ = false;
    if (bare_) return end_document();
    read_members(false);
  }

  void end_document() {
    skip_space();
    if (chars_.peek() >= 0) fail("unexpected data after the JSON document");
    if (!bare_ && !seen_records_) fail("no \"records\" array");
    auto count = header_.find("count");
    if (count != header_.end() && count->is_number_integer() && count->get<int64_t>() >= 0 &&
        count->get<uint64_t>() != records_)
      fail(fmt::format("\"count\" is {} but the file holds {} records", count->get<uint64_t>(), records_));
  }

  // The text of the JSON value starting here: its extent is found by
  // brackets and quotes; its content is checked by whoever parses it.
  std::string raw_value() {
    std::string out;
    int c = chars_.peek();
    if (c == '"' || c == '{' || c == '[') {
      int depth = 0;
      bool in_string = false;
      do {
        c = chars_.get();
        if (c < 0) fail("truncated: the file ends inside a value");
        out += static_cast<char>(c);
        if (in_string) {
          if (c == '\\') {
            c = chars_.get();
            if (c < 0) fail("truncated: the file ends inside a string");
            out += static_cast<char>(c);
          } else if (c == '"') {
            in_string = false;
          }
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          --depth;
        }
      } while (in_string || depth > 0);
      return out;
    }
    while ((c = chars_.peek()) >= 0 && !is_space(c) && c != ',' && c != ']' && c != '}')
      out += static_cast<char>(chars_.get());
    if (out.empty()) fail(c < 0 ? "truncated: the file ends where a value should be" : "expected a value");
    return out;
  }

  Chars chars_;
  std::string label_;
  nlohmann::json header_ = nlohmann::json::object();
  bool bare_ = false, in_records_ = false, seen_records_ = false;
  uint64_t records_ = 0;
};

}  // namespace

std::string parse_json_object(std::string_view text, Fields& out) {
  FieldsHandler handler(out);
  nlohmann::json::sax_parse(text.begin(), text.end(), &handler);
  if (!handler.error.empty()) return handler.error;
  if (out.size() > 1) {
    std::vector<std::string_view> names;
    for (const auto& f : out) names.push_back(f.first);
    std::sort(names.begin(), names.end());
    auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end()) return fmt::format("column '{}': appears twice", *dup);
  }
  return {};
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += ch;
    }
  }
  out += '"';
}

void append_json_value(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::kNull: out += "null"; break;
    case Type::kBoolean: out += v.as_bool() ? "true" : "false"; break;
    case Type::kInteger: out += std::to_string(v.int_unchecked()); break;
    case Type::kReal: {
      double d = v.as_real();
      std::string s = text::format_real(d);
      if (!std::isfinite(d)) return append_json_string(out, s);  // "NaN", "Infinity", "-Infinity"
      // Always a '.' or an exponent, so that readers see a float and -0.0 keeps its sign.
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      out += s;
      break;
    }
    case Type::kText: append_json_string(out, v.text_unchecked()); break;
    case Type::kBlob: append_json_string(out, text::base64_encode(v.as_blob())); break;
    case Type::kTimestamp: append_json_string(out, text::format_timestamp(v.as_timestamp())); break;
  }
}

std::unique_ptr<DocumentStream> make_jsonl_documents(ByteSource& in, std::string label) {
  return std::make_unique<JsonlDocuments>(in, std::move(label));
}

std::unique_ptr<DocumentStream> make_json_documents(ByteSource& in, std::string label) {
  return std::make_unique<JsonDocuments>(in, std::move(label));
}

}  // namespace tessera::detail::transfer
