// A complete Tessera plugin: the "nop" compressor, which stores bytes as
// they are. Copy this file to start a plugin of your own; every method shows
// where a real compressor does its work. See docs/plugins.md.
//
// Use it for a table with  "compressor": "nop"  in the database config.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tessera/error.h>
#include <tessera/plugin.h>

// Everything but the entry point stays in an anonymous namespace (and the
// library is built with hidden visibility), so two plugins never clash.
namespace {

using tessera::ByteSink;
using tessera::ByteSource;
using tessera::Error;
using tessera::ErrorCode;

[[noreturn]] void too_large(std::string_view label, uint64_t max) {
  // Errors name what failed: here the file (label) and the limit.
  throw Error(ErrorCode::kCorruption,
              std::string(label) + ": frame decodes to more than " + std::to_string(max) + " bytes");
}

// Streaming compression: a real compressor buffers and emits frames here,
// then writes its trailer in close(). The sink underneath belongs to the
// caller, who closes it.
class NopSink final : public ByteSink {
 public:
  explicit NopSink(ByteSink& out) : out_(out) {}
  void write(const void* data, size_t size) override { out_.write(data, size); }

 private:
  ByteSink& out_;
};

// Streaming decompression in constant memory, refusing to expand past the
// caller's bound.
class NopSource final : public ByteSource {
 public:
  NopSource(ByteSource& in, uint64_t max, std::string_view label) : in_(in), max_(max), label_(label) {}
  size_t read(void* buffer, size_t size) override {
    size_t n = in_.read(buffer, size);
    produced_ += n;
    if (produced_ > max_) too_large(label_, max_);
    return n;
  }

 private:
  ByteSource& in_;
  uint64_t max_;
  uint64_t produced_ = 0;
  std::string label_;
};

class NopCompressor final : public tessera::Compressor {
 public:
  // Options come from the table's "compressor_options". Refuse what you do
  // not understand, naming it, rather than ignoring a typo.
  explicit NopCompressor(const nlohmann::json& options) {
    if (options.is_null()) return;
    if (!options.is_object() || !options.empty())
      throw Error(ErrorCode::kConfig, "compressor 'nop' takes no options, got " + options.dump());
  }

  // Must match the name registered in the manifest below.
  const char* name() const override { return "nop"; }
  // Data files are named data_<n>.<format extension>.nop
  std::string file_extension() const override { return "nop"; }

  void compress(std::span<const uint8_t> input, std::vector<uint8_t>& output) const override {
    output.insert(output.end(), input.begin(), input.end());
  }

  void decompress(std::span<const uint8_t> input, std::vector<uint8_t>& output, uint64_t max_output_bytes,
                  std::string_view label) const override {
    if (input.size() > max_output_bytes) too_large(label, max_output_bytes);
    output.insert(output.end(), input.begin(), input.end());
  }

  std::unique_ptr<ByteSink> new_compressing_sink(ByteSink& out, std::optional<uint64_t>) const override {
    return std::make_unique<NopSink>(out);
  }

  std::unique_ptr<ByteSource> new_decompressing_source(ByteSource& in, uint64_t max_output_bytes,
                                                       std::string_view label) const override {
    return std::make_unique<NopSource>(in, max_output_bytes, label);
  }
};

// The manifest: the plugin's name and version (recorded in the metadata of
// every table it stores, and checked when the table is opened again) and its
// components. make_manifest stamps the SDK ABI version this file is compiled
// against.
const tessera::ComponentDescriptor kComponents[] = {tessera::compressor_component<NopCompressor>("nop")};
const tessera::PluginManifest kManifest = tessera::make_manifest("sample-nop", "1.0.0", kComponents);
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

// The one exported symbol: the entry point the loader looks for.
TESSERA_PLUGIN(manifest)
