// The plugin loader. Each candidate file is inspected before it is loaded:
// its ELF sections must list our entry point, so a stray library is never
// dlopen()ed (and never runs its constructors). Loaded libraries are kept
// for the life of the process: objects made by their factories may live in
// any registry's or database's hands, and unloading code that still has live
// objects is undefined behaviour.
#include "tessera/plugin_registry.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera {

namespace fs = std::filesystem;

namespace {

struct LoadedLibrary {
  boost::dll::shared_library library;
  const PluginManifest* manifest = nullptr;
};

// Process-wide, never destroyed: see the comment at the top of the file.
std::mutex& libraries_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::map<fs::path, LoadedLibrary>& libraries() {
  static auto* libs = new std::map<fs::path, LoadedLibrary>;
  return *libs;
}

bool valid_kind(ComponentKind k) {
  return k == ComponentKind::kFormat || k == ComponentKind::kCompressor || k == ComponentKind::kIndex ||
         k == ComponentKind::kEviction;
}

bool factory_matches(const ComponentDescriptor& d) {
  switch (d.kind) {
    case ComponentKind::kFormat: return d.make_format != nullptr;
    case ComponentKind::kCompressor: return d.make_compressor != nullptr;
    case ComponentKind::kIndex: return d.make_index != nullptr;
    case ComponentKind::kEviction: return d.make_eviction != nullptr;
  }
  return false;
}

// Opens (or finds already open) the library and returns its manifest, or
// sets why and returns nullptr.
const PluginManifest* open_manifest(const fs::path& file, std::string& why) {
  std::lock_guard lock(libraries_mutex());
  auto& libs = libraries();
  if (auto it = libs.find(file); it != libs.end()) return it->second.manifest;

  try {
    boost::dll::library_info info(file.string(), /*throw_if_not_native=*/true);
    auto symbols = info.symbols("boostdll");
    if (std::find(symbols.begin(), symbols.end(), TESSERA_PLUGIN_ENTRY_NAME) == symbols.end()) {
      why = fmt::format("no {} entry point (not a Tessera plugin)", TESSERA_PLUGIN_ENTRY_NAME);
      return nullptr;
    }
  } catch (const std::exception& e) {
    why = fmt::format("not a loadable shared library ({})", e.what());
    return nullptr;
  }

  LoadedLibrary loaded;
  boost::dll::fs::error_code ec;
  loaded.library.load(file.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    // Boost reports every dlopen failure as one generic code; the dynamic
    // linker's own message (an undefined symbol, a missing dependency) is
    // still waiting in dlerror().
    const char* linker = ::dlerror();
    why = fmt::format("cannot be loaded: {}", linker ? linker : ec.message());
    return nullptr;
  }
  if (!loaded.library.has(TESSERA_PLUGIN_ENTRY_NAME)) {
    why = fmt::format("no {} entry point (not a Tessera plugin)", TESSERA_PLUGIN_ENTRY_NAME);
    return nullptr;  // the library stays loaded: see the top of the file
  }
  auto& entry = loaded.library.get_alias<PluginEntryPoint>(TESSERA_PLUGIN_ENTRY_NAME);
  loaded.manifest = entry();
  if (!loaded.manifest) {
    why = "its entry point returned no manifest";
    return nullptr;
  }
  const PluginManifest* m = loaded.manifest;
  libs.emplace(file, std::move(loaded));
  return m;
}

}  // namespace

struct PluginRegistry::Impl {
  struct Entry {
    ComponentInfo info;
    ComponentDescriptor descriptor;
  };
  std::vector<Entry> entries;
  std::vector<ComponentInfo> infos;
  std::vector<PluginProblem> problems;
  std::vector<fs::path> searched;
  std::vector<fs::path> files;

  const Entry& require(const PluginRegistry& reg, ComponentKind kind, std::string_view name) const;
  const Entry* find(ComponentKind kind, std::string_view name) const {
    for (const auto& e : entries)
      if (e.info.kind == kind && e.info.name == name) return &e;
    return nullptr;
  }
};

PluginRegistry::PluginRegistry() : impl_(std::make_unique<Impl>()) {}
PluginRegistry::~PluginRegistry() = default;

std::vector<fs::path> PluginRegistry::default_search_path(const std::vector<fs::path>& extra) {
  std::vector<fs::path> dirs = extra;
  if (const char* env = std::getenv("TESSERA_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view part = rest.substr(0, colon);
      if (!part.empty()) dirs.emplace_back(part);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  // The default folder belongs to this copy of the library: the build
  // tree's plugin folder when running from the build tree, otherwise the
  // installed layout (<libdir>/libtessera.so, <libdir>/tessera/plugins).
  // An installed library never falls back to a build tree's plugins, which
  // may be other versions.
  boost::dll::fs::error_code ec;
  fs::path here = fs::path(boost::dll::this_line_location(ec).string()).parent_path();
  if (ec) return dirs;
  std::error_code fec;
  if (fs::equivalent(here, TESSERA_BUILD_LIBRARY_DIR, fec)) dirs.emplace_back(TESSERA_BUILD_PLUGIN_DIR);
  else dirs.push_back(here / TESSERA_INSTALL_PLUGIN_SUBDIR);
  return dirs;
}

void PluginRegistry::load_directories(const std::vector<fs::path>& dirs) {
  for (const fs::path& dir : dirs) {
    // A folder named twice (configured and in TESSERA_PLUGIN_PATH) is
    // searched once, so its problems are reported once.
    if (std::find(impl_->searched.begin(), impl_->searched.end(), dir) != impl_->searched.end()) continue;
    impl_->searched.push_back(dir);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      impl_->problems.push_back({dir, "plugin folder does not exist"});
      continue;
    }
    std::vector<fs::path> candidates;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string fname = entry.path().filename().string();
      bool is_so = fname.ends_with(".so") || fname.find(".so.") != std::string::npos;
      if (is_so && entry.is_regular_file(ec)) candidates.push_back(entry.path());
    }
    if (ec) impl_->problems.push_back({dir, fmt::format("cannot list folder: {}", ec.message())});
    std::sort(candidates.begin(), candidates.end());
    for (const auto& file : candidates) load_file(file);
  }
}

bool PluginRegistry::load_file(const fs::path& path) {
  std::error_code ec;
  fs::path file = fs::weakly_canonical(path, ec);
  if (ec) file = path;
  if (std::find(impl_->files.begin(), impl_->files.end(), file) != impl_->files.end()) return true;
  auto refuse = [&](std::string why) {
    const bool known = std::any_of(impl_->problems.begin(), impl_->problems.end(),
                                   [&](const PluginProblem& p) { return p.file == file && p.reason == why; });
    if (!known) impl_->problems.push_back({file, std::move(why)});
    return false;
  };
  if (!fs::exists(file, ec)) return refuse("no such file");

  std::string why;
  const PluginManifest* m = open_manifest(file, why);
  if (!m) return refuse(why);
  if (m->abi_version != kSdkAbiVersion)
    return refuse(fmt::format("built for SDK ABI version {}, this host needs version {}; rebuild the "
                              "plugin against this Tessera",
                              m->abi_version, kSdkAbiVersion));
  if (!m->plugin_name || !*m->plugin_name || !m->plugin_version || (m->component_count && !m->components))
    return refuse("its manifest has no plugin name, version or component list");

  // Check every component before registering any: a file is taken whole or not at all.
  for (size_t i = 0; i < m->component_count; ++i) {
    const ComponentDescriptor& d = m->components[i];
    if (!valid_kind(d.kind) || !d.name || !*d.name)
      return refuse(fmt::format("component #{} has an unknown kind or no name", i));
    if (!factory_matches(d))
      return refuse(fmt::format("{} '{}' has no {} factory", to_string(d.kind), d.name, to_string(d.kind)));
    if (const auto* other = impl_->find(d.kind, d.name))
      return refuse(fmt::format("{} '{}' is already provided by {} (plugin {} {})", to_string(d.kind),
                                d.name, other->info.file.string(), other->info.plugin_name,
                                other->info.plugin_version));
    for (size_t k = 0; k < i; ++k)
      if (m->components[k].kind == d.kind && std::string_view(m->components[k].name) == d.name)
        return refuse(fmt::format("{} '{}' is listed twice in its manifest", to_string(d.kind), d.name));
  }
  impl_->files.push_back(file);
  for (size_t i = 0; i < m->component_count; ++i) {
    const ComponentDescriptor& d = m->components[i];
    ComponentInfo info{d.kind, d.name, m->plugin_name, m->plugin_version, file};
    impl_->entries.push_back({info, d});
    impl_->infos.push_back(std::move(info));
  }
  return true;
}

const std::vector<ComponentInfo>& PluginRegistry::components() const { return impl_->infos; }
const std::vector<PluginProblem>& PluginRegistry::problems() const { return impl_->problems; }
const std::vector<fs::path>& PluginRegistry::searched_paths() const { return impl_->searched; }

const ComponentInfo* PluginRegistry::find(ComponentKind kind, std::string_view name) const {
  const auto* e = impl_->find(kind, name);
  return e ? &e->info : nullptr;
}

std::string PluginRegistry::missing_message(ComponentKind kind, std::string_view name) const {
  std::string paths;
  for (const auto& p : impl_->searched) paths += (paths.empty() ? "" : ", ") + p.string();
  if (paths.empty()) paths = "no folders";
  return fmt::format("no {} plugin '{}' is loaded (searched: {})", to_string(kind), name, paths);
}

namespace {
template <class T>
std::unique_ptr<T> checked(T* obj, const ComponentInfo& info) {
  if (!obj)
    throw Error(ErrorCode::kPlugin, fmt::format("{} plugin '{}' ({}) returned no object",
                                                to_string(info.kind), info.name, info.file.string()));
  return std::unique_ptr<T>(obj);
}
}  // namespace

const PluginRegistry::Impl::Entry& PluginRegistry::Impl::require(const PluginRegistry& reg, ComponentKind kind,
                                                                 std::string_view name) const {
  const Entry* e = find(kind, name);
  if (!e) throw Error(ErrorCode::kPlugin, reg.missing_message(kind, name));
  return *e;
}

std::unique_ptr<Format> PluginRegistry::make_format(std::string_view name, const nlohmann::json& o) const {
  const auto& e = impl_->require(*this, ComponentKind::kFormat, name);
  return checked(e.descriptor.make_format(o), e.info);
}
std::unique_ptr<Compressor> PluginRegistry::make_compressor(std::string_view name,
                                                            const nlohmann::json& o) const {
  const auto& e = impl_->require(*this, ComponentKind::kCompressor, name);
  return checked(e.descriptor.make_compressor(o), e.info);
}
std::unique_ptr<Index> PluginRegistry::make_index(std::string_view name, const IndexSpec& spec,
                                                  const nlohmann::json& o) const {
  const auto& e = impl_->require(*this, ComponentKind::kIndex, name);
  return checked(e.descriptor.make_index(spec, o), e.info);
}
std::unique_ptr<EvictionPolicy> PluginRegistry::make_eviction(std::string_view name,
                                                              const nlohmann::json& o) const {
  const auto& e = impl_->require(*this, ComponentKind::kEviction, name);
  return checked(e.descriptor.make_eviction(o), e.info);
}

}  // namespace tessera
