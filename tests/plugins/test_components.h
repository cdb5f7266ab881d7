// Tiny but working components shared by the test plugins: a pass-through
// compressor and a format storing each record as one JSON array per line.
// Each test plugin includes this into its single source file, so every
// library carries its own copy (as an independent plugin would).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/plugin.h"
#include "tessera/text_codec.h"

namespace {

using tessera::ByteSink;
using tessera::ByteSource;
using tessera::Error;
using tessera::ErrorCode;

// A string usable as a template argument, so one class serves under any
// component name (name() must match the name the manifest registers).
template <size_t N>
struct Name {
  constexpr Name(const char (&text)[N]) { std::copy_n(text, N, s); }
  char s[N];
};

[[noreturn]] void corrupt(std::string_view label, const std::string& what) {
  throw Error(ErrorCode::kCorruption, std::string(label) + ": " + what);
}

// Stores bytes unchanged; only the output bound is checked.
template <Name kName>
class TestNopCompressor final : public tessera::Compressor {
 public:
  explicit TestNopCompressor(const nlohmann::json&) {}
  const char* name() const override { return kName.s; }
  std::string file_extension() const override { return "nop"; }

  void compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) const override {
    out.insert(out.end(), in.begin(), in.end());
  }
  void decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out, uint64_t max,
                  std::string_view label) const override {
    if (in.size() > max) corrupt(label, "frame larger than the allowed output");
    out.insert(out.end(), in.begin(), in.end());
  }

  std::unique_ptr<ByteSink> new_compressing_sink(ByteSink& out, std::optional<uint64_t>) const override {
    return std::make_unique<Forward>(out);
  }
  std::unique_ptr<ByteSource> new_decompressing_source(ByteSource& in, uint64_t max,
                                                       std::string_view label) const override {
    return std::make_unique<Bounded>(in, max, label);
  }

 private:
  struct Forward final : ByteSink {
    explicit Forward(ByteSink& o) : out(o) {}
    void write(const void* data, size_t size) override { out.write(data, size); }
    ByteSink& out;
  };
  struct Bounded final : ByteSource {
    Bounded(ByteSource& i, uint64_t m, std::string_view l) : in(i), left(m), label(l) {}
    size_t read(void* buffer, size_t size) override {
      size_t n = in.read(buffer, size);
      if (n > left) corrupt(label, "frame larger than the allowed output");
      left -= n;
      return n;
    }
    ByteSource& in;
    uint64_t left;
    std::string label;
  };
};

// One record per line: a JSON array of the values in schema order.
template <Name kName>
class TestLinesFormat final : public tessera::Format {
 public:
  explicit TestLinesFormat(const nlohmann::json&) {}
  const char* name() const override { return kName.s; }
  std::string file_extension() const override { return "lines"; }

  std::unique_ptr<tessera::RecordWriter> new_writer(const tessera::Schema&, ByteSink& out) const override {
    return std::make_unique<Writer>(out);
  }
  std::unique_ptr<tessera::RecordReader> new_reader(const tessera::Schema& schema, ByteSource& in,
                                                    std::string_view label) const override {
    return std::make_unique<Reader>(schema, in, label);
  }

 private:
  static nlohmann::json encode(const tessera::Value& v) {
    switch (v.type()) {
      case tessera::Type::kNull: return nullptr;
      case tessera::Type::kBoolean: return v.as_bool();
      case tessera::Type::kInteger: return v.as_int();
      case tessera::Type::kReal: return tessera::text::format_real(v.as_real());
      case tessera::Type::kText: return v.as_text();
      case tessera::Type::kBlob: return tessera::text::base64_encode(v.as_blob());
      case tessera::Type::kTimestamp: return v.as_timestamp().micros;
    }
    return nullptr;
  }
  static std::optional<tessera::Value> decode(const nlohmann::json& j, tessera::Type type) {
    using tessera::Type;
    if (j.is_null()) return tessera::Value();
    if (type == Type::kBoolean && j.is_boolean()) return tessera::Value(j.get<bool>());
    if (type == Type::kInteger && j.is_number_integer()) return tessera::Value(j.get<int64_t>());
    if (type == Type::kTimestamp && j.is_number_integer())
      return tessera::Value(tessera::Timestamp{j.get<int64_t>()});
    if (!j.is_string()) return std::nullopt;
    const auto& s = j.get_ref<const std::string&>();
    if (type == Type::kText) return tessera::Value(s);
    if (type == Type::kReal)
      if (auto d = tessera::text::parse_real(s)) return tessera::Value(*d);
    if (type == Type::kBlob)
      if (auto b = tessera::text::base64_decode(s)) return tessera::Value(std::move(*b));
    return std::nullopt;
  }

  struct Writer final : tessera::RecordWriter {
    explicit Writer(ByteSink& o) : out(o) {}
    void write(tessera::RecordView record) override {
      nlohmann::json line = nlohmann::json::array();
      for (const auto& v : record) line.push_back(encode(v));
      out.write(line.dump() + "\n");
    }
    void finish() override {}
    ByteSink& out;
  };

  struct Reader final : tessera::RecordReader {
    Reader(const tessera::Schema& s, ByteSource& i, std::string_view l) : schema(s), in(i), label(l) {}
    bool next(tessera::Record& out) override {
      std::string line;
      if (!read_line(line)) return false;
      ++line_no;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_array() || j.size() != schema.size())
        corrupt(label, "line " + std::to_string(line_no) + ": not a record of this schema");
      out.resize(schema.size());
      for (size_t i = 0; i < schema.size(); ++i) {
        auto v = decode(j[i], schema[i].type);
        if (!v) corrupt(label, "line " + std::to_string(line_no) + ": bad value for " + schema[i].name);
        out[i] = std::move(*v);
      }
      return true;
    }
    // A whole line, or false at a clean end; a last line with no '\n' is a truncation.
    bool read_line(std::string& line) {
      for (;;) {
        if (size_t nl = buf.find('\n', pos); nl != std::string::npos) {
          line = buf.substr(pos, nl - pos);
          pos = nl + 1;
          return true;
        }
        buf.erase(0, pos);
        pos = 0;
        char chunk[4096];
        size_t n = in.read(chunk, sizeof chunk);
        if (n == 0) {
          if (!buf.empty()) corrupt(label, "truncated last line");
          return false;
        }
        buf.append(chunk, n);
      }
    }
    tessera::Schema schema;  // a copy: the reader may outlive the caller's schema
    ByteSource& in;
    std::string label;
    std::string buf;
    size_t pos = 0;
    size_t line_no = 0;
  };
};

}  // namespace
