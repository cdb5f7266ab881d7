// A plugin that names a symbol nothing defines: it has the entry point, so
// the loader gets as far as dlopen, which refuses it. The error must carry
// the dynamic linker's own words (the missing symbol), not a generic code.
#include <tessera/plugin.h>

extern "C" int tessera_test_symbol_that_nobody_defines();

namespace {
const tessera::PluginManifest* manifest() {
  static const int forced = tessera_test_symbol_that_nobody_defines();
  return forced ? nullptr : nullptr;
}
}  // namespace

TESSERA_PLUGIN(manifest)
