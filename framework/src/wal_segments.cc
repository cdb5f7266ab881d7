// The write-ahead log's segment files: names, listing, retiring, cutting.
// Format and promises: docs/formats/wal.md.
#include "wal_log.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

namespace {

// "00000042.log" -> 42; nullopt for anything else (only the canonical
// spelling counts, so one number has one name).
std::optional<uint64_t> parse_segment_name(const std::string& name) {
  if (name.size() < 12 || name.size() > 24 || name.compare(name.size() - 4, 4, ".log") != 0) return {};
  std::string digits = name.substr(0, name.size() - 4);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return {};
  uint64_t n = 0;
  for (char c : digits) {
    if (n > (UINT64_MAX - 9) / 10) return {};
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (fmt::format("{:08d}.log", n) != name) return {};
  return n;
}

// Makes a WritableFile's size change durable by path (truncate has no handle).
void sync_file(FileSystem& fs, const fs::path& path) {
  auto f = fs.open_append(path);
  f->sync();
  f->close();
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

std::filesystem::path wal_segment_path(const std::filesystem::path& dir, uint64_t segment) {
  return dir / fmt::format("{:08d}.log", segment);
}

std::vector<uint64_t> list_wal_segments(FileSystem& fs, const std::filesystem::path& dir) {
  std::vector<uint64_t> out;
  if (!fs.exists(dir)) return out;
  for (const auto& name : fs.list(dir))
    if (auto n = parse_segment_name(name)) out.push_back(*n);
  std::sort(out.begin(), out.end());
  return out;
}

void retire_wal_segments(FileSystem& fs, const std::filesystem::path& dir, uint64_t below, bool archive) {
  std::vector<uint64_t> old;
  for (uint64_t n : list_wal_segments(fs, dir))
    if (n < below) old.push_back(n);
  if (old.empty()) return;
  fs::path archive_dir = dir / "archive";
  if (archive) fs.create_directories(archive_dir);
  std::string stamp = utc_timestamp();
  for (uint64_t n : old) {
    if (archive)
      fs.rename(wal_segment_path(dir, n), archive_dir / fmt::format("{:08d}.{}.log", n, stamp));
    else
      fs.remove(wal_segment_path(dir, n));
  }
  // A rename is durable once both folders are; the archive folder's own
  // entry is in dir.
  if (archive) fs.sync_dir(archive_dir);
  fs.sync_dir(dir);
}

void cut_wal(FileSystem& fs, const std::filesystem::path& dir, uint64_t segment, uint64_t offset) {
  auto segments = list_wal_segments(fs, dir);
  bool removed = false;
  for (auto it = segments.rbegin(); it != segments.rend() && *it > segment; ++it) {
    fs.remove(wal_segment_path(dir, *it));
    removed = true;
  }
  if (removed) fs.sync_dir(dir);
  fs::path path = wal_segment_path(dir, segment);
  if (!fs.exists(path)) return;
  if (offset == 0) {
    fs.remove(path);
    fs.sync_dir(dir);
  } else if (fs.file_size(path) > offset) {
    fs.truncate(path, offset);
    sync_file(fs, path);
  }
}

}  // namespace tessera::detail
