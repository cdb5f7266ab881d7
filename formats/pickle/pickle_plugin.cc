// The pickle Format plugin: component "pickle", files "*.pkl".
//
// Writes what Python's pickle.load reads as a list of dicts; reads such
// files (protocols 0 to 5) with a data-only, streaming interpreter that
// never imports or calls anything. Options: {"max_record_bytes": N,
// "max_memo_bytes": N} bound the reader's memory. See docs/formats/pickle.md.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pickle.h"
#include "tessera/error.h"
#include "tessera/plugin.h"

namespace {

using tessera::Error;
using tessera::ErrorCode;
namespace pk = tessera::pickle_format;

uint64_t size_option(const std::string& key, const nlohmann::json& value) {
  constexpr int64_t kMin = 1024, kMax = int64_t{1} << 40;
  if (!value.is_number_integer() || value.get<int64_t>() < kMin || value.get<int64_t>() > kMax) {
    throw Error(ErrorCode::kConfig,
                fmt::format("format 'pickle': option '{}' must be an integer from {} to {}, got {}", key,
                            kMin, kMax, value.dump()));
  }
  return value.get<uint64_t>();
}

pk::Limits parse_options(const nlohmann::json& options) {
  pk::Limits limits;
  if (options.is_null()) return limits;
  if (!options.is_object()) throw Error(ErrorCode::kConfig, "format 'pickle': options must be a JSON object");
  for (const auto& [key, value] : options.items()) {
    if (key == "max_record_bytes") {
      limits.max_record_bytes = size_option(key, value);
    } else if (key == "max_memo_bytes") {
      limits.max_memo_bytes = size_option(key, value);
    } else {
      throw Error(ErrorCode::kConfig, fmt::format("format 'pickle': unknown option '{}'", key));
    }
  }
  return limits;
}

class PickleFormat final : public tessera::Format {
 public:
  explicit PickleFormat(const nlohmann::json& options) : limits_(parse_options(options)) {}

  const char* name() const override { return "pickle"; }
  std::string file_extension() const override { return "pkl"; }

  std::unique_ptr<tessera::RecordWriter> new_writer(const tessera::Schema& schema,
                                                    tessera::ByteSink& out) const override {
    return pk::make_writer(schema, out);
  }
  std::unique_ptr<tessera::RecordReader> new_reader(const tessera::Schema& schema, tessera::ByteSource& in,
                                                    std::string_view label) const override {
    return pk::make_reader(schema, in, label, limits_);
  }
  std::unique_ptr<tessera::DocumentReader> new_document_reader(tessera::ByteSource& in,
                                                               std::string_view label) const override {
    return pk::make_document_reader(in, label, limits_);
  }

 private:
  pk::Limits limits_;
};

const tessera::ComponentDescriptor kComponents[] = {tessera::format_component<PickleFormat>("pickle")};
const tessera::PluginManifest kManifest = tessera::make_manifest("tessera-pickle", "0.1.0", kComponents);
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
