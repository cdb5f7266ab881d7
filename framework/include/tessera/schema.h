// Table schemas: typed columns with constraints.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tessera/value.h"

namespace tessera {

struct Column {
  std::string name{};
  Type type = Type::kText;
  bool nullable = true;
  bool primary_key = false;  // implies NOT NULL and UNIQUE
  bool unique = false;
  std::optional<Value> default_value{};  // used when an insert omits the column
  bool auto_increment = false;          // INTEGER primary key only
  std::optional<uint32_t> max_length{};  // VARCHAR(n): TEXT only, in code points

  // "INTEGER", "VARCHAR(32)", ...
  std::string type_text() const;
};

// Parses "INTEGER", "INT", "REAL", "DOUBLE", "TEXT", "VARCHAR(n)", "BLOB",
// "BOOLEAN", "BOOL", "TIMESTAMP" (case-insensitive) into type + max_length.
// Throws Error(kInvalidArgument) naming the text.
void parse_type_text(std::string_view text, Type& type, std::optional<uint32_t>& max_length);

// An immutable list of columns. Every schema has exactly one primary-key
// column (composite primary keys are not supported; use a UNIQUE B-tree
// index over several columns instead).
class Schema {
 public:
  Schema() = default;
  // Throws Error(kInvalidArgument) naming the column when: a name is empty,
  // repeated or not an identifier; there is not exactly one primary key;
  // auto_increment is set on anything but an INTEGER primary key;
  // max_length is set on a non-TEXT column; a default does not fit its column.
  explicit Schema(std::vector<Column> columns);

  const std::vector<Column>& columns() const { return columns_; }
  size_t size() const { return columns_.size(); }
  const Column& operator[](size_t i) const { return columns_[i]; }

  std::optional<size_t> find(std::string_view name) const;
  // Throws Error(kNotFound) naming the table and column.
  size_t index_of(std::string_view name, std::string_view table = {}) const;
  size_t primary_key() const { return primary_key_; }
  const Column& primary_key_column() const { return columns_[primary_key_]; }

  // Checks one value against column i: type (INTEGER is accepted for REAL
  // and converted), NULL in a NOT NULL column, VARCHAR length, UTF-8.
  // Throws Error(kConstraint) naming table, column and value.
  void check_value(std::string_view table, size_t i, Value& value) const;

  // {"columns": [{"name":..., "type": "VARCHAR(32)", "nullable":..., ...}]}
  nlohmann::json to_json() const;
  static Schema from_json(const nlohmann::json& j);

  friend bool operator==(const Schema& a, const Schema& b);

 private:
  std::vector<Column> columns_;
  size_t primary_key_ = 0;
};

}  // namespace tessera
