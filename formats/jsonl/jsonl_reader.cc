// Reads JSON lines into records of a known schema. Each line is parsed with
// nlohmann's SAX interface straight into the Record, which lets us reject
// duplicate keys and nested values and name the column at fault.
#include <cmath>
#include <limits>
#include <unordered_map>

#include "jsonl_internal.h"
#include "tessera/text_codec.h"

namespace tessera::jsonl {

namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

class RecordHandler {
 public:
  using json = nlohmann::json;

  explicit RecordHandler(const Schema& schema) : schema_(schema) {
    for (size_t i = 0; i < schema.size(); ++i) index_.emplace(schema[i].name, i);
  }

  void start(Record& out) {
    out_ = &out;
    out.assign(schema_.size(), Value());
    seen_.assign(schema_.size(), false);
    object_ = false;
    col_ = kNone;
    next_ = 0;
    error = LineError();
  }

  LineError error;

  // SAX events.
  bool null() { return in_object() && set(Value()); }
  bool boolean(bool b) {
    if (!in_object()) return false;
    return type() == Type::kBoolean ? set(b) : mismatch("a boolean");
  }
  bool number_integer(json::number_integer_t i) {
    if (!in_object()) return false;
    if (type() == Type::kInteger) return set(i);
    if (type() == Type::kReal) return set(static_cast<double>(i));
    return mismatch("an integer");
  }
  bool number_unsigned(json::number_unsigned_t u) {
    if (!in_object()) return false;
    if (type() == Type::kReal) return set(static_cast<double>(u));
    if (type() != Type::kInteger) return mismatch("an integer");
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return fail(std::to_string(u) + " is out of the INTEGER range");
    return set(static_cast<int64_t>(u));
  }
  bool number_float(json::number_float_t d, const std::string& s) {
    if (!in_object()) return false;
    if (type() == Type::kReal) return set(d);
    if (type() == Type::kInteger) return fail("expected an integer, got " + clip(s));
    return mismatch("a number");
  }
  bool string(std::string& s) {
    if (!in_object()) return false;
    switch (type()) {
      case Type::kText: return set(std::move(s));
      case Type::kBlob:
        if (auto b = text::base64_decode(s)) return set(std::move(*b));
        return fail("invalid base64");
      case Type::kTimestamp:
        if (auto t = text::parse_timestamp(s)) return set(*t);
        return fail("'" + clip(s) + "' is not an ISO 8601 timestamp");
      case Type::kReal:
        // The only strings a REAL takes: the non-finite values JSON cannot spell.
        if (s == "NaN") return set(std::numeric_limits<double>::quiet_NaN());
        if (s == "Infinity") return set(std::numeric_limits<double>::infinity());
        if (s == "-Infinity") return set(-std::numeric_limits<double>::infinity());
        return fail("expected a number, got the string '" + clip(s) + "'");
      default: return mismatch("a string");
    }
  }
  bool binary(json::binary_t&) { return error.fail("", "unexpected binary value"); }
  bool start_object(std::size_t) {
    if (!object_) return object_ = true;  // the line's own object
    return mismatch("an object");
  }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return in_object() && mismatch("an array"); }
  bool end_array() { return true; }
  bool key(std::string& k) {
    size_t i = next_;
    if (i >= schema_.size() || schema_[i].name != k) {  // keys usually come in schema order
      auto it = index_.find(k);
      if (it == index_.end()) return error.fail(clip(k), "not a column of the table");
      i = it->second;
    }
    if (seen_[i]) return error.fail(k, "appears twice");
    seen_[i] = true;
    col_ = i;
    next_ = i + 1;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    if (!error.set) error.syntax = true;
    return error.fail(col_ != kNone ? schema_[col_].name : "", parse_reason(ex));
  }

 private:
  bool in_object() {
    if (object_) return true;
    return error.fail("", "line is not a JSON object");
  }
  Type type() const { return schema_[col_].type; }
  bool set(Value v) {
    (*out_)[col_] = std::move(v);
    col_ = kNone;  // later syntax errors are not about this column
    return true;
  }
  bool fail(std::string what) { return error.fail(schema_[col_].name, std::move(what)); }
  bool mismatch(const char* got) {
    return fail(std::string("expected ") + type_name(type()) + ", got " + got);
  }

  const Schema& schema_;
  std::unordered_map<std::string, size_t> index_;
  Record* out_ = nullptr;
  std::vector<bool> seen_;
  bool object_ = false;
  size_t col_ = kNone;  // column whose value comes next
  size_t next_ = 0;     // column expected after the last key
};

class JsonlReader final : public RecordReader {
 public:
  JsonlReader(const Schema& schema, ByteSource& in, std::string_view label)
      : schema_(schema), label_(label), lines_(in), handler_(schema_) {}

  bool next(Record& out) override {
    std::string_view line;
    bool terminated = true;
    do {
      if (!lines_.next(line, terminated)) return false;
    } while (is_blank(line));
    handler_.start(out);
    if (!nlohmann::json::sax_parse(line.data(), line.data() + line.size(), &handler_)) {
      LineError& e = handler_.error;
      throw Error(ErrorCode::kCorruption,
                  where(label_, lines_.line_number(), e.column,
                        e.syntax ? syntax_message(e.what, terminated) : e.what));
    }
    for (size_t i = 0; i < schema_.size(); ++i) {
      if (out[i].is_null() && !schema_[i].nullable)
        throw Error(ErrorCode::kCorruption,
                    where(label_, lines_.line_number(), schema_[i].name, "NULL or missing in a NOT NULL column"));
    }
    return true;
  }

 private:
  const Schema schema_;
  const std::string label_;
  LineReader lines_;
  RecordHandler handler_;
};

}  // namespace

std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label) {
  return std::make_unique<JsonlReader>(schema, in, label);
}

}  // namespace tessera::jsonl
