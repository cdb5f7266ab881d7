#include <system_error>

#include <fmt/format.h>

#include "command.h"

namespace tessera::cli {

namespace {

Config load_config(const GlobalOptions& options) {
  if (options.config_file.empty()) return Config();
  return Config::from_file(options.config_file);
}

}  // namespace

Context::Context(const GlobalOptions& options) : config_(load_config(options)) {}

std::unique_ptr<Database> Context::open_database(const std::filesystem::path& dir) const {
  // Every database folder holds its catalog, tessera.json.
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw CommandError(fmt::format("{}: no such database folder", dir.string()));
  if (!std::filesystem::exists(dir / "tessera.json", ec))
    throw CommandError(fmt::format("{} is not a Tessera database (it has no tessera.json)", dir.string()));
  return Database::open(dir, config_);
}

}  // namespace tessera::cli
