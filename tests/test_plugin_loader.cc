// The plugin loader, through the real PluginRegistry and the test plugins
// built by tests/plugins (one folder per case under TESSERA_TEST_PLUGIN_DIR).
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tessera/error.h"
#include "tessera/plugin_registry.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using tessera::ComponentKind;
using tessera::PluginRegistry;
using Catch::Matchers::Contains;

fs::path case_dir(const std::string& name) { return fs::path(TESSERA_TEST_PLUGIN_DIR) / name; }
// The library of one test case, spelled as the loader reports it.
fs::path case_file(const std::string& name) {
  return fs::weakly_canonical(case_dir(name) / ("libtest_plugin_" + name + ".so"));
}

class StringSink final : public tessera::ByteSink {
 public:
  void write(const void* data, size_t size) override { bytes.append(static_cast<const char*>(data), size); }
  std::string bytes;
};

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The single problem recorded for file; fails the test when there is not exactly one.
const tessera::PluginProblem& only_problem(const PluginRegistry& reg, const fs::path& file) {
  const tessera::PluginProblem* found = nullptr;
  int count = 0;
  for (const auto& p : reg.problems())
    if (p.file == file) found = &p, ++count;
  INFO("problems recorded for " << file);
  REQUIRE(count == 1);
  return *found;
}

}  // namespace

TEST_CASE("a well-formed plugin loads and its components are listed and usable", "[plugins]") {
  PluginRegistry reg;
  const fs::path file = case_file("good");
  REQUIRE(reg.load_file(file));
  CHECK(reg.problems().empty());
  REQUIRE(reg.components().size() == 2);

  const tessera::ComponentInfo* nop = reg.find(ComponentKind::kCompressor, "test_nop");
  REQUIRE(nop != nullptr);
  CHECK(nop->kind == ComponentKind::kCompressor);
  CHECK(nop->name == "test_nop");
  CHECK(nop->plugin_name == "test-good");
  CHECK(nop->plugin_version == "1.2.3");
  CHECK(nop->file == file);
  const tessera::ComponentInfo* lines = reg.find(ComponentKind::kFormat, "test_lines");
  REQUIRE(lines != nullptr);
  CHECK(lines->plugin_name == "test-good");
  CHECK(lines->file == file);
  // Kinds are separate name spaces.
  CHECK(reg.find(ComponentKind::kFormat, "test_nop") == nullptr);

  auto compressor = reg.make_compressor("test_nop", nlohmann::json::object());
  CHECK(std::string(compressor->name()) == "test_nop");
  const std::vector<uint8_t> input = {1, 2, 3, 0, 255};
  std::vector<uint8_t> frame, output;
  compressor->compress(input, frame);
  compressor->decompress(frame, output, 1024, "frame");
  CHECK(output == input);

  auto format = reg.make_format("test_lines", nlohmann::json::object());
  tessera::Schema schema({{.name = "id", .type = tessera::Type::kInteger, .primary_key = true},
                          {.name = "name", .type = tessera::Type::kText}});
  StringSink sink;
  auto writer = format->new_writer(schema, sink);
  writer->write(tessera::Record{tessera::Value(7), tessera::Value("seven")});
  writer->finish();
  tessera::MemorySource source(sink.bytes.data(), sink.bytes.size());
  auto reader = format->new_reader(schema, source, "memory");
  tessera::Record record;
  REQUIRE(reader->next(record));
  CHECK(record == tessera::Record{tessera::Value(7), tessera::Value("seven")});
  CHECK_FALSE(reader->next(record));
}

TEST_CASE("objects made by a plugin outlive the registry that loaded it", "[plugins]") {
  std::unique_ptr<tessera::Compressor> compressor;
  {
    PluginRegistry reg;
    REQUIRE(reg.load_file(case_file("good")));
    compressor = reg.make_compressor("test_nop", nlohmann::json::object());
  }
  // The library stays loaded: calling into it is still valid.
  CHECK(std::string(compressor->name()) == "test_nop");
  CHECK(compressor->file_extension() == "nop");
}

TEST_CASE("a plugin built for another SDK ABI version is refused whole", "[plugins]") {
  PluginRegistry reg;
  const fs::path file = case_file("bad_abi");
  CHECK_FALSE(reg.load_file(file));
  const auto& problem = only_problem(reg, file);
  CHECK_THAT(problem.reason, Contains(fmt::format("built for SDK ABI version {}", tessera::kSdkAbiVersion + 1)));
  CHECK_THAT(problem.reason, Contains(fmt::format("this host needs version {}", tessera::kSdkAbiVersion)));
  CHECK(reg.components().empty());
  CHECK(reg.find(ComponentKind::kCompressor, "test_abi_nop") == nullptr);
}

TEST_CASE("a shared library without the entry point is refused", "[plugins]") {
  PluginRegistry reg;
  const fs::path file = fs::weakly_canonical(case_dir("no_entry") / "libtest_plugin_no_entry.so");
  REQUIRE(fs::exists(file));
  CHECK_FALSE(reg.load_file(file));
  CHECK_THAT(only_problem(reg, file).reason,
             Contains("no tessera_plugin_manifest entry point (not a Tessera plugin)"));
  CHECK(reg.components().empty());
}

TEST_CASE("a folder searched twice reports its refused files once", "[plugins]") {
  PluginRegistry reg;
  reg.load_directories({case_dir("bad_abi"), case_dir("bad_abi")});
  reg.load_directories({case_dir("bad_abi")});
  CHECK(reg.problems().size() == 1);
  CHECK(reg.searched_paths().size() == 1);
  CHECK_FALSE(reg.load_file(case_file("bad_abi")));  // asked for directly: still one report
  CHECK(reg.problems().size() == 1);
}

TEST_CASE("a plugin the dynamic linker refuses is reported in the linker's words", "[plugins]") {
  PluginRegistry reg;
  const fs::path file = fs::weakly_canonical(case_dir("undefined_symbol") / "libtest_plugin_undefined_symbol.so");
  REQUIRE(fs::exists(file));
  CHECK_FALSE(reg.load_file(file));
  const std::string reason = only_problem(reg, file).reason;
  CHECK_THAT(reason, Contains("cannot be loaded") && Contains("tessera_test_symbol_that_nobody_defines"));
  CHECK(reg.components().empty());
}

TEST_CASE("a file of garbage named .so is refused and the folder's other plugins load", "[plugins]") {
  tessera::test::TempDir tmp;
  tessera::test::write_file(tmp / "x.so", "this is not an ELF file, just text\n");
  fs::copy_file(case_file("good"), tmp / "libgood.so");

  PluginRegistry reg;
  reg.load_directories({tmp.path()});
  const fs::path garbage = fs::weakly_canonical(tmp / "x.so");
  CHECK_THAT(only_problem(reg, garbage).reason, Contains("not a loadable shared library"));
  REQUIRE(reg.problems().size() == 1);
  const auto* nop = reg.find(ComponentKind::kCompressor, "test_nop");
  REQUIRE(nop != nullptr);
  CHECK(nop->file == fs::weakly_canonical(tmp / "libgood.so"));
}

TEST_CASE("a second library offering a loaded component is refused, naming the first", "[plugins]") {
  PluginRegistry reg;
  const fs::path first = case_file("good");
  const fs::path second = case_file("duplicate");
  REQUIRE(reg.load_file(first));
  CHECK_FALSE(reg.load_file(second));
  CHECK_THAT(only_problem(reg, second).reason,
             Contains(fmt::format("compressor 'test_nop' is already provided by {} (plugin test-good 1.2.3)",
                                  first.string())));
  // The first one is untouched and still works.
  CHECK(reg.components().size() == 2);
  const auto* nop = reg.find(ComponentKind::kCompressor, "test_nop");
  REQUIRE(nop != nullptr);
  CHECK(nop->plugin_name == "test-good");
  CHECK(nop->file == first);
  CHECK(std::string(reg.make_compressor("test_nop", nlohmann::json::object())->name()) == "test_nop");
}

TEST_CASE("a plugin with one duplicate component among several is refused whole", "[plugins]") {
  PluginRegistry reg;
  const fs::path first = case_file("good");
  const fs::path partial = case_file("partial_duplicate");
  REQUIRE(reg.load_file(first));
  CHECK_FALSE(reg.load_file(partial));
  CHECK_THAT(only_problem(reg, partial).reason,
             Contains(fmt::format("format 'test_lines' is already provided by {}", first.string())));
  // Its other, new component was not registered either.
  CHECK(reg.find(ComponentKind::kCompressor, "test_fresh") == nullptr);
  CHECK(reg.components().size() == 2);
  CHECK_THROWS_AS(reg.make_compressor("test_fresh", nlohmann::json::object()), tessera::Error);
}

TEST_CASE("a missing plugin folder is a problem and the other folders still load", "[plugins]") {
  tessera::test::TempDir tmp;
  const fs::path missing = tmp / "no-such-folder";
  PluginRegistry reg;
  reg.load_directories({missing, case_dir("good")});
  REQUIRE(reg.problems().size() == 1);
  CHECK(reg.problems()[0].file == missing);
  CHECK(reg.problems()[0].reason == "plugin folder does not exist");
  CHECK(reg.find(ComponentKind::kFormat, "test_lines") != nullptr);
  REQUIRE(reg.searched_paths().size() == 2);
  CHECK(reg.searched_paths()[0] == missing);
  CHECK(reg.searched_paths()[1] == case_dir("good"));
}

TEST_CASE("loading the same file twice is a no-op", "[plugins]") {
  PluginRegistry reg;
  const fs::path file = case_file("good");
  REQUIRE(reg.load_file(file));
  CHECK(reg.load_file(file));
  // Another spelling of the same path, and the folder holding it.
  CHECK(reg.load_file(case_dir("good") / "." / file.filename()));
  reg.load_directories({case_dir("good")});
  CHECK(reg.components().size() == 2);
  CHECK(reg.problems().empty());
}

TEST_CASE("TESSERA_PLUGIN_PATH folders are searched after the configured ones", "[plugins]") {
  tessera::test::TempDir tmp;
  const fs::path configured = case_dir("good");
  const fs::path missing = tmp / "missing";
  ScopedEnv env("TESSERA_PLUGIN_PATH", missing.string() + "::" + case_dir("env").string());

  auto dirs = PluginRegistry::default_search_path({configured});
  REQUIRE(dirs.size() == 4);
  CHECK(dirs[0] == configured);
  CHECK(dirs[1] == missing);
  CHECK(dirs[2] == case_dir("env"));
  CHECK(dirs[3] == fs::path(TESSERA_BUILD_PLUGIN_DIR));  // the build tree's default folder

  PluginRegistry reg;
  reg.load_directories(dirs);
  const auto* env_nop = reg.find(ComponentKind::kCompressor, "test_env_nop");
  REQUIRE(env_nop != nullptr);
  CHECK(env_nop->plugin_name == "test-env");
  CHECK(env_nop->file == case_file("env"));
  CHECK(reg.find(ComponentKind::kFormat, "test_lines") != nullptr);
  CHECK(reg.find(ComponentKind::kFormat, "jsonl") != nullptr);  // from the default folder
  CHECK(only_problem(reg, missing).reason == "plugin folder does not exist");
}

TEST_CASE("asking for a component that is not loaded names it and the folders searched", "[plugins]") {
  PluginRegistry reg;
  reg.load_directories({case_dir("good")});
  const std::string expected =
      fmt::format("no compressor plugin 'zzz' is loaded (searched: {})", case_dir("good").string());
  CHECK(reg.missing_message(ComponentKind::kCompressor, "zzz") == expected);
  try {
    reg.make_compressor("zzz", nlohmann::json::object());
    FAIL("make_compressor did not throw");
  } catch (const tessera::Error& e) {
    CHECK(e.code() == tessera::ErrorCode::kPlugin);
    CHECK(std::string(e.what()) == expected);
  }
}
