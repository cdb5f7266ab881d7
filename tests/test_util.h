// Helpers shared by the tests.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <tessera/error.h>
#include <tessera/plugin_registry.h>
#include <tessera/schema.h>

namespace tessera::test {

// One column of every type; id is the primary key.
inline Schema every_type_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                 {.name = "b", .type = Type::kBoolean},
                 {.name = "i", .type = Type::kInteger},
                 {.name = "r", .type = Type::kReal},
                 {.name = "t", .type = Type::kText},
                 {.name = "bl", .type = Type::kBlob},
                 {.name = "ts", .type = Type::kTimestamp}});
}

// Every plugin of the build tree, loaded once like any host would.
inline const PluginRegistry& build_plugins() {
  static PluginRegistry* registry = [] {
    auto* r = new PluginRegistry;
    r->load_directories(PluginRegistry::default_search_path());
    return r;
  }();
  return *registry;
}

// The code of the Error that f throws (and its message into *message);
// fails the test when f throws nothing.
template <class F>
ErrorCode error_code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  FAIL("no error was thrown");
  return ErrorCode::kInvalidArgument;
}

// A fresh folder under the system temp dir, removed when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& bytes);

// The entries of a table's folder (<db>/tables/<name>) that its table.json
// does not list as data files, sorted; every entry when it has no table.json.
std::vector<std::string> unlisted_table_files(const std::filesystem::path& table_dir);

// Runs a shell command; returns its exit status and fills output with
// stdout and stderr combined.
int run_command(const std::string& command, std::string& output);

// Debian's Python, which has the msgpack, lz4 and pandas modules.
constexpr const char* kPython = "/usr/bin/python3";

}  // namespace tessera::test
