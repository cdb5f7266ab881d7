// The pieces every `tessera` subcommand is built from.
//
// A command is a class that binds its options into its own members
// (add_options) and then runs. Commands come in groups, one source file per
// group (plugin_commands.cc, table_commands.cc, ...), each exposing one
// register_*_commands() function; main.cc lists those functions. Adding a
// command means writing its class and one registry.add() line; adding a
// group means one new file and one line in main.cc.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tessera/config.h"
#include "tessera/database.h"

namespace tessera::cli {

// Options given to `tessera` itself, before or after the command name.
struct GlobalOptions {
  std::string config_file;  // --config
};

// What a running command may use: the configuration and a way to open
// databases. Built after the command line is parsed.
class Context {
 public:
  explicit Context(const GlobalOptions& options);

  // The --config file's settings, or the defaults.
  const Config& config() const { return config_; }
  // Opens the database in dir. Refuses a folder that holds no database,
  // since Database::open would create one and a read-only command must not.
  std::unique_ptr<Database> open_database(const std::filesystem::path& dir) const;

 private:
  Config config_;
};

// A failure of the command line tool itself (not of the library); printed
// as "tessera: <message>" with exit status 1, like tessera::Error.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Command {
 public:
  virtual ~Command() = default;
  virtual std::string name() const = 0;
  virtual std::string summary() const = 0;
  // Declares the command's options and positionals on its subcommand.
  virtual void add_options(CLI::App& app) = 0;
  // Returns the exit status. Errors are thrown and reported by main.
  virtual int run(const Context& context) = 0;
};

class CommandRegistry {
 public:
  void add(std::unique_ptr<Command> command) { commands_.push_back(std::move(command)); }
  const std::vector<std::unique_ptr<Command>>& commands() const { return commands_; }

 private:
  std::vector<std::unique_ptr<Command>> commands_;
};

// Command groups.
void register_plugin_commands(CommandRegistry& registry);  // plugins
void register_table_commands(CommandRegistry& registry);   // tables, schema
void register_doctor_commands(CommandRegistry& registry);  // doctor
void register_transfer_commands(CommandRegistry& registry);  // import, export, convert
void register_query_commands(CommandRegistry& registry);   // query, explain, index
void register_durability_commands(CommandRegistry& registry);  // verify, backup, restore, recover, checkpoint

}  // namespace tessera::cli
