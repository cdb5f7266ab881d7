#include "tessera/row.h"

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera {

const Value& Row::operator[](std::string_view column) const {
  if (!schema_) throw Error(ErrorCode::kNotFound, fmt::format("empty row has no column '{}'", column));
  return values_[schema_->index_of(column)];
}

CursorSource::~CursorSource() = default;

Cursor::Cursor(std::shared_ptr<const Schema> schema, std::unique_ptr<CursorSource> source)
    : schema_(std::move(schema)), source_(std::move(source)) {}
Cursor::Cursor(Cursor&&) noexcept = default;
Cursor& Cursor::operator=(Cursor&&) noexcept = default;
Cursor::~Cursor() = default;

std::optional<Row> Cursor::next() {
  Record r;
  if (!source_->next(r)) return std::nullopt;
  return Row(schema_, std::move(r));
}

Cursor::iterator& Cursor::iterator::operator++() {
  if (!cursor_) return *this;
  Record r = std::move(row_.values());
  if (cursor_->next(r)) {
    row_ = Row(cursor_->schema_, std::move(r));
  } else {
    cursor_ = nullptr;
  }
  return *this;
}

}  // namespace tessera
