#include "tessera/schema.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/error.h"
#include "tessera/text_codec.h"

namespace tessera {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

[[noreturn]] void bad_column(const std::string& column, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("column '{}': {}", column, why));
}

std::string where(std::string_view table, const Column& c) {
  return table.empty() ? fmt::format("column '{}'", c.name)
                       : fmt::format("table '{}', column '{}'", table, c.name);
}

// JSON encoding of a default value, typed by its column.
nlohmann::json default_to_json(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return nullptr;
    case Type::kBoolean: return v.as_bool();
    case Type::kInteger: return v.as_int();
    case Type::kReal: {
      double d = v.as_real();
      if (std::isfinite(d)) return d;
      return text::format_real(d);
    }
    case Type::kText: return v.as_text();
    case Type::kBlob: return text::base64_encode(v.as_blob());
    case Type::kTimestamp: return text::format_timestamp(v.as_timestamp());
  }
  return nullptr;
}

Value default_from_json(const nlohmann::json& j, const Column& c) {
  if (j.is_null()) return Value();
  auto fail = [&]() -> Value {
    bad_column(c.name, fmt::format("default {} is not a {}", j.dump(), c.type_text()));
  };
  switch (c.type) {
    case Type::kBoolean: return j.is_boolean() ? Value(j.get<bool>()) : fail();
    case Type::kInteger: return j.is_number_integer() ? Value(j.get<int64_t>()) : fail();
    case Type::kReal:
      if (j.is_number()) return Value(j.get<double>());
      if (j.is_string()) {
        if (auto d = text::parse_real(j.get<std::string>())) return Value(*d);
      }
      return fail();
    case Type::kText: return j.is_string() ? Value(j.get<std::string>()) : fail();
    case Type::kBlob:
      if (j.is_string()) {
        if (auto b = text::base64_decode(j.get<std::string>())) return Value(std::move(*b));
      }
      return fail();
    case Type::kTimestamp:
      if (j.is_string()) {
        if (auto t = text::parse_timestamp(j.get<std::string>())) return Value(*t);
      }
      return fail();
    case Type::kNull: break;
  }
  return fail();
}

}  // namespace

std::string Column::type_text() const {
  if (type == Type::kText && max_length) return fmt::format("VARCHAR({})", *max_length);
  return type_name(type);
}

void parse_type_text(std::string_view text, Type& type, std::optional<uint32_t>& max_length) {
  std::string t = upper(text);
  max_length.reset();
  if (t == "INTEGER" || t == "INT" || t == "BIGINT") type = Type::kInteger;
  else if (t == "REAL" || t == "DOUBLE" || t == "FLOAT") type = Type::kReal;
  else if (t == "TEXT" || t == "STRING") type = Type::kText;
  else if (t == "BLOB" || t == "BYTES") type = Type::kBlob;
  else if (t == "BOOLEAN" || t == "BOOL") type = Type::kBoolean;
  else if (t == "TIMESTAMP") type = Type::kTimestamp;
  else if (t.starts_with("VARCHAR(") && t.ends_with(")")) {
    auto n = text::parse_integer(std::string_view(t).substr(8, t.size() - 9));
    if (!n || *n <= 0 || *n > 0x7fffffff)
      throw Error(ErrorCode::kInvalidArgument, fmt::format("bad VARCHAR length in type '{}'", text));
    type = Type::kText;
    max_length = static_cast<uint32_t>(*n);
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("unknown column type '{}' (expected INTEGER, REAL, TEXT, VARCHAR(n), "
                            "BLOB, BOOLEAN or TIMESTAMP)",
                            text));
  }
}

Schema::Schema(std::vector<Column> columns) : columns_(std::move(columns)) {
  if (columns_.empty()) throw Error(ErrorCode::kInvalidArgument, "a schema needs at least one column");
  std::optional<size_t> pk;
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    if (!is_identifier(c.name))
      bad_column(c.name, "a column name must be letters, digits or '_', not starting with a digit");
    for (size_t k = 0; k < i; ++k)
      if (columns_[k].name == c.name) bad_column(c.name, "the name is used twice");
    if (c.type == Type::kNull) bad_column(c.name, "NULL is not a column type");
    if (c.primary_key) {
      if (pk) bad_column(c.name, fmt::format("a second primary key (the first is '{}')", columns_[*pk].name));
      pk = i;
      c.nullable = false;
      c.unique = true;
    }
    if (c.auto_increment && !(c.primary_key && c.type == Type::kInteger))
      bad_column(c.name, "auto_increment needs an INTEGER primary key");
    if (c.max_length && c.type != Type::kText) bad_column(c.name, "a length limit needs a TEXT column");
    if (c.default_value) {
      Value v = *c.default_value;
      check_value({}, i, v);
      c.default_value = std::move(v);
    }
  }
  if (!pk) throw Error(ErrorCode::kInvalidArgument, "the schema has no primary key column");
  primary_key_ = *pk;
}

std::optional<size_t> Schema::find(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return i;
  return std::nullopt;
}

size_t Schema::index_of(std::string_view name, std::string_view table) const {
  if (auto i = find(name)) return *i;
  if (table.empty()) throw Error(ErrorCode::kNotFound, fmt::format("no column '{}'", name));
  throw Error(ErrorCode::kNotFound, fmt::format("table '{}' has no column '{}'", table, name));
}

void Schema::check_value(std::string_view table, size_t i, Value& value) const {
  const Column& c = columns_[i];
  if (value.is_null()) {
    if (!c.nullable && !c.auto_increment)
      throw Error(ErrorCode::kConstraint, fmt::format("{}: NULL in a NOT NULL column", where(table, c)));
    return;
  }
  if (value.type() != c.type) {
    if (c.type == Type::kReal && value.type() == Type::kInteger) {
      value = Value(static_cast<double>(value.int_unchecked()));
      return;
    }
    throw Error(ErrorCode::kConstraint,
                fmt::format("{}: value {} is {}, the column is {}", where(table, c), value.to_string(),
                            type_name(value.type()), c.type_text()));
  }
  if (c.type == Type::kText) {
    std::string_view s = value.text_unchecked();
    if (!text::is_valid_utf8(s))
      throw Error(ErrorCode::kConstraint,
                  fmt::format("{}: value {} is not valid UTF-8", where(table, c), value.to_string()));
    if (c.max_length && s.size() > *c.max_length && text::utf8_length(s) > *c.max_length)
      throw Error(ErrorCode::kConstraint,
                  fmt::format("{}: value {} is {} characters long, more than {}", where(table, c),
                              value.to_string(), text::utf8_length(s), c.type_text()));
  }
}

nlohmann::json Schema::to_json() const {
  nlohmann::json cols = nlohmann::json::array();
  for (const Column& c : columns_) {
    nlohmann::json j = {{"name", c.name}, {"type", c.type_text()}, {"nullable", c.nullable}};
    if (c.primary_key) j["primary_key"] = true;
    if (c.unique) j["unique"] = true;
    if (c.auto_increment) j["auto_increment"] = true;
    if (c.default_value) j["default"] = default_to_json(*c.default_value);
    cols.push_back(std::move(j));
  }
  return {{"columns", std::move(cols)}};
}

Schema Schema::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("columns") || !j["columns"].is_array())
    throw Error(ErrorCode::kInvalidArgument, "schema: expected an object with a \"columns\" array");
  std::vector<Column> cols;
  for (const auto& jc : j["columns"]) {
    if (!jc.is_object() || !jc.contains("name") || !jc["name"].is_string() || !jc.contains("type") ||
        !jc["type"].is_string())
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("schema: column {} needs a string \"name\" and \"type\"", jc.dump()));
    Column c;
    c.name = jc["name"].get<std::string>();
    for (auto it = jc.begin(); it != jc.end(); ++it) {
      const std::string& k = it.key();
      if (k != "name" && k != "type" && k != "nullable" && k != "primary_key" && k != "unique" &&
          k != "auto_increment" && k != "default")
        bad_column(c.name, fmt::format("unknown schema key '{}'", k));
      if ((k == "nullable" || k == "primary_key" || k == "unique" || k == "auto_increment") &&
          !it.value().is_boolean())
        bad_column(c.name, fmt::format("schema key '{}' must be true or false", k));
    }
    parse_type_text(jc["type"].get<std::string>(), c.type, c.max_length);
    c.nullable = jc.value("nullable", true);
    c.primary_key = jc.value("primary_key", false);
    c.unique = jc.value("unique", false);
    c.auto_increment = jc.value("auto_increment", false);
    if (jc.contains("default")) c.default_value = default_from_json(jc["default"], c);
    cols.push_back(std::move(c));
  }
  return Schema(std::move(cols));
}

bool operator==(const Schema& a, const Schema& b) { return a.to_json() == b.to_json(); }

}  // namespace tessera
