// Pieces of import and export (tessera/transfer.h): file kinds, byte
// streams over files, readers that yield a file's records as name/value
// pairs, and the typing of those values into columns.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/compressor.h"
#include "tessera/format.h"
#include "tessera/io.h"
#include "tessera/plugin_registry.h"
#include "tessera/schema.h"
#include "tessera/value.h"

namespace tessera::detail::transfer {

// What a file holds: a file kind ("csv", "jsonl", "json", "pickle" or a
// Format plugin's name) and a compressor ("none" or a plugin's name).
struct FileKind {
  std::string format;
  std::string compressor;
};

// Fills in what format/compressor leave empty from the file name's
// extensions. Throws Error(kInvalidArgument) when the format stays unknown.
FileKind resolve_kind(const std::filesystem::path& path, std::string format, std::string compressor);

// Reads a file, counting the bytes handed out.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::filesystem::path& path);
  ~FileSource() override;
  size_t read(void* buffer, size_t size) override;
  uint64_t bytes() const { return bytes_; }
  uint64_t size() const { return size_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t size_ = 0;
};

// One record of an input file. A non-empty error means this record could
// not be read but the reader can go on to the next (a malformed JSON line).
struct Document {
  Fields fields;
  uint64_t line = 0;  // where the record starts; 0 when the file has no lines
  std::string error;
};

class DocumentStream {
 public:
  virtual ~DocumentStream() = default;
  // Returns false at the end. Throws Error when the file cannot be read on.
  virtual bool next(Document& out) = 0;
  // True when values come typed (JSON, pickle); false when every value is
  // TEXT to be interpreted (CSV).
  virtual bool typed() const { return true; }
  // A json export's "columns", when it has them before its records.
  virtual const nlohmann::json* columns() const { return nullptr; }
};

std::unique_ptr<DocumentStream> make_jsonl_documents(ByteSource& in, std::string label);
std::unique_ptr<DocumentStream> make_json_documents(ByteSource& in, std::string label);
// A Format plugin's document reader; csv gets line numbers counted.
std::unique_ptr<DocumentStream> make_plugin_documents(std::unique_ptr<Format> format, ByteSource& in,
                                                      std::string label);

// A file opened for import: the file, its decompression, its documents.
class Input {
 public:
  Input(const PluginRegistry& plugins, const std::filesystem::path& path, const FileKind& kind,
        const nlohmann::json& format_options);
  ~Input();
  DocumentStream& documents() { return *documents_; }
  uint64_t bytes_read() const { return file_->bytes(); }
  uint64_t total_bytes() const { return file_->size(); }

 private:
  std::unique_ptr<FileSource> file_;
  std::unique_ptr<Compressor> compressor_;
  std::unique_ptr<ByteSource> decompressed_;
  std::unique_ptr<DocumentStream> documents_;
};

// Parses one JSON object into fields typed as found (integer, real, string,
// boolean, null); nested values, duplicate keys and integers beyond int64
// are refused. Returns the problem, or an empty string.
std::string parse_json_object(std::string_view text, Fields& out);

// Appends a JSON string literal: escaped as RFC 8259 requires, UTF-8 kept.
void append_json_string(std::string& out, std::string_view s);
// Appends v as a jsonl line types it (docs/formats/jsonl.md).
void append_json_value(std::string& out, const Value& v);

// The column type that fits every value seen (docs/cli.md, "import").
class TypeGuess {
 public:
  // typed: the value came typed (JSON, pickle) rather than as CSV text.
  void observe(const Value& v, bool typed);
  Type type() const;

 private:
  bool ints_ = false, reals_ = false, bools_ = false, stamps_ = false, blobs_ = false, text_ = false,
       non_finite_ = false;
};

// Converts v to column c's type in place; returns the problem or "".
std::string coerce(Value& v, const Column& c);

}  // namespace tessera::detail::transfer
