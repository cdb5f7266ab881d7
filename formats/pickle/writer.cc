// Writes a table as a protocol-4 pickle of a list of dicts, the way CPython's
// pickler lays one out: EMPTY_LIST, then batches of MARK <dicts> APPENDS,
// then STOP. Column names are memoized on first use and fetched with BINGET
// afterwards, so each record costs its values plus a few bytes per column.
#include <bit>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "opcodes.h"
#include "pickle.h"
#include "tessera/error.h"
#include "tessera/text_codec.h"

namespace tessera::pickle_format {
namespace {

constexpr size_t kBatch = 1000;         // records per APPENDS, as CPython batches
constexpr size_t kFlushBytes = 64 * 1024;

class Writer final : public RecordWriter {
 public:
  Writer(const Schema& schema, ByteSink& out) : out_(out) {
    for (const Column& c : schema.columns()) names_.push_back(c.name);
    put(kProto);
    put(4);
    put(kEmptyList);
  }

  void write(RecordView record) override {
    if (finished_) throw Error(ErrorCode::kInvalidArgument, "pickle: write after finish");
    if (in_batch_ == 0) put(kMark);
    put(kEmptyDict);
    bool many = record.size() > 1;
    if (many) put(kMark);
    for (size_t i = 0; i < record.size(); ++i) {
      key(i);
      value(i, record[i]);
    }
    put(many ? kSetItems : kSetItem);
    if (++in_batch_ == kBatch) {
      put(kAppends);
      in_batch_ = 0;
    }
    if (buf_.size() >= kFlushBytes) flush();
  }

  void finish() override {
    if (finished_) return;
    if (in_batch_ > 0) put(kAppends);
    put(kStop);
    flush();
    finished_ = true;
  }

 private:
  void put(uint8_t byte) { buf_ += static_cast<char>(byte); }
  void put_le(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) put(static_cast<uint8_t>(v >> (8 * i)));
  }
  void flush() {
    out_.write(buf_.data(), buf_.size());
    buf_.clear();
  }

  // A str with the shortest length prefix.
  void str(std::string_view s) {
    if (s.size() < 256) {
      put(kShortBinUnicode), put(static_cast<uint8_t>(s.size()));
    } else if (s.size() <= UINT32_MAX) {
      put(kBinUnicode), put_le(s.size(), 4);
    } else {
      put(kBinUnicode8), put_le(s.size(), 8);
    }
    buf_ += s;
  }

  // Column i's name: pushed and memoized the first time, fetched afterwards.
  void key(size_t i) {
    if (memo_index_.size() <= i) {
      str(names_[i]);
      put(kMemoize);  // memo index = number of entries so far = i
      memo_index_.push_back(i);
      return;
    }
    if (memo_index_[i] < 256) {
      put(kBinGet), put(static_cast<uint8_t>(memo_index_[i]));
    } else {
      put(kLongBinGet), put_le(memo_index_[i], 4);
    }
  }

  void value(size_t i, const Value& v) {
    switch (v.type()) {
      case Type::kNull: put(kNone); break;
      case Type::kBoolean: put(v.as_bool() ? kNewTrue : kNewFalse); break;
      case Type::kInteger: integer(v.as_int()); break;
      case Type::kReal: {
        put(kBinFloat);
        uint64_t bits = std::bit_cast<uint64_t>(v.as_real());
        for (int i = 7; i >= 0; --i) put(static_cast<uint8_t>(bits >> (8 * i)));  // big-endian
        break;
      }
      case Type::kText: str(v.as_text()); break;
      case Type::kBlob: {
        const Blob& b = v.as_blob();
        if (b.size() < 256) {
          put(kShortBinBytes), put(static_cast<uint8_t>(b.size()));
        } else if (b.size() <= UINT32_MAX) {
          put(kBinBytes), put_le(b.size(), 4);
        } else {
          put(kBinBytes8), put_le(b.size(), 8);
        }
        buf_.append(reinterpret_cast<const char*>(b.data()), b.size());
        if (buf_.size() >= kFlushBytes) flush();
        break;
      }
      case Type::kTimestamp: str(timestamp_text(i, v.as_timestamp())); break;
    }
  }

  // As in the csv and jsonl writers: a timestamp whose text parse_timestamp
  // would not read back is refused rather than written into a file we cannot
  // read. Like them, it checks only years before 1 (the texts with a sign).
  // Every TIMESTAMP reads back today, so this guards against format and
  // parse drifting apart rather than refusing any value a test can build.
  std::string timestamp_text(size_t i, Timestamp ts) const {
    std::string t = text::format_timestamp(ts);
    if (t[0] == '-' && text::parse_timestamp(t) != ts)
      throw Error(ErrorCode::kUnsupported, "pickle: column '" + names_[i] + "': timestamp " + t +
                                               " does not read back");
    return t;
  }

  void integer(int64_t i) {
    if (i >= 0 && i < 256) {
      put(kBinInt1), put(static_cast<uint8_t>(i));
    } else if (i >= 0 && i < 65536) {
      put(kBinInt2), put_le(static_cast<uint64_t>(i), 2);
    } else if (i >= INT32_MIN && i <= INT32_MAX) {
      put(kBinInt), put_le(static_cast<uint32_t>(static_cast<int32_t>(i)), 4);
    } else {
      // LONG1: little-endian two's complement in as few bytes as keep the sign.
      auto u = static_cast<uint64_t>(i);
      int n = 8;
      while (n > 1) {
        uint8_t top = static_cast<uint8_t>(u >> (8 * (n - 1)));
        bool next_sign = (u >> (8 * (n - 1) - 1)) & 1;
        if ((top == 0x00 && !next_sign) || (top == 0xff && next_sign)) --n;
        else break;
      }
      put(kLong1), put(static_cast<uint8_t>(n)), put_le(u, n);
    }
  }

  ByteSink& out_;
  std::vector<std::string> names_;
  std::vector<size_t> memo_index_;  // memo index of each column name written so far
  std::string buf_;
  size_t in_batch_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out) {
  return std::make_unique<Writer>(schema, out);
}

}  // namespace tessera::pickle_format
