// export_table: a table's rows through a Format plugin's writer (or as the
// framework's json document), optionally compressed, to a file or stream.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ostream>

#include <fmt/format.h>

#include "tessera/database.h"
#include "tessera/error.h"
#include "tessera/text_codec.h"
#include "tessera/transfer.h"
#include "transfer_internal.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;
using detail::transfer::FileKind;

// Counts what passes through to the final destination.
class CountingSink final : public ByteSink {
 public:
  explicit CountingSink(std::ostream* stream, std::FILE* file, std::string label)
      : stream_(stream), file_(file), label_(std::move(label)) {}
  void write(const void* data, size_t size) override {
    bool ok = stream_ ? static_cast<bool>(stream_->write(static_cast<const char*>(data), size))
                      : std::fwrite(data, 1, size, file_) == size;
    if (!ok) throw Error(ErrorCode::kIO, fmt::format("{}: write failed: {}", label_, std::strerror(errno)));
    bytes_ += size;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  std::ostream* stream_;
  std::FILE* file_;
  std::string label_;
  uint64_t bytes_ = 0;
};

std::string now_iso() {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return text::format_timestamp(Timestamp{micros.count()});
}

// Far years (before 1 AD) may have an ISO text that does not read back: such
// a value is refused, as the jsonl writer refuses it, rather than exported
// into a file that cannot be imported.
void check_timestamp(const std::string& column, Timestamp ts) {
  if (ts.micros >= 0) return;
  std::string t = text::format_timestamp(ts);
  if (t[0] == '-' && text::parse_timestamp(t) != ts)
    throw Error(ErrorCode::kUnsupported,
                fmt::format("json export: column '{}': timestamp {} does not read back", column, t));
}

// {"table", "exported_at", "count", "columns", "records": [...]}, one record
// per line so that the file is readable and diffs well.
uint64_t write_json(const Table& table, const std::string& name, ByteSink& out) {
  const Schema& schema = table.schema();
  const uint64_t count = table.size();
  std::string buf = "{\"table\": ";
  detail::transfer::append_json_string(buf, name);
  buf += ",\n \"exported_at\": ";
  detail::transfer::append_json_string(buf, now_iso());
  buf += fmt::format(",\n \"count\": {},\n \"columns\": ", count);
  buf += schema.to_json()["columns"].dump(-1, ' ', false);
  buf += ",\n \"records\": [";
  std::vector<std::string> keys;
  for (const Column& c : schema.columns()) {
    std::string k;
    detail::transfer::append_json_string(k, c.name);
    keys.push_back(k + ":");
  }
  uint64_t rows = 0;
  Cursor cursor = table.scan();
  Record r;
  while (cursor.next(r)) {
    buf += rows++ ? ",\n  {" : "\n  {";
    for (size_t i = 0; i < r.size(); ++i) {
      if (i) buf += ',';
      buf += keys[i];
      if (r[i].type() == Type::kTimestamp) check_timestamp(schema[i].name, r[i].as_timestamp());
      detail::transfer::append_json_value(buf, r[i]);
    }
    buf += '}';
    if (buf.size() >= 64 * 1024) out.write(buf), buf.clear();
  }
  buf += rows ? "\n ]}\n" : "]}\n";
  out.write(buf);
  // "count" was written first; a table changed meanwhile would make it lie.
  if (rows != count)
    throw Error(ErrorCode::kUnavailable,
                fmt::format("export of table '{}': the table changed during the export ({} rows, then {}); retry",
                            name, count, rows));
  return rows;
}

ExportResult write_export(Database& db, std::string_view name, const FileKind& kind, const ExportOptions& options,
                          CountingSink& dest) {
  Table table = db.table(name);
  // Components first: an unknown one fails before anything is written.
  std::unique_ptr<Format> format;
  if (kind.format != "json") format = db.plugins().make_format(kind.format, options.format_options);
  std::unique_ptr<Compressor> compressor;
  std::unique_ptr<ByteSink> compressing;
  ByteSink* out = &dest;
  if (kind.compressor != "none") {
    compressor = db.plugins().make_compressor(kind.compressor, options.compressor_options);
    compressing = compressor->new_compressing_sink(dest, std::nullopt);
    out = compressing.get();
  }
  ExportResult result;
  result.format = kind.format;
  result.compressor = kind.compressor;
  if (!format) {
    result.rows = write_json(table, std::string(name), *out);
  } else {
    auto writer = format->new_writer(table.schema(), *out);
    Cursor cursor = table.scan();
    Record r;
    while (cursor.next(r)) writer->write(r), ++result.rows;
    writer->finish();
  }
  if (compressing) compressing->close();
  result.bytes = dest.bytes();
  return result;
}

}  // namespace

ExportResult export_table(Database& db, std::string_view table, std::ostream& out, const ExportOptions& options) {
  FileKind kind{options.format.empty() ? "csv" : options.format,
                options.compressor.empty() ? "none" : options.compressor};
  CountingSink sink(&out, nullptr, "export stream");
  ExportResult result = write_export(db, table, kind, options, sink);
  if (!out.flush()) throw Error(ErrorCode::kIO, "export stream: write failed");
  return result;
}

ExportResult export_table(Database& db, std::string_view table, const fs::path& path, const ExportOptions& options) {
  FileKind kind = detail::transfer::resolve_kind(path, options.format, options.compressor);
  fs::path tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (!file) throw Error(ErrorCode::kIO, fmt::format("{}: cannot create: {}", tmp.string(), std::strerror(errno)));
  try {
    CountingSink sink(nullptr, file, path.string());
    ExportResult result = write_export(db, table, kind, options, sink);
    // Durable before it takes the name, so the name never holds a partial file.
    if (std::fflush(file) != 0 || ::fsync(::fileno(file)) != 0)
      throw Error(ErrorCode::kIO, fmt::format("{}: write failed: {}", path.string(), std::strerror(errno)));
    std::fclose(file);
    file = nullptr;
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw Error(ErrorCode::kIO, fmt::format("{}: cannot rename into place: {}", path.string(), ec.message()));
    return result;
  } catch (...) {
    if (file) std::fclose(file);
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace tessera
