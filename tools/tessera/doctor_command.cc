// `tessera doctor`: can every table of a database be opened here, and if
// not, which plugin is missing and where was it looked for.
#include <fmt/format.h>

#include "command.h"
#include "output.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

class DoctorCommand final : public Command {
 public:
  std::string name() const override { return "doctor"; }
  std::string summary() const override {
    return "Check that every table's plugins are found; exit 1 when a table is unavailable";
  }

  void add_options(CLI::App& app) override {
    app.add_option("DIR", dir_, "Database folder")->required()->type_name("");
  }

  int run(const Context& context) override {
    auto db = context.open_database(dir_);
    const PluginRegistry& plugins = db->plugins();
    const auto names = db->table_names();
    size_t unavailable = 0;
    for (const auto& name : names) {
      TableStatus status = db->status(name);
      if (!status.available) ++unavailable;
      fmt::print("table {}: {}\n", name, status.available ? "available" : "UNAVAILABLE");
      for (const auto& r : status.plugins)
        fmt::print("  {} {} (plugin {} {}): {}\n", to_string(r.kind), r.name, r.plugin, r.version,
                   found_text(plugins, r));
      if (!status.available) fmt::print("  reason: {}\n", status.error);
    }
    if (names.empty()) fmt::print("no tables\n");

    fmt::print("plugin folders searched:\n");
    for (const auto& dir : plugins.searched_paths()) fmt::print("  {}\n", dir.string());
    if (!plugins.problems().empty()) {
      fmt::print("plugin files refused:\n");
      for (const auto& p : plugins.problems()) fmt::print("  {}: {}\n", p.file.string(), p.reason);
    }

    if (unavailable == 0) {
      fmt::print("ok: {} table(s), all available\n", names.size());
      return 0;
    }
    fmt::print("{} of {} table(s) unavailable\n", unavailable, names.size());
    return 1;
  }

 private:
  static std::string found_text(const PluginRegistry& plugins, const TableStatus::Requirement& r) {
    const ComponentInfo* loaded = plugins.find(r.kind, r.name);
    if (r.found) return fmt::format("found in {}", loaded ? loaded->file.string() : "?");
    if (!loaded) return "NOT FOUND";
    // Loaded, but from another plugin or an incompatible version.
    return fmt::format("NOT USABLE: the loaded one is plugin {} {} ({})", loaded->plugin_name,
                       loaded->plugin_version, loaded->file.string());
  }

  fs::path dir_;
};

}  // namespace

void register_doctor_commands(CommandRegistry& registry) { registry.add(std::make_unique<DoctorCommand>()); }

}  // namespace tessera::cli
