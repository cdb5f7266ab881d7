// Reads CSV rows into records of a known schema, and rows of unknown schema
// as TEXT name/value pairs for import.
#include <unordered_set>

#include "csv_internal.h"
#include "tessera/text_codec.h"

namespace tessera::csv {

namespace {

// The start of a value for messages, so that a huge field does not flood them.
std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return "'" + std::string(s) + "'";
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 characters
  return "'" + std::string(s.substr(0, n)) + "...'";
}

void check_field_count(Tokenizer& tok, size_t want) {
  if (tok.size() == want) return;
  std::string what = "row has " + std::to_string(tok.size()) + " fields, the header " + std::to_string(want);
  if (tok.size() < want) tok.fail(tok.record_line(), tok.column_name(tok.size()), "missing: " + what);
  tok.fail(tok.record_line(), "", what);
}

class CsvReader final : public RecordReader {
 public:
  CsvReader(const Schema& schema, ByteSource& in, std::string_view label, char delimiter)
      : schema_(schema), tok_(in, delimiter, label) {
    std::vector<std::string> names;
    for (const Column& c : schema.columns()) names.push_back(c.name);
    tok_.set_names(std::move(names));
  }

  bool next(Record& out) override {
    if (!header_read_) read_header();
    if (!tok_.next()) return false;
    check_field_count(tok_, schema_.size());
    out.resize(schema_.size());
    for (size_t i = 0; i < schema_.size(); ++i) decode(i, tok_[i], out[i]);
    return true;
  }

 private:
  // Our files always start with the header, so a missing one means damage.
  void read_header() {
    if (!tok_.next()) tok_.fail(1, "", "missing header row");
    for (size_t i = 0; i < tok_.size() && i < schema_.size(); ++i) {
      if (tok_[i].text != schema_[i].name)
        tok_.fail(tok_[i].line, schema_[i].name, "header names " + excerpt(tok_[i].text) + " here");
    }
    if (tok_.size() < schema_.size())
      tok_.fail(tok_.record_line(), schema_[tok_.size()].name, "missing from the header");
    if (tok_.size() > schema_.size())
      tok_.fail(tok_.record_line(), "", "header has the extra field " + excerpt(tok_[schema_.size()].text));
    header_read_ = true;
  }

  void decode(size_t i, Field& f, Value& v) {
    const Column& col = schema_[i];
    if (f.text.empty() && !f.quoted) {
      if (!col.nullable) tok_.fail(f.line, col.name, "NULL in a NOT NULL column");
      v = Value();
      return;
    }
    bool ok = true;
    switch (col.type) {
      case Type::kBoolean:
        if (auto b = text::parse_boolean(f.text)) v = *b; else ok = false;
        break;
      case Type::kInteger:
        if (auto n = text::parse_integer(f.text)) v = *n; else ok = false;
        break;
      case Type::kReal:
        if (auto d = text::parse_real(f.text)) v = *d; else ok = false;
        break;
      case Type::kText:
        if (!text::is_valid_utf8(f.text)) tok_.fail(f.line, col.name, "not valid UTF-8");
        v = Value(std::move(f.text));
        break;
      case Type::kBlob:
        if (auto b = text::base64_decode(f.text)) v = std::move(*b); else ok = false;
        break;
      case Type::kTimestamp:
        if (auto t = text::parse_timestamp(f.text)) v = *t; else ok = false;
        break;
      case Type::kNull: ok = false; break;
    }
    if (!ok) tok_.fail(f.line, col.name, excerpt(f.text) + " is not a valid " + type_name(col.type));
  }

  const Schema schema_;
  Tokenizer tok_;
  bool header_read_ = false;
};

class CsvDocumentReader final : public DocumentReader {
 public:
  CsvDocumentReader(ByteSource& in, std::string_view label, char delimiter) : tok_(in, delimiter, label) {}

  bool next(Fields& out) override {
    if (!header_read_ && !read_header()) return false;
    if (!tok_.next()) return false;
    check_field_count(tok_, names_.size());
    out.clear();
    for (size_t i = 0; i < names_.size(); ++i) {
      Field& f = tok_[i];
      if (f.text.empty() && !f.quoted) {
        out.emplace_back(names_[i], Value());
        continue;
      }
      if (!text::is_valid_utf8(f.text)) tok_.fail(f.line, names_[i], "not valid UTF-8");
      out.emplace_back(names_[i], Value(std::move(f.text)));
    }
    return true;
  }

 private:
  // An empty file is an empty table here: a file from elsewhere need not
  // have been written by us.
  bool read_header() {
    if (!tok_.next()) return false;
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < tok_.size(); ++i) {
      const std::string& name = tok_[i].text;
      if (name.empty()) tok_.fail(tok_[i].line, tok_.column_name(i), "empty column name in the header");
      if (!text::is_valid_utf8(name)) tok_.fail(tok_[i].line, tok_.column_name(i), "header is not valid UTF-8");
      if (!seen.insert(name).second) tok_.fail(tok_[i].line, name, "appears twice in the header");
      names_.push_back(name);
    }
    tok_.set_names(names_);
    header_read_ = true;
    return true;
  }

  Tokenizer tok_;
  std::vector<std::string> names_;
  bool header_read_ = false;
};

}  // namespace

std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label,
                                          char delimiter) {
  return std::make_unique<CsvReader>(schema, in, label, delimiter);
}

std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label, char delimiter) {
  return std::make_unique<CsvDocumentReader>(in, label, delimiter);
}

}  // namespace tessera::csv
