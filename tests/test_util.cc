#include "test_util.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace tessera::test {

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = std::filesystem::temp_directory_path() / ("tessera-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::vector<std::string> unlisted_table_files(const std::filesystem::path& table_dir) {
  std::set<std::string> listed;
  if (std::filesystem::exists(table_dir / "table.json")) {
    listed.insert("table.json");
    const auto meta = nlohmann::json::parse(read_file(table_dir / "table.json"));
    for (const auto& f : meta.at("files")) listed.insert(f.at("name").get<std::string>());
  }
  std::vector<std::string> unlisted;
  if (std::filesystem::exists(table_dir))
    for (const auto& e : std::filesystem::directory_iterator(table_dir))
      if (!listed.count(e.path().filename().string())) unlisted.push_back(e.path().filename().string());
  std::sort(unlisted.begin(), unlisted.end());
  return unlisted;
}

int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) output.append(buf.data(), n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace tessera::test
