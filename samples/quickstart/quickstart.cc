// Embedding Tessera: open a database, create a typed table, write, scan,
// save, reopen, and show which plugins stored it.
//
//   quickstart [DIR]    (default: ./quickstart-db)
#include <cstdio>
#include <iostream>

#include <tessera/tessera.h>

using tessera::Column;
using tessera::Type;

int main(int argc, char** argv) try {
  std::filesystem::path dir = argc > 1 ? argv[1] : "quickstart-db";
  auto config = tessera::Config::from_string(R"({
    "defaults": {"format": "jsonl"},
    "tables": {"people": {"format": "jsonl", "max_rows_per_file": 1000}}
  })");

  {
    auto db = tessera::Database::open(dir, config);
    std::cout << "Tessera " << tessera::version() << ", database " << dir << "\n";
    if (db->table_exists("people")) db->drop_table("people");

    tessera::Schema schema({
        {.name = "id", .type = Type::kInteger, .primary_key = true, .auto_increment = true},
        {.name = "name", .type = Type::kText, .nullable = false, .max_length = 40},
        {.name = "email", .type = Type::kText, .unique = true},
        {.name = "age", .type = Type::kInteger},
        {.name = "joined", .type = Type::kTimestamp},
    });
    auto people = db->create_table("people", schema);

    people.insert({{"name", "Ada"}, {"email", "ada@example.com"}, {"age", 36},
                   {"joined", tessera::Timestamp{1700000000000000}}});
    people.insert({{"name", "Grace"}, {"email", "grace@example.com"}, {"age", 45}});
    auto linus = people.insert({{"name", "Linus"}, {"age", 28}});
    people.update(linus, {{"email", "linus@example.com"}});

    // Several changes that commit together.
    auto txn = db->begin();
    txn.insert("people", {{"name", "Barbara"}, {"email", "barbara@example.com"}, {"age", 52}});
    txn.erase("people", tessera::Value(2));
    txn.commit();

    // Constraint violations are refused and change nothing.
    try {
      people.insert({{"name", "Impostor"}, {"email", "ada@example.com"}});
    } catch (const tessera::Error& e) {
      std::cout << "refused as expected: " << e.what() << "\n";
    }
    db->save();
  }

  // Reopen: the table is loaded from its files on first access.
  auto db = tessera::Database::open(dir, config);
  auto people = db->table("people");
  std::cout << "\n" << people.size() << " rows in 'people' after reopening:\n";
  for (const tessera::Row& row : people.scan())
    std::cout << "  " << row["id"].to_string() << "  " << row["name"].to_string() << "  "
              << row["email"].to_string() << "  age " << row["age"].to_string() << "  joined "
              << row["joined"].to_string() << "\n";

  auto status = db->status("people");
  std::cout << "\nstored by:";
  for (const auto& p : status.plugins)
    std::cout << " " << tessera::to_string(p.kind) << " '" << p.name << "' (" << p.plugin << " " << p.version
              << ")";
  std::cout << "\nplugins loaded from shared libraries:\n";
  for (const auto& c : db->plugins().components())
    std::cout << "  " << tessera::to_string(c.kind) << " " << c.name << "  " << c.plugin_name << " "
              << c.plugin_version << "  " << c.file.filename().string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "quickstart: %s\n", e.what());
  return 1;
}
