// File kinds from extensions, files as byte sources, and opening a file for
// import through its compressor and reader.
#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "tessera/error.h"
#include "transfer_internal.h"

namespace tessera::detail::transfer {

namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string format_of_extension(const std::string& ext) {
  if (ext == ".csv") return "csv";
  if (ext == ".jsonl" || ext == ".ndjson") return "jsonl";
  if (ext == ".json") return "json";
  if (ext == ".pkl" || ext == ".pickle") return "pickle";
  if (ext == ".tmpk") return "msgpack_lz4";
  return {};
}

std::string compressor_of_extension(const std::string& ext) {
  if (ext == ".zst" || ext == ".zstd") return "zstd";
  if (ext == ".lz4") return "lz4";
  return {};
}

// Hands a Format plugin's document reader's records on; for csv, also
// counts lines: a row starts after the previous row's line end and the line
// ends inside its quoted values, which the reader keeps byte for byte.
class PluginDocuments final : public DocumentStream {
 public:
  PluginDocuments(std::unique_ptr<Format> format, ByteSource& in, std::string label)
      : format_(std::move(format)), label_(std::move(label)), reader_(format_->new_document_reader(in, label_)),
        csv_(std::string_view(format_->name()) == "csv") {}

  bool next(Document& out) override {
    out.error.clear();
    if (!reader_->next(out.fields)) return false;
    out.line = csv_ ? next_line_ : 0;
    if (csv_) {
      next_line_ += 1;
      for (const auto& [name, value] : out.fields)
        if (value.type() == Type::kText)
          for (char c : value.text_unchecked()) next_line_ += c == '\n';
    }
    return true;
  }
  bool typed() const override { return !csv_; }

 private:
  std::unique_ptr<Format> format_;
  std::string label_;
  std::unique_ptr<DocumentReader> reader_;
  bool csv_;
  uint64_t next_line_ = 2;  // after the header
};

}  // namespace

FileKind resolve_kind(const fs::path& path, std::string format, std::string compressor) {
  fs::path name = path.filename();
  std::string ext = lower(name.extension().string());
  std::string by_extension = compressor_of_extension(ext);
  if (!by_extension.empty()) {
    name = name.stem();
    ext = lower(name.extension().string());
  }
  if (compressor.empty()) compressor = by_extension.empty() ? "none" : by_extension;
  if (format.empty()) format = format_of_extension(ext);
  if (format.empty())
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("{}: cannot tell the file's format from its name; name it (csv, jsonl, json, pickle)",
                            path.string()));
  return {lower(format), lower(compressor)};
}

FileSource::FileSource(const fs::path& path) : path_(path.string()) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error(ErrorCode::kNotFound, fmt::format("{}: no such file", path_));
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) throw Error(ErrorCode::kIO, fmt::format("{}: cannot open: {}", path_, std::strerror(errno)));
  size_ = fs::file_size(path, ec);
}

FileSource::~FileSource() {
  if (file_) std::fclose(file_);
}

size_t FileSource::read(void* buffer, size_t size) {
  size_t n = std::fread(buffer, 1, size, file_);
  if (n == 0 && std::ferror(file_))
    throw Error(ErrorCode::kIO, fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
  bytes_ += n;
  return n;
}

Input::Input(const PluginRegistry& plugins, const fs::path& path, const FileKind& kind,
             const nlohmann::json& format_options) {
  // Make the components first: a missing plugin is reported before the file is touched.
  std::unique_ptr<Format> format;
  if (kind.format != "json" && kind.format != "jsonl") format = plugins.make_format(kind.format, format_options);
  if (kind.compressor != "none") compressor_ = plugins.make_compressor(kind.compressor, nlohmann::json::object());
  file_ = std::make_unique<FileSource>(path);
  ByteSource* src = file_.get();
  std::string label = path.string();
  if (compressor_) {
    // The user asked for this file: no bound beyond the stream's own.
    decompressed_ =
        compressor_->new_decompressing_source(*src, std::numeric_limits<uint64_t>::max(), label);
    src = decompressed_.get();
  }
  if (kind.format == "json") documents_ = make_json_documents(*src, label);
  else if (kind.format == "jsonl") documents_ = make_jsonl_documents(*src, label);
  else documents_ = make_plugin_documents(std::move(format), *src, label);
}

Input::~Input() = default;

std::unique_ptr<DocumentStream> make_plugin_documents(std::unique_ptr<Format> format, ByteSource& in,
                                                      std::string label) {
  return std::make_unique<PluginDocuments>(std::move(format), in, std::move(label));
}

}  // namespace tessera::detail::transfer
