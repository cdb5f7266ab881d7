// The lz4 Compressor plugin: component "lz4", files "*.lz4".
//
// Options: {"level": N} with N in 0..12 (0, the default, is LZ4's fast mode;
// higher levels use the high-compression coder). See docs/compressors.md.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lz4_frames.h"
#include "tessera/error.h"
#include "tessera/plugin.h"

namespace {

using tessera::Error;
using tessera::ErrorCode;

int parse_level(const nlohmann::json& options) {
  int level = tessera::lz4_plugin::kDefaultLevel;
  if (options.is_null()) return level;
  if (!options.is_object()) {
    throw Error(ErrorCode::kConfig, "compressor 'lz4': options must be a JSON object");
  }
  for (const auto& [key, value] : options.items()) {
    if (key != "level") {
      throw Error(ErrorCode::kConfig, fmt::format("compressor 'lz4': unknown option '{}'", key));
    }
    if (!value.is_number_integer() ||
        value.get<int64_t>() < tessera::lz4_plugin::kMinLevel ||
        value.get<int64_t>() > tessera::lz4_plugin::kMaxLevel) {
      throw Error(ErrorCode::kConfig,
                  fmt::format("compressor 'lz4': option 'level' must be an integer from {} to {}, "
                              "got {}",
                              tessera::lz4_plugin::kMinLevel, tessera::lz4_plugin::kMaxLevel,
                              value.dump()));
    }
    level = value.get<int>();
  }
  return level;
}

class Lz4Compressor final : public tessera::Compressor {
 public:
  explicit Lz4Compressor(const nlohmann::json& options) : level_(parse_level(options)) {}

  const char* name() const override { return "lz4"; }
  std::string file_extension() const override { return "lz4"; }

  void compress(std::span<const uint8_t> input, std::vector<uint8_t>& output) const override {
    tessera::lz4_plugin::compress_block(level_, input, output);
  }
  void decompress(std::span<const uint8_t> input, std::vector<uint8_t>& output,
                  uint64_t max_output_bytes, std::string_view label) const override {
    tessera::lz4_plugin::decompress_block(input, output, max_output_bytes, label);
  }
  std::unique_ptr<tessera::ByteSink> new_compressing_sink(
      tessera::ByteSink& out, std::optional<uint64_t> content_size) const override {
    return tessera::lz4_plugin::make_compressing_sink(level_, out, content_size);
  }
  std::unique_ptr<tessera::ByteSource> new_decompressing_source(
      tessera::ByteSource& in, uint64_t max_output_bytes, std::string_view label) const override {
    return tessera::lz4_plugin::make_decompressing_source(in, max_output_bytes, label);
  }

 private:
  int level_;
};

const tessera::ComponentDescriptor kComponents[] = {
    tessera::compressor_component<Lz4Compressor>("lz4")};
const tessera::PluginManifest kManifest = tessera::make_manifest("tessera-lz4", "0.1.0", kComponents);
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
