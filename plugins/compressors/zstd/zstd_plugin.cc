// The zstd Compressor plugin: component "zstd", files "*.zst".
//
// Options: {"level": N} with N from zstd's fastest negative level to 22
// (default 3, zstd's own default; 0 also means the default).
// See docs/compressors.md.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "zstd_frames.h"
#include "tessera/error.h"
#include "tessera/plugin.h"

namespace {

using tessera::Error;
using tessera::ErrorCode;

int parse_level(const nlohmann::json& options) {
  int level = tessera::zstd_plugin::kDefaultLevel;
  if (options.is_null()) return level;
  if (!options.is_object()) {
    throw Error(ErrorCode::kConfig, "compressor 'zstd': options must be a JSON object");
  }
  for (const auto& [key, value] : options.items()) {
    if (key != "level") {
      throw Error(ErrorCode::kConfig, fmt::format("compressor 'zstd': unknown option '{}'", key));
    }
    if (!value.is_number_integer() ||
        value.get<int64_t>() < tessera::zstd_plugin::min_level() ||
        value.get<int64_t>() > tessera::zstd_plugin::max_level()) {
      throw Error(ErrorCode::kConfig,
                  fmt::format("compressor 'zstd': option 'level' must be an integer from {} to {}, "
                              "got {}",
                              tessera::zstd_plugin::min_level(), tessera::zstd_plugin::max_level(),
                              value.dump()));
    }
    level = value.get<int>();
  }
  return level;
}

class ZstdCompressor final : public tessera::Compressor {
 public:
  explicit ZstdCompressor(const nlohmann::json& options) : level_(parse_level(options)) {}

  const char* name() const override { return "zstd"; }
  std::string file_extension() const override { return "zst"; }

  void compress(std::span<const uint8_t> input, std::vector<uint8_t>& output) const override {
    tessera::zstd_plugin::compress_block(level_, input, output);
  }
  void decompress(std::span<const uint8_t> input, std::vector<uint8_t>& output,
                  uint64_t max_output_bytes, std::string_view label) const override {
    tessera::zstd_plugin::decompress_block(input, output, max_output_bytes, label);
  }
  std::unique_ptr<tessera::ByteSink> new_compressing_sink(
      tessera::ByteSink& out, std::optional<uint64_t> content_size) const override {
    return tessera::zstd_plugin::make_compressing_sink(level_, out, content_size);
  }
  std::unique_ptr<tessera::ByteSource> new_decompressing_source(
      tessera::ByteSource& in, uint64_t max_output_bytes, std::string_view label) const override {
    return tessera::zstd_plugin::make_decompressing_source(in, max_output_bytes, label);
  }

 private:
  int level_;
};

const tessera::ComponentDescriptor kComponents[] = {
    tessera::compressor_component<ZstdCompressor>("zstd")};
const tessera::PluginManifest kManifest = tessera::make_manifest("tessera-zstd", "0.1.0", kComponents);
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
