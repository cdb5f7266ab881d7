// A transaction's staged rows and UNIQUE claims checked against a plain
// model: random inserts, updates (of the unique column and of the primary
// key) and deletes over a small key and value space, so that values are
// taken, released, swapped and reused many times within one transaction.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <random>
#include <string>

#include <tessera/tessera.h>

#include "test_util.h"

using namespace tessera;
using tessera::test::TempDir;

namespace {

using Model = std::map<int64_t, std::optional<std::string>>;  // id -> email (nullopt: NULL)

Value email_value(const std::optional<std::string>& e) { return e ? Value(*e) : Value(); }

bool email_taken(const Model& m, const std::optional<std::string>& e, int64_t except_id) {
  if (!e) return false;  // NULLs never conflict
  for (const auto& [id, other] : m)
    if (id != except_id && other == e) return true;
  return false;
}

Model read_table(const Table& t) {
  Model m;
  t.for_each([&](RecordView r) { m[r[0].as_int()] = r[1].is_null() ? std::nullopt : std::optional(std::string(r[1].as_text())); });
  return m;
}

}  // namespace

TEST_CASE("a transaction's unique claims follow a model through swaps, deletes and key changes") {
  Schema schema({{.name = "id", .type = Type::kInteger, .primary_key = true},
                 {.name = "email", .type = Type::kText, .unique = true}});
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    INFO("seed " << seed);
    TempDir dir;
    auto db = Database::open(dir.path());
    auto table = db->create_table("people", schema);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto random_email = [&]() -> std::optional<std::string> {
      if (pick(8) == 0) return std::nullopt;
      return "e" + std::to_string(pick(24));
    };
    Model committed;
    for (int round = 0; round < 12; ++round) {
      Model model = committed;
      auto txn = db->begin();
      for (int op = 0; op < 300; ++op) {
        const int64_t id = 1 + pick(40);
        const bool exists = model.count(id) > 0;
        switch (pick(4)) {
          case 0: {  // insert
            auto e = random_email();
            const bool ok = !exists && !email_taken(model, e, id);
            if (ok) {
              CHECK(txn.insert("people", {{"id", Value(id)}, {"email", email_value(e)}}) == Value(id));
              model[id] = e;
            } else {
              CHECK_THROWS_AS(txn.insert("people", {{"id", Value(id)}, {"email", email_value(e)}}), Error);
            }
            break;
          }
          case 1: {  // new email
            auto e = random_email();
            if (!exists) {
              CHECK_FALSE(txn.update("people", Value(id), {{"email", email_value(e)}}));
            } else if (email_taken(model, e, id)) {
              CHECK_THROWS_AS(txn.update("people", Value(id), {{"email", email_value(e)}}), Error);
            } else {
              CHECK(txn.update("people", Value(id), {{"email", email_value(e)}}));
              model[id] = e;
            }
            break;
          }
          case 2: {  // new primary key: the row moves, keeping its email
            const int64_t to = 1 + pick(40);
            if (!exists) {
              CHECK_FALSE(txn.update("people", Value(id), {{"id", Value(to)}}));
            } else if (to != id && model.count(to)) {
              CHECK_THROWS_AS(txn.update("people", Value(id), {{"id", Value(to)}}), Error);
            } else {
              CHECK(txn.update("people", Value(id), {{"id", Value(to)}}));
              auto e = model[id];
              model.erase(id);
              model[to] = e;
            }
            break;
          }
          default:  // delete
            CHECK(txn.erase("people", Value(id)) == exists);
            model.erase(id);
        }
      }
      for (int64_t id = 1; id <= 40; ++id) {
        auto row = txn.get("people", Value(id));
        REQUIRE(row.has_value() == (model.count(id) > 0));
        if (row) CHECK((*row)["email"] == email_value(model[id]));
      }
      if (pick(4) == 0) {
        txn.rollback();
      } else {
        txn.commit();
        committed = model;
      }
      REQUIRE(read_table(table) == committed);
    }
  }
}
