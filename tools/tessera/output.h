// Text output shared by the commands: aligned tables and small helpers.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "tessera/plugin.h"

namespace tessera::cli {

// Rows of text printed as columns padded to their widest cell.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::FILE* out = stdout) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "a, b, c"; `none` when the list is empty.
std::string join(const std::vector<std::string>& items, const std::string& none = "none");

// Prints "tessera: <message>" on stderr.
void print_error(const std::string& message);

}  // namespace tessera::cli
