// `tessera`: the command line tool. Parses the global options, hands the
// command line to the registered subcommands and turns every failure into
// "tessera: <message>" on stderr with a non-zero exit status:
//   0 success, 1 a failure (or a problem found by a check), 2 bad usage.
#include <exception>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "output.h"
#include "tessera/plugin.h"

namespace {

using namespace tessera::cli;

constexpr int kUsageError = 2;

// The groups of commands; a new group is a new file and one line here.
constexpr void (*kCommandGroups[])(CommandRegistry&) = {
    register_plugin_commands,
    register_table_commands,
    register_doctor_commands,
    register_transfer_commands,
    register_query_commands,
    register_durability_commands,
};

int run(int argc, char** argv) {
  CLI::App app("Inspect Tessera databases and plugins.", "tessera");
  app.set_version_flag("--version", fmt::format("tessera {} (plugin SDK ABI version {})", tessera::version(),
                                                tessera::kSdkAbiVersion));
  GlobalOptions global;
  app.add_option("--config", global.config_file, "JSON configuration file (plugin_paths, tables, ...)")
      ->type_name("FILE");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command name too

  CommandRegistry registry;
  for (auto group : kCommandGroups) group(registry);
  std::vector<std::pair<CLI::App*, Command*>> subcommands;
  for (const auto& command : registry.commands()) {
    CLI::App* sub = app.add_subcommand(command->name(), command->summary());
    command->add_options(*sub);
    subcommands.emplace_back(sub, command.get());
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a misspelt command as "a subcommand is required"; say what was not understood.
    if (app.get_subcommands().empty() && !app.remaining().empty())
      print_error(fmt::format("unknown command '{}'", app.remaining().front()));
    else
      print_error(e.what());
    fmt::print(stderr, "Run 'tessera --help' for usage.\n");
    return kUsageError;
  }

  try {
    Context context(global);
    for (auto& [sub, command] : subcommands)
      if (sub->parsed()) return command->run(context);
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  }
  return kUsageError;  // not reached: parse() requires one subcommand
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // e.g. from closing a database
    print_error(e.what());
    return 1;
  }
}
