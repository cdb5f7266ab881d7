// The row matrix: rows keep their values through growth, freed slots are
// reused and read as free, and a freed row releases its values.
#include <catch2/catch.hpp>

#include <string>

#include "row_store.h"

using namespace tessera;
using tessera::detail::RowStore;

namespace {
Record row_for(int64_t i) {
  // Long text lives on the heap: growth must move it, not copy or lose it.
  return Record{Value(i), Value("name" + std::to_string(i)), Value(std::string(40, 'a' + i % 26) + std::to_string(i))};
}
}  // namespace

TEST_CASE("the row store keeps rows by id through growth, frees and reuse") {
  RowStore rows;
  rows.set_layout(3, 0);
  for (int64_t i = 0; i < 5000; ++i) REQUIRE(rows.add(row_for(i)) == static_cast<RowId>(i));
  for (RowId id : {RowId{7}, RowId{4999}, RowId{0}}) rows.free(id);
  CHECK(rows.slots() == 5000);
  CHECK(rows.live_rows() == 4997);
  CHECK(!rows.live(7));
  CHECK(rows.cell(7, 2).is_null());  // its values are released
  // Freed slots are reused, most recently freed first.
  CHECK(rows.add(row_for(10000)) == 0);
  CHECK(rows.add(row_for(10001)) == 4999);
  CHECK(rows.add(row_for(10002)) == 7);
  CHECK(rows.add(row_for(10003)) == 5000);  // then the store grows
  for (RowId id = 0; id < rows.slots(); ++id) {
    CAPTURE(id);
    REQUIRE(rows.live(id));
    const int64_t key = rows.cell(id, 0).as_int();
    const Record want = row_for(key);
    RecordView got = rows.row(id);
    REQUIRE(got.size() == 3);
    REQUIRE(Record(got.begin(), got.end()) == want);
  }
  rows.set(3, row_for(-3));  // replacing in place
  CHECK(rows.cell(3, 0).as_int() == -3);
  rows.clear();
  CHECK(rows.slots() == 0);
}
