#include "output.h"

#include <algorithm>

#include <fmt/format.h>

namespace tessera::cli {

void TextTable::print(std::FILE* out) const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      // The last column is not padded, so lines carry no trailing blanks.
      if (i + 1 < row.size()) line += fmt::format("{:<{}}  ", row[i], widths[i]);
      else line += row[i];
    }
    fmt::print(out, "{}\n", line);
  };
  emit(header_);
  for (const auto& row : rows_) emit(row);
}

std::string join(const std::vector<std::string>& items, const std::string& none) {
  if (items.empty()) return none;
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

void print_error(const std::string& message) { fmt::print(stderr, "tessera: {}\n", message); }

}  // namespace tessera::cli
