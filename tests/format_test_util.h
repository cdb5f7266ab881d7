// Helpers shared by the Format plugin tests: the format of a name,
// in-memory byte sinks and sources, and value comparison that sees types
// and the sign of zero.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/format.h"
#include "tessera/io.h"
#include "test_util.h"

namespace tessera::test {

inline std::unique_ptr<Format> make_format(const std::string& name, const nlohmann::json& options = {}) {
  return build_plugins().make_format(name, options);
}

class StringSink final : public ByteSink {
 public:
  std::string data;
  void write(const void* p, size_t n) override { data.append(static_cast<const char*>(p), n); }
};

class VectorSink final : public ByteSink {
 public:
  std::vector<uint8_t> bytes;
  void write(const void* p, size_t n) override {
    auto* b = static_cast<const uint8_t*>(p);
    bytes.insert(bytes.end(), b, b + n);
  }
};

// Hands out at most step bytes per read, to cross every chunk boundary.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(std::string_view s, size_t step) : s_(s), step_(step) {}
  size_t read(void* buf, size_t size) override {
    size_t n = std::min({size, step_, s_.size()});
    std::copy_n(s_.data(), n, static_cast<char*>(buf));
    s_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view s_;
  size_t step_;
};

// Value's == treats -0.0 as 0.0 and INTEGER 1 as REAL 1.0; a format must
// keep the type and the sign as well. Any NaN matches any NaN.
inline bool same(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  if (a.type() != Type::kReal) return a == b;
  const double x = a.as_real(), y = b.as_real();
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y);
}

inline bool same(const Record& a, const Record& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}

// Checks record by record and value by value, naming the first differences.
inline void check_same(const std::vector<Record>& got, const std::vector<Record>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t r = 0; r < want.size(); ++r) {
    REQUIRE(got[r].size() == want[r].size());
    for (size_t c = 0; c < want[r].size(); ++c) {
      INFO("record " << r << " column " << c << ": got " << got[r][c].to_string() << ", want "
                     << want[r][c].to_string());
      CHECK(same(got[r][c], want[r][c]));
    }
  }
}

// The bytes of a file holding records (appended to an existing file when
// append: no header).
inline std::string write_all(const Format& f, const Schema& s, const std::vector<Record>& records,
                             bool append = false) {
  StringSink sink;
  auto w = append ? f.new_append_writer(s, sink) : f.new_writer(s, sink);
  for (const Record& r : records) w->write(r);
  w->finish();
  return sink.data;
}

// Every record of bytes, handed to the reader step bytes at a time; file is
// the name the reader's messages use.
inline std::vector<Record> read_all(const Format& f, const Schema& s, std::string_view bytes, size_t step,
                                    const std::string& file) {
  TrickleSource src(bytes, step);
  auto r = f.new_reader(s, src, file);
  std::vector<Record> out;
  Record rec;
  while (r->next(rec)) out.push_back(rec);
  return out;
}

// The message of the Error(kCorruption) that reading bytes throws.
inline std::string corruption(const Format& f, const Schema& s, std::string_view bytes, const std::string& file) {
  try {
    read_all(f, s, bytes, size_t{1} << 20, file);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kCorruption);
    return e.what();
  }
  FAIL("no error for: " << bytes);
  return {};
}

}  // namespace tessera::test
