// The `tessera` command line tool, run as a separate process on databases
// made by the test.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/database.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace tessera;
using Catch::Matchers::Contains;
using nlohmann::json;

const fs::path kExtraDir = fs::path(TESSERA_TEST_PLUGIN_DIR) / "extra_format";

std::string quote(const std::string& s) { return "'" + s + "'"; }

struct Result {
  int status;
  std::string output;
};

// Runs `tessera <args>`; output holds stdout and stderr together.
Result cli(const std::string& args) {
  Result r;
  r.status = test::run_command(fmt::format("{} {}", quote(TESSERA_CLI_PATH), args), r.output);
  INFO("tessera " << args << "\n" << r.output);
  return r;
}

// Runs `tessera <args>` and parses its stdout alone as JSON.
json cli_json(const std::string& args) {
  std::string out;
  int status = test::run_command(fmt::format("({} {} 2>/dev/null)", quote(TESSERA_CLI_PATH), args), out);
  INFO("tessera " << args << "\n" << out);
  REQUIRE(status == 0);
  return json::parse(out);
}

Schema people_schema() {
  return Schema({{.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
                 {.name = "name", .type = Type::kText, .nullable = false, .max_length = 32},
                 {.name = "email", .type = Type::kText, .unique = true},
                 {.name = "active", .type = Type::kBoolean, .default_value = Value(true)}});
}

TableConfig stored_as(const std::string& format) {
  TableConfig t;
  t.format = format;
  return t;
}

// A database with "people" (jsonl, two rows).
void make_people_db(const fs::path& dir) {
  auto db = Database::open(dir);
  auto people = db->create_table("people", people_schema(), stored_as("jsonl"));
  people.insert({{"name", "Ann"}, {"email", "ann@example.com"}});
  people.insert({{"name", "Bob"}});
}

// A database with "kept" stored by the test-extra plugin and "plain" (jsonl).
void make_extra_db(const fs::path& dir) {
  Config config;
  config.plugin_paths = {kExtraDir};
  auto db = Database::open(dir, config);
  db->create_table("kept", people_schema(), stored_as("extra_lines")).insert({{"name", "Ann"}});
  db->create_table("plain", people_schema(), stored_as("jsonl")).insert({{"name", "Bob"}});
}

}  // namespace

TEST_CASE("tessera --version prints the library version", "[cli]") {
  auto r = cli("--version");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains(fmt::format("tessera {}", tessera::version())));
  CHECK_THAT(r.output, Contains(fmt::format("ABI version {}", kSdkAbiVersion)));
}

TEST_CASE("tessera without a known command is a usage error", "[cli]") {
  auto none = cli("");
  CHECK(none.status == 2);
  CHECK_THAT(none.output, Contains("tessera: "));
  auto unknown = cli("frobnicate");
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.output, Contains("tessera: unknown command 'frobnicate'"));
  auto missing_arg = cli("schema");
  CHECK(missing_arg.status == 2);
  CHECK_THAT(missing_arg.output, Contains("DIR"));
}

TEST_CASE("tessera plugins lists the default folder's components", "[cli]") {
  auto r = cli("plugins");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("KIND"));
  CHECK_THAT(r.output, Contains("tessera-jsonl"));
  CHECK_THAT(r.output, Contains(fs::path(TESSERA_BUILD_PLUGIN_DIR).string()));

  json doc = cli_json("plugins --json");
  REQUIRE(doc["components"].is_array());
  REQUIRE(doc["problems"].is_array());
  bool found = false;
  for (const auto& c : doc["components"]) {
    if (c["kind"] == "format" && c["name"] == "jsonl") {
      found = true;
      CHECK(c["plugin"] == "tessera-jsonl");
      CHECK_FALSE(c["version"].get<std::string>().empty());
      CHECK_THAT(c["file"].get<std::string>(), Contains("libtessera_format_jsonl.so"));
    }
  }
  CHECK(found);
  CHECK(doc["searched"].back() == TESSERA_BUILD_PLUGIN_DIR);
}

TEST_CASE("tessera plugins searches --plugin-path folders and reports refused files", "[cli]") {
  const fs::path good = fs::path(TESSERA_TEST_PLUGIN_DIR) / "good";
  const fs::path bad = fs::path(TESSERA_TEST_PLUGIN_DIR) / "bad_abi";
  const std::string args =
      fmt::format("plugins --plugin-path {} --plugin-path {}", quote(good.string()), quote(bad.string()));

  json doc = cli_json(args + " --json");
  bool nop = false;
  for (const auto& c : doc["components"])
    nop = nop || (c["kind"] == "compressor" && c["name"] == "test_nop" && c["plugin"] == "test-good" &&
                  c["version"] == "1.2.3");
  CHECK(nop);
  bool refused = false;
  for (const auto& p : doc["problems"])
    refused = refused || (p["file"].get<std::string>().ends_with("libtest_plugin_bad_abi.so") &&
                          p["reason"].get<std::string>().find("ABI version") != std::string::npos);
  CHECK(refused);
  CHECK(doc["searched"][0] == good.string());

  // In text form the refusal goes to stderr, prefixed like every message.
  std::string err;
  CHECK(test::run_command(fmt::format("({} {} 2>&1 >/dev/null)", quote(TESSERA_CLI_PATH), args), err) == 0);
  CHECK_THAT(err, Contains("tessera: "));
  CHECK_THAT(err, Contains("libtest_plugin_bad_abi.so: built for SDK ABI version"));
}

TEST_CASE("tessera tables, schema and doctor describe a database", "[cli]") {
  test::TempDir tmp;
  const std::string dir = quote((tmp / "db").string());
  make_people_db(tmp / "db");

  auto tables = cli("tables " + dir);
  CHECK(tables.status == 0);
  CHECK_THAT(tables.output, Contains("NAME"));
  CHECK_THAT(tables.output, Contains("people  2     jsonl   none        available"));

  auto schema = cli("schema " + dir + " people");
  CHECK(schema.status == 0);
  CHECK_THAT(schema.output, Contains("PRIMARY KEY AUTO_INCREMENT"));
  CHECK_THAT(schema.output, Contains("VARCHAR(32)"));
  CHECK_THAT(schema.output, Contains("NOT NULL"));
  CHECK_THAT(schema.output, Contains("UNIQUE"));
  CHECK_THAT(schema.output, Contains("DEFAULT true"));

  json doc = cli_json("schema " + dir + " people --json");
  CHECK(doc["table"] == "people");
  REQUIRE(doc["columns"].size() == 4);
  CHECK(doc["columns"][1]["name"] == "name");
  CHECK(doc["columns"][1]["type"] == "VARCHAR(32)");
  // What the CLI prints is what the library reads back.
  CHECK(Schema::from_json(doc) == people_schema());

  auto doctor = cli("doctor " + dir);
  CHECK(doctor.status == 0);
  CHECK_THAT(doctor.output, Contains("table people: available"));
  CHECK_THAT(doctor.output, Contains("format jsonl (plugin tessera-jsonl"));
  CHECK_THAT(doctor.output, Contains("found in "));
  CHECK_THAT(doctor.output, Contains("ok: 1 table(s), all available"));
}

TEST_CASE("tessera doctor fails on a table whose plugin is missing, naming it", "[cli]") {
  test::TempDir tmp;
  const std::string dir = quote((tmp / "db").string());
  make_extra_db(tmp / "db");

  auto doctor = cli("doctor " + dir);
  CHECK(doctor.status == 1);
  CHECK_THAT(doctor.output, Contains("table kept: UNAVAILABLE"));
  CHECK_THAT(doctor.output, Contains("format extra_lines (plugin test-extra 3.1.0): NOT FOUND"));
  CHECK_THAT(doctor.output, Contains("reason: it needs format plugin 'extra_lines'"));
  CHECK_THAT(doctor.output, Contains("table plain: available"));
  CHECK_THAT(doctor.output, Contains("1 of 2 table(s) unavailable"));

  auto tables = cli("tables " + dir);
  CHECK(tables.status == 0);
  CHECK_THAT(tables.output, Contains("kept   -     extra_lines  none        unavailable: it needs format plugin"));
  CHECK_THAT(tables.output, Contains("plain  1     jsonl        none        available"));

  auto schema = cli("schema " + dir + " kept");
  CHECK(schema.status == 1);
  CHECK_THAT(schema.output, Contains("tessera: table 'kept' is unavailable"));

  // With the plugin's folder in a --config file (before or after the command) all is well.
  test::write_file(tmp / "config.json", json{{"plugin_paths", {kExtraDir.string()}}}.dump());
  const std::string config = quote((tmp / "config.json").string());
  auto healed = cli("--config " + config + " doctor " + dir);
  CHECK(healed.status == 0);
  CHECK_THAT(healed.output, Contains("table kept: available"));
  CHECK(cli("doctor " + dir + " --config " + config).status == 0);
}

TEST_CASE("tessera reports unknown tables, folders and databases in use", "[cli]") {
  test::TempDir tmp;
  const fs::path db_dir = tmp / "db";
  make_people_db(db_dir);

  auto unknown = cli("schema " + quote(db_dir.string()) + " nosuch");
  CHECK(unknown.status == 1);
  CHECK_THAT(unknown.output, Contains("tessera: no table 'nosuch'"));

  auto no_folder = cli("tables " + quote((tmp / "absent").string()));
  CHECK(no_folder.status == 1);
  CHECK_THAT(no_folder.output, Contains("absent: no such database folder"));
  CHECK_FALSE(fs::exists(tmp / "absent"));  // not created by a read-only command

  fs::create_directory(tmp / "plain");
  auto not_db = cli("doctor " + quote((tmp / "plain").string()));
  CHECK(not_db.status == 1);
  CHECK_THAT(not_db.output, Contains("is not a Tessera database"));
  CHECK(fs::is_empty(tmp / "plain"));

  auto bad_config = cli("--config " + quote((tmp / "none.json").string()) + " tables " + quote(db_dir.string()));
  CHECK(bad_config.status == 1);
  CHECK_THAT(bad_config.output, Contains("none.json"));

  // The database is locked while this process has it open.
  auto db = Database::open(db_dir);
  auto busy = cli("tables " + quote(db_dir.string()));
  CHECK(busy.status == 1);
  CHECK_THAT(busy.output, Contains("is already open"));
}
