// Filling an index from a loaded table's rows: at load (indexes are filled
// once every row is in) and by create_index.
#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "table_state.h"

namespace tessera::detail {

namespace {

// A 64-bit image of a number column's value whose unsigned order is the
// values' order: INTEGER with the sign bit flipped, REAL with the sign bit
// flipped when positive and every bit flipped when negative.
uint64_t ordered_bits(const Value& v) {
  if (v.type() == Type::kInteger) return static_cast<uint64_t>(v.int_unchecked()) ^ (uint64_t{1} << 63);
  const auto bits = std::bit_cast<uint64_t>(v.as_real());
  return bits >> 63 ? ~bits : bits | (uint64_t{1} << 63);
}
Value from_ordered_bits(Type type, uint64_t ord) {
  if (type == Type::kInteger) return Value(static_cast<int64_t>(ord ^ (uint64_t{1} << 63)));
  return Value(std::bit_cast<double>(ord >> 63 ? ord & ~(uint64_t{1} << 63) : ~ord));
}

}  // namespace

RowId TableState::fill_index(TableIndex& ix) const {
  IndexKey key;
  if (ix.index->ordered() && ix.cols.size() == 1) {
    // In key order: a B+tree then appends at its right edge, in cache,
    // instead of descending to a random leaf for every row.
    const size_t col = ix.cols[0];
    const Type type = (*schema)[col].type;
    // Images order numbers of the column's own type; NULL and NaN are left
    // to the general path below.
    bool numbers = type == Type::kInteger || type == Type::kReal;
    for (RowId id = 0; numbers && id < rows.slots(); ++id) {
      if (!rows.live(id)) continue;
      const Value& v = rows.cell(id, col);
      numbers = v.type() == type && !(type == Type::kReal && std::isnan(v.as_real()));
    }
    key.resize(1);
    if (numbers) {
      // Sorting 16-byte images is several times cheaper than sorting Values.
      std::vector<std::pair<uint64_t, RowId>> entries;
      entries.reserve(live_rows);
      for (RowId id = 0; id < rows.slots(); ++id)
        if (rows.live(id)) entries.emplace_back(ordered_bits(rows.cell(id, col)), id);
      std::sort(entries.begin(), entries.end());
      for (const auto& [ord, id] : entries) {
        key[0] = from_ordered_bits(type, ord);
        if (!ix.index->insert(key, id)) return id;
      }
      return PkMap::kNone;
    }
    std::vector<std::pair<Value, RowId>> entries;
    entries.reserve(live_rows);
    for (RowId id = 0; id < rows.slots(); ++id)
      if (rows.live(id)) entries.emplace_back(rows.cell(id, col), id);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      const auto c = compare(a.first, b.first);
      return c != 0 ? c < 0 : a.second < b.second;
    });
    for (auto& [value, id] : entries) {
      key[0] = std::move(value);
      if (!ix.index->insert(key, id)) return id;
    }
    return PkMap::kNone;
  }
  for (RowId id = 0; id < rows.slots(); ++id) {
    if (!rows.live(id)) continue;
    ix.key_of(rows.row(id), key);
    if (!ix.index->insert(key, id)) return id;
  }
  return PkMap::kNone;
}

std::string TableState::describe_refusal(const TableIndex& ix, RowId id) const {
  IndexKey key = ix.key_of(rows.row(id));
  std::vector<RowId> holders;
  ix.index->find(key, holders);
  std::erase(holders, id);
  std::string shown;
  for (const auto& v : key) shown += (shown.empty() ? "" : ", ") + v.to_string();
  return fmt::format("({}) is held by the rows with keys {} and {}", shown,
                     rows.cell(id, schema->primary_key()).to_string(),
                     holders.empty() ? "?" : rows.cell(holders.front(), schema->primary_key()).to_string());
}

}  // namespace tessera::detail
