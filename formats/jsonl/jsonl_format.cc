// The jsonl Format plugin: one JSON object per line, keyed by column name.
// The on-disk promise is docs/formats/jsonl.md.
#include "jsonl_internal.h"
#include "tessera/plugin.h"

namespace {

using namespace tessera;

class JsonlFormat final : public Format {
 public:
  // jsonl has no options; anything given is a mistake worth reporting.
  explicit JsonlFormat(const nlohmann::json& options) {
    if (options.is_null()) return;
    if (!options.is_object())
      throw Error(ErrorCode::kConfig, "format 'jsonl': options must be a JSON object");
    if (!options.empty())
      throw Error(ErrorCode::kConfig, "format 'jsonl': unknown option '" + options.begin().key() + "'");
  }

  const char* name() const override { return "jsonl"; }
  std::string file_extension() const override { return "jsonl"; }

  std::unique_ptr<RecordWriter> new_writer(const Schema& schema, ByteSink& out) const override {
    return jsonl::make_writer(schema, out);
  }
  std::unique_ptr<RecordReader> new_reader(const Schema& schema, ByteSource& in,
                                           std::string_view label) const override {
    return jsonl::make_reader(schema, in, label);
  }

  // No header and no trailer: a file grows by appending lines.
  bool can_append() const override { return true; }
  std::unique_ptr<RecordWriter> new_append_writer(const Schema& schema, ByteSink& out) const override {
    return jsonl::make_writer(schema, out);
  }

  std::unique_ptr<DocumentReader> new_document_reader(ByteSource& in,
                                                      std::string_view label) const override {
    return jsonl::make_document_reader(in, label);
  }
};

const ComponentDescriptor kComponents[] = {format_component<JsonlFormat>("jsonl")};
const PluginManifest kManifest = make_manifest("tessera-jsonl", "0.1.0", kComponents);
const PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
