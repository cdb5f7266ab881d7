// Reads JSON lines whose schema is not known yet (tessera import): each line
// becomes name/value pairs typed as found in the JSON.
#include <limits>
#include <unordered_set>

#include "jsonl_internal.h"

namespace tessera::jsonl {

namespace {

class DocumentHandler {
 public:
  using json = nlohmann::json;

  void start(Fields& out) {
    out_ = &out;
    out.clear();
    keys_.clear();
    object_ = false;
    pending_ = false;
    error = LineError();
  }

  LineError error;

  bool null() { return set(Value()); }
  bool boolean(bool b) { return set(b); }
  bool number_integer(json::number_integer_t i) { return set(i); }
  bool number_unsigned(json::number_unsigned_t u) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return in_object() && fail(std::to_string(u) + " is out of the INTEGER range");
    return set(static_cast<int64_t>(u));
  }
  bool number_float(json::number_float_t d, const std::string&) { return set(d); }
  bool string(std::string& s) { return set(std::move(s)); }
  bool binary(json::binary_t&) { return error.fail("", "unexpected binary value"); }
  bool start_object(std::size_t) {
    if (!object_) return object_ = true;  // the line's own object
    return fail("nested objects are not supported");
  }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return in_object() && fail("arrays are not supported"); }
  bool end_array() { return true; }
  bool key(std::string& k) {
    if (!keys_.insert(k).second) return error.fail(clip(k), "appears twice");
    out_->emplace_back(k, Value());
    pending_ = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    if (!error.set) error.syntax = true;
    return error.fail(pending_ ? out_->back().first : "", parse_reason(ex));
  }

 private:
  bool in_object() { return object_ || error.fail("", "line is not a JSON object"); }
  bool set(Value v) {
    if (!in_object()) return false;
    out_->back().second = std::move(v);
    pending_ = false;
    return true;
  }
  bool fail(std::string what) { return error.fail(out_->back().first, std::move(what)); }

  Fields* out_ = nullptr;
  std::unordered_set<std::string> keys_;
  bool object_ = false;
  bool pending_ = false;  // a key was read, its value not yet
};

class JsonlDocumentReader final : public DocumentReader {
 public:
  JsonlDocumentReader(ByteSource& in, std::string_view label) : label_(label), lines_(in) {}

  bool next(Fields& out) override {
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
    return true;
  }

 private:
  const std::string label_;
  LineReader lines_;
  DocumentHandler handler_;
};

}  // namespace

std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label) {
  return std::make_unique<JsonlDocumentReader>(in, label);
}

}  // namespace tessera::jsonl
