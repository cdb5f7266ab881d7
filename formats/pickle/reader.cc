// Turns the dicts the pickle machine hands out into records (checked
// against the schema) or into name/value pairs (for import).
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pickle.h"
#include "tessera/text_codec.h"

namespace tessera::pickle_format {
namespace {

Value as_found(const Obj& o) {
  switch (o.kind) {
    case Obj::Kind::kBool: return Value(o.b);
    case Obj::Kind::kInt: return Value(o.i);
    case Obj::Kind::kFloat: return Value(o.f);
    case Obj::Kind::kStr: return Value(*o.s);
    case Obj::Kind::kBytes: return Value(Blob(o.s->begin(), o.s->end()));
    default: return Value();  // None; the machine admits no other value
  }
}

// Bounds what one record may expand to: memo gets and DUP share payloads
// in the pickle, but the record's values own copies.
class SizeBudget {
 public:
  explicit SizeBudget(uint64_t max) : max_(max) {}
  void reset() { used_ = 0; }
  bool take(const Obj& o) {
    used_ += 16 + (o.s ? o.s->size() : 0);
    return used_ <= max_;
  }

 private:
  uint64_t max_;
  uint64_t used_ = 0;
};

class Reader final : public RecordReader {
 public:
  Reader(const Schema& schema, ByteSource& in, std::string_view label, const Limits& limits)
      : columns_(schema.columns()), machine_(in, label, limits), budget_(limits.max_record_bytes) {
    for (size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i].name, i);
  }

  bool next(Record& out) override {
    auto dict = machine_.next();
    if (!dict) return false;
    out.assign(columns_.size(), Value());
    seen_.assign(columns_.size(), false);
    budget_.reset();
    for (const auto& [key, value] : dict->items) {
      auto it = index_.find(*key);
      if (it == index_.end()) fail(fmt::format("unknown column '{}'", *key));
      seen_[it->second] = true;
      if (!budget_.take(value)) fail("larger than max_record_bytes");
      out[it->second] = convert(value, columns_[it->second]);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (out[i].is_null() && !columns_[i].nullable) {
        fail(fmt::format("NOT NULL column '{}' is {}", columns_[i].name, seen_[i] ? "None" : "missing"));
      }
    }
    return true;
  }

 private:
  Value convert(const Obj& o, const Column& col) const {
    if (o.kind == Obj::Kind::kNone) return Value();
    switch (col.type) {
      case Type::kBoolean:
        if (o.kind == Obj::Kind::kBool) return Value(o.b);
        break;
      case Type::kInteger:
        if (o.kind == Obj::Kind::kInt) return Value(o.i);
        break;
      case Type::kReal:
        if (o.kind == Obj::Kind::kFloat) return Value(o.f);
        if (o.kind == Obj::Kind::kInt) return Value(static_cast<double>(o.i));
        break;
      case Type::kText:
        if (o.kind == Obj::Kind::kStr) return Value(*o.s);
        break;
      case Type::kBlob:
        if (o.kind == Obj::Kind::kBytes) return as_found(o);
        break;
      case Type::kTimestamp:
        if (o.kind == Obj::Kind::kStr) {
          if (auto ts = text::parse_timestamp(*o.s)) return Value(*ts);
          fail(fmt::format("column '{}' holds '{}', not an ISO 8601 timestamp", col.name, o.s->substr(0, 64)));
        }
        break;
      case Type::kNull: break;
    }
    fail(fmt::format("column '{}' holds a {}, expected {}", col.name, kind_name(o.kind), type_name(col.type)));
  }

  [[noreturn]] void fail(const std::string& what) const {
    machine_.fail(ErrorCode::kCorruption, fmt::format("record {}: {}", machine_.records(), what));
  }

  std::vector<Column> columns_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<bool> seen_;
  Machine machine_;
  SizeBudget budget_;
};

class DocReader final : public DocumentReader {
 public:
  DocReader(ByteSource& in, std::string_view label, const Limits& limits)
      : machine_(in, label, limits), budget_(limits.max_record_bytes) {}

  bool next(Fields& out) override {
    auto dict = machine_.next();
    if (!dict) return false;
    out.clear();
    budget_.reset();
    for (const auto& [key, value] : dict->items) {
      if (!budget_.take(value)) {
        machine_.fail(ErrorCode::kCorruption,
                      fmt::format("record {}: larger than max_record_bytes", machine_.records()));
      }
      out.emplace_back(*key, as_found(value));
    }
    return true;
  }

 private:
  Machine machine_;
  SizeBudget budget_;
};

}  // namespace

std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label,
                                          const Limits& limits) {
  return std::make_unique<Reader>(schema, in, label, limits);
}

std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label,
                                                     const Limits& limits) {
  return std::make_unique<DocReader>(in, label, limits);
}

}  // namespace tessera::pickle_format
