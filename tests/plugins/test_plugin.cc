// The test plugins. CMake compiles this file once per case with
// TEST_PLUGIN_<CASE> defined; each case is a separate library with its own
// manifest, built into its own folder under test_plugins/.
#include <iterator>

#include "test_components.h"

namespace {

using tessera::ComponentDescriptor;
using tessera::compressor_component;
using tessera::format_component;

constexpr uint32_t kAbi = tessera::kSdkAbiVersion;

#if defined(TEST_PLUGIN_GOOD)
// Loads cleanly: one component of two kinds.
constexpr const char* kPlugin = "test-good";
constexpr const char* kVersion = "1.2.3";
constexpr uint32_t kAbiVersion = kAbi;
const ComponentDescriptor kComponents[] = {
    compressor_component<TestNopCompressor<"test_nop">>("test_nop"),
    format_component<TestLinesFormat<"test_lines">>("test_lines")};
#elif defined(TEST_PLUGIN_BAD_ABI)
// Claims a newer SDK than the host's: refused before anything is read.
constexpr const char* kPlugin = "test-bad-abi";
constexpr const char* kVersion = "1.0.0";
constexpr uint32_t kAbiVersion = kAbi + 1;
const ComponentDescriptor kComponents[] = {compressor_component<TestNopCompressor<"test_abi_nop">>("test_abi_nop")};
#elif defined(TEST_PLUGIN_DUPLICATE)
// Offers the compressor test-good already provides.
constexpr const char* kPlugin = "test-duplicate";
constexpr const char* kVersion = "2.0.0";
constexpr uint32_t kAbiVersion = kAbi;
const ComponentDescriptor kComponents[] = {compressor_component<TestNopCompressor<"test_nop">>("test_nop")};
#elif defined(TEST_PLUGIN_PARTIAL_DUPLICATE)
// A new compressor next to test-good's format: refused whole.
constexpr const char* kPlugin = "test-partial";
constexpr const char* kVersion = "1.0.0";
constexpr uint32_t kAbiVersion = kAbi;
const ComponentDescriptor kComponents[] = {
    compressor_component<TestNopCompressor<"test_fresh">>("test_fresh"),
    format_component<TestLinesFormat<"test_lines">>("test_lines")};
#elif defined(TEST_PLUGIN_ENV)
// Found only through TESSERA_PLUGIN_PATH.
constexpr const char* kPlugin = "test-env";
constexpr const char* kVersion = "1.0.0";
constexpr uint32_t kAbiVersion = kAbi;
const ComponentDescriptor kComponents[] = {compressor_component<TestNopCompressor<"test_env_nop">>("test_env_nop")};
#elif defined(TEST_PLUGIN_EXTRA_FORMAT)
// A format outside the default folder, for databases that lose it.
constexpr const char* kPlugin = "test-extra";
constexpr const char* kVersion = "3.1.0";
constexpr uint32_t kAbiVersion = kAbi;
const ComponentDescriptor kComponents[] = {format_component<TestLinesFormat<"extra_lines">>("extra_lines")};
#else
#error "define one TEST_PLUGIN_<CASE>"
#endif

// Spelled out rather than make_manifest() so a case can pick its ABI version.
const tessera::PluginManifest kManifest = {kAbiVersion, kPlugin, kVersion, kComponents, std::size(kComponents)};
const tessera::PluginManifest* manifest() { return &kManifest; }

}  // namespace

TESSERA_PLUGIN(manifest)
