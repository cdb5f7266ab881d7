// The csv Format plugin: RFC 4180 rows under a header naming the columns.
// The on-disk promise is docs/formats/csv.md.
#include "csv_internal.h"
#include "tessera/plugin.h"

namespace {

using namespace tessera;

char parse_delimiter(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    // One ASCII byte that cannot be confused with quoting or line ends.
    if (s.size() == 1 && static_cast<unsigned char>(s[0]) < 0x80 && s[0] != '"' && s[0] != '\r' &&
        s[0] != '\n' && s[0] != '\0')
      return s[0];
  }
  throw Error(ErrorCode::kConfig,
              "format 'csv': option 'delimiter' must be one ASCII character other than a quote, CR or LF, got " +
                  v.dump());
}

class CsvFormat final : public Format {
 public:
  explicit CsvFormat(const nlohmann::json& options) {
    if (options.is_null()) return;
    if (!options.is_object()) throw Error(ErrorCode::kConfig, "format 'csv': options must be a JSON object");
    for (const auto& [key, value] : options.items()) {
      if (key == "delimiter")
        delimiter_ = parse_delimiter(value);
      else
        throw Error(ErrorCode::kConfig, "format 'csv': unknown option '" + key + "'");
    }
  }

  const char* name() const override { return "csv"; }
  std::string file_extension() const override { return "csv"; }

  std::unique_ptr<RecordWriter> new_writer(const Schema& schema, ByteSink& out) const override {
    return csv::make_writer(schema, out, delimiter_, true);
  }
  std::unique_ptr<RecordReader> new_reader(const Schema& schema, ByteSource& in,
                                           std::string_view label) const override {
    return csv::make_reader(schema, in, label, delimiter_);
  }

  // The header is written once when the file is created; appends add rows.
  bool can_append() const override { return true; }
  std::unique_ptr<RecordWriter> new_append_writer(const Schema& schema, ByteSink& out) const override {
    return csv::make_writer(schema, out, delimiter_, false);
  }

  std::unique_ptr<DocumentReader> new_document_reader(ByteSource& in,
                                                      std::string_view label) const override {
    return csv::make_document_reader(in, label, delimiter_);
  }

 private:
  char delimiter_ = ',';
};

const ComponentDescriptor kComponents[] = {format_component<CsvFormat>("csv")};
const PluginManifest kManifest = make_manifest("tessera-csv", "0.1.0", kComponents);
const PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
