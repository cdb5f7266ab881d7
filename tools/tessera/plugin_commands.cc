// `tessera plugins`: what the loader finds, and what it refuses and why.
#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "output.h"
#include "tessera/plugin_registry.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

class PluginsCommand final : public Command {
 public:
  std::string name() const override { return "plugins"; }
  std::string summary() const override { return "List the plugin components found and the files refused"; }

  void add_options(CLI::App& app) override {
    app.add_flag("--json", json_, "Print one JSON document (components, problems, searched)");
    app.add_option("--plugin-path", plugin_paths_,
                   "Also search this folder, before the configured and default ones (repeatable)")
        ->type_name("DIR");
  }

  int run(const Context& context) override {
    // The same search a database does, with the command line's folders first.
    std::vector<fs::path> extra(plugin_paths_.begin(), plugin_paths_.end());
    const auto& configured = context.config().plugin_paths;
    extra.insert(extra.end(), configured.begin(), configured.end());
    PluginRegistry registry;
    registry.load_directories(PluginRegistry::default_search_path(extra));

    std::vector<const ComponentInfo*> components;
    for (const auto& c : registry.components()) components.push_back(&c);
    std::sort(components.begin(), components.end(), [](const ComponentInfo* a, const ComponentInfo* b) {
      return std::tie(a->kind, a->name) < std::tie(b->kind, b->name);
    });
    if (json_) print_json(registry, components);
    else print_text(registry, components);
    return 0;
  }

 private:
  static void print_text(const PluginRegistry& registry, const std::vector<const ComponentInfo*>& components) {
    TextTable table({"KIND", "NAME", "PLUGIN", "VERSION", "FILE"});
    for (const auto* c : components)
      table.add_row({to_string(c->kind), c->name, c->plugin_name, c->plugin_version, c->file.string()});
    table.print();
    // Problems go to stderr so that stdout stays a clean listing.
    for (const auto& p : registry.problems()) print_error(fmt::format("{}: {}", p.file.string(), p.reason));
    if (components.empty()) {
      std::vector<std::string> searched;
      for (const auto& dir : registry.searched_paths()) searched.push_back(dir.string());
      print_error(fmt::format("no plugins found (searched: {})", join(searched, "no folders")));
    }
  }

  static void print_json(const PluginRegistry& registry, const std::vector<const ComponentInfo*>& components) {
    nlohmann::json doc = {{"components", nlohmann::json::array()},
                          {"problems", nlohmann::json::array()},
                          {"searched", nlohmann::json::array()}};
    for (const auto* c : components)
      doc["components"].push_back({{"kind", to_string(c->kind)},
                                   {"name", c->name},
                                   {"plugin", c->plugin_name},
                                   {"version", c->plugin_version},
                                   {"file", c->file.string()}});
    for (const auto& p : registry.problems())
      doc["problems"].push_back({{"file", p.file.string()}, {"reason", p.reason}});
    for (const auto& dir : registry.searched_paths()) doc["searched"].push_back(dir.string());
    fmt::print("{}\n", doc.dump(2));
  }

  bool json_ = false;
  std::vector<std::string> plugin_paths_;
};

}  // namespace

void register_plugin_commands(CommandRegistry& registry) { registry.add(std::make_unique<PluginsCommand>()); }

}  // namespace tessera::cli
