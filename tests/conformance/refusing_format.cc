// A test plugin whose format refuses one value, so that the conformance
// suite can check what the framework does when a writer says kUnsupported
// (no in-tree format refuses anything a test can build). Built into its own
// folder under test_plugins/, never the default plugin folder.
#include "../plugins/test_components.h"

namespace {

constexpr const char* kRefusedText = "refused by the writer";

// test_lines, except that a TEXT value equal to kRefusedText is refused.
class RefusingFormat final : public tessera::Format {
 public:
  explicit RefusingFormat(const nlohmann::json& options) : lines_(options) {}
  const char* name() const override { return "conformance_refusing"; }
  std::string file_extension() const override { return "refusing"; }

  std::unique_ptr<tessera::RecordWriter> new_writer(const tessera::Schema& schema, ByteSink& out) const override {
    return std::make_unique<Writer>(schema, lines_.new_writer(schema, out));
  }
  std::unique_ptr<tessera::RecordReader> new_reader(const tessera::Schema& schema, ByteSource& in,
                                                    std::string_view label) const override {
    return lines_.new_reader(schema, in, label);
  }

 private:
  struct Writer final : tessera::RecordWriter {
    Writer(const tessera::Schema& s, std::unique_ptr<tessera::RecordWriter> w) : schema(s), inner(std::move(w)) {}
    void write(tessera::RecordView record) override {
      for (size_t i = 0; i < record.size(); ++i)
        if (record[i].type() == tessera::Type::kText && record[i].as_text() == kRefusedText)
          throw Error(ErrorCode::kUnsupported,
                      "conformance_refusing: column '" + schema[i].name + "': this value is refused");
      inner->write(record);
    }
    void finish() override { inner->finish(); }
    tessera::Schema schema;
    std::unique_ptr<tessera::RecordWriter> inner;
  };
  TestLinesFormat<"conformance_lines"> lines_;
};

const tessera::ComponentDescriptor kComponents[] = {
    tessera::format_component<RefusingFormat>("conformance_refusing")};
const tessera::PluginManifest kManifest = tessera::make_manifest("test-conformance-refusing", "1.0.0", kComponents);
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
