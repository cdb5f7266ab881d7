// The msgpack_lz4 Format plugin: component "msgpack_lz4", files "*.tmpk".
//
// The extension is not "msgpack.lz4": the file starts with a Tessera header,
// so stock lz4 tools do not read it as is, and the framework appends a
// compressor's extension of its own when one is stacked (normally none, as
// the format compresses itself). Options: {"level": 0..12,
// "max_record_bytes": N}. See docs/formats/msgpack_lz4.md.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "msgpack_lz4.h"
#include "tessera/error.h"
#include "tessera/plugin.h"

namespace {

using tessera::Error;
using tessera::ErrorCode;
namespace mp = tessera::msgpack_lz4;

int64_t integer_option(const std::string& key, const nlohmann::json& value, int64_t min, int64_t max) {
  if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > max) {
    throw Error(ErrorCode::kConfig,
                fmt::format("format 'msgpack_lz4': option '{}' must be an integer from {} to {}, got {}",
                            key, min, max, value.dump()));
  }
  return value.get<int64_t>();
}

mp::Options parse_options(const nlohmann::json& options) {
  mp::Options o;
  if (options.is_null()) return o;
  if (!options.is_object()) {
    throw Error(ErrorCode::kConfig, "format 'msgpack_lz4': options must be a JSON object");
  }
  for (const auto& [key, value] : options.items()) {
    if (key == "level") {
      o.level = static_cast<int>(integer_option(key, value, 0, 12));
    } else if (key == "max_record_bytes") {
      o.max_record_bytes = static_cast<uint64_t>(integer_option(key, value, 1024, int64_t{1} << 40));
    } else {
      throw Error(ErrorCode::kConfig, fmt::format("format 'msgpack_lz4': unknown option '{}'", key));
    }
  }
  return o;
}

class MsgpackLz4Format final : public tessera::Format {
 public:
  explicit MsgpackLz4Format(const nlohmann::json& options) : options_(parse_options(options)) {}

  const char* name() const override { return "msgpack_lz4"; }
  std::string file_extension() const override { return "tmpk"; }

  std::unique_ptr<tessera::RecordWriter> new_writer(const tessera::Schema& schema,
                                                    tessera::ByteSink& out) const override {
    return mp::make_writer(schema, out, options_);
  }
  std::unique_ptr<tessera::RecordReader> new_reader(const tessera::Schema& schema, tessera::ByteSource& in,
                                                    std::string_view label) const override {
    return mp::make_reader(schema, in, label, options_);
  }
  std::unique_ptr<tessera::DocumentReader> new_document_reader(tessera::ByteSource& in,
                                                               std::string_view label) const override {
    return mp::make_document_reader(in, label, options_);
  }

 private:
  mp::Options options_;
};

const tessera::ComponentDescriptor kComponents[] = {
    tessera::format_component<MsgpackLz4Format>("msgpack_lz4")};
const tessera::PluginManifest kManifest =
    tessera::make_manifest("tessera-msgpack-lz4", "0.1.0", kComponents);
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
