// Loading plugins and creating components from them.
//
// A PluginRegistry loads plugin libraries from folders (or single files),
// checks each before use, and creates components by kind and name. Refused
// files are reported in problems(), each with the file and the reason; the
// other plugins still load. Libraries are never unloaded while the process
// runs, so objects created from them may outlive the registry.
//
// Thread safety: loading is not thread-safe; after loading, all const
// methods may be called from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tessera/plugin.h"

namespace tessera {

struct ComponentInfo {
  ComponentKind kind;
  std::string name;            // component name, e.g. "csv"
  std::string plugin_name;     // the manifest's plugin name
  std::string plugin_version;  // the manifest's plugin version
  std::filesystem::path file;  // the library it came from
};

struct PluginProblem {
  std::filesystem::path file;
  std::string reason;
};

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // The folders searched by default, in order: extra (from the config's
  // plugin_paths), then each entry of TESSERA_PLUGIN_PATH (':'-separated),
  // then the folder next to libtessera.so (installed layout) or the build
  // tree's plugin folder.
  static std::vector<std::filesystem::path> default_search_path(
      const std::vector<std::filesystem::path>& extra = {});

  // Loads every *.so in each folder, in order. A missing folder is recorded
  // as a problem and skipped. Every folder is remembered in searched_paths().
  void load_directories(const std::vector<std::filesystem::path>& dirs);
  // Loads one library. Returns false (and records a problem) when refused:
  // not a shared library, no entry point, wrong ABI version, a component
  // whose kind and name are already loaded (the whole file is refused).
  // Loading the same file twice is a no-op that returns true.
  bool load_file(const std::filesystem::path& file);

  const std::vector<ComponentInfo>& components() const;
  const std::vector<PluginProblem>& problems() const;
  const std::vector<std::filesystem::path>& searched_paths() const;
  // nullptr when not loaded.
  const ComponentInfo* find(ComponentKind kind, std::string_view name) const;

  // Create components. Throw Error(kPlugin) naming the kind, the component
  // and the searched folders when it is not loaded.
  std::unique_ptr<Format> make_format(std::string_view name, const nlohmann::json& options) const;
  std::unique_ptr<Compressor> make_compressor(std::string_view name,
                                              const nlohmann::json& options) const;
  std::unique_ptr<Index> make_index(std::string_view name, const IndexSpec& spec,
                                    const nlohmann::json& options) const;
  std::unique_ptr<EvictionPolicy> make_eviction(std::string_view name,
                                                const nlohmann::json& options) const;

  // "no format plugin 'x' is loaded (searched: a, b)"
  std::string missing_message(ComponentKind kind, std::string_view name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera
