// The plugin entry point: what a plugin library exports.
//
// A plugin is a shared library that exports exactly one symbol through
// BOOST_DLL_ALIAS under the name tessera_plugin_manifest (use
// TESSERA_PLUGIN below). It is a function returning a PluginManifest that
// lists the plugin's components. The loader reads abi_version first and
// refuses the library, creating nothing, when it differs from the host's
// kSdkAbiVersion.
//
// Minimal plugin:
//
//   namespace {
//   class NopCompressor final : public tessera::Compressor { ... };
//   const tessera::ComponentDescriptor kComponents[] = {
//       tessera::compressor_component<NopCompressor>("nop")};
//   const tessera::PluginManifest kManifest = tessera::make_manifest("nop", "1.0.0", kComponents);
//   const tessera::PluginManifest* manifest() { return &kManifest; }
//   }  // namespace
//   TESSERA_PLUGIN(manifest)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <boost/dll/alias.hpp>
#include <nlohmann/json.hpp>

#include "tessera/compressor.h"
#include "tessera/eviction.h"
#include "tessera/format.h"
#include "tessera/index.h"

namespace tessera {

// Bump when any SDK interface or the manifest layout changes incompatibly.
inline constexpr uint32_t kSdkAbiVersion = 2;

// Do not change the values: plugins built earlier report them.
enum class ComponentKind : uint32_t { kFormat = 1, kCompressor = 2, kIndex = 3, kEviction = 4 };
const char* to_string(ComponentKind kind);  // "format", "compressor", ...

// Factories return a new object owned by the caller, or throw tessera::Error
// (kConfig naming the option) when the options are not acceptable.
using FormatFactory = Format* (*)(const nlohmann::json& options);
using CompressorFactory = Compressor* (*)(const nlohmann::json& options);
using IndexFactory = Index* (*)(const IndexSpec& spec, const nlohmann::json& options);
using EvictionFactory = EvictionPolicy* (*)(const nlohmann::json& options);

struct ComponentDescriptor {
  ComponentKind kind;
  const char* name;
  // Exactly the factory matching kind is set.
  FormatFactory make_format = nullptr;
  CompressorFactory make_compressor = nullptr;
  IndexFactory make_index = nullptr;
  EvictionFactory make_eviction = nullptr;
};

struct PluginManifest {
  uint32_t abi_version;  // must stay the first member: read before the rest
  const char* plugin_name;
  const char* plugin_version;
  const ComponentDescriptor* components;
  size_t component_count;
};

using PluginEntryPoint = const PluginManifest*();

// Helpers that build descriptors for classes constructible from options.
template <class T>
constexpr ComponentDescriptor format_component(const char* name) {
  return {ComponentKind::kFormat, name,
          [](const nlohmann::json& o) -> Format* { return new T(o); }};
}
template <class T>
constexpr ComponentDescriptor compressor_component(const char* name) {
  return {ComponentKind::kCompressor, name, nullptr,
          [](const nlohmann::json& o) -> Compressor* { return new T(o); }};
}
template <class T>
constexpr ComponentDescriptor index_component(const char* name) {
  return {ComponentKind::kIndex, name, nullptr, nullptr,
          [](const IndexSpec& s, const nlohmann::json& o) -> Index* { return new T(s, o); }};
}
template <class T>
constexpr ComponentDescriptor eviction_component(const char* name) {
  return {ComponentKind::kEviction, name, nullptr, nullptr, nullptr,
          [](const nlohmann::json& o) -> EvictionPolicy* { return new T(o); }};
}

template <size_t N>
constexpr PluginManifest make_manifest(const char* name, const char* version,
                                       const ComponentDescriptor (&components)[N]) {
  return {kSdkAbiVersion, name, version, components, N};
}

}  // namespace tessera

// Exports fn (a PluginEntryPoint) as the plugin's entry point.
#define TESSERA_PLUGIN(fn) BOOST_DLL_ALIAS(fn, tessera_plugin_manifest)
#define TESSERA_PLUGIN_ENTRY_NAME "tessera_plugin_manifest"
