// Backup, restore and verification.
//
// A backup is taken from a checkpoint: under the writer lock the database
// checkpoints and hard-links every file the checkpoint covers into a staging
// folder inside the database directory (instant, and immune to later
// checkpoints deleting or appending to them); the lock is then released and
// the staged files are copied out and verified at leisure.
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "checksum.h"
#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"

namespace tessera {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kManifest = "backup.json";

std::string utc_now(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// Copies the first `bytes` bytes of from into to (synced), returning their checksum.
std::string copy_prefix(detail::FileSystem& f, const fs::path& from, const fs::path& to, uint64_t bytes) {
  auto in = f.open_read(from);
  auto out = f.create(to);
  detail::Checksum sum;
  std::vector<char> buf(1 << 20);
  uint64_t left = bytes;
  while (left > 0) {
    size_t n = in->read(buf.data(), std::min<uint64_t>(buf.size(), left));
    if (n == 0) throw Error(ErrorCode::kIO, fmt::format("{}: shorter than its recorded {} bytes", from.string(), bytes));
    out->append(buf.data(), n);
    sum.update(buf.data(), n);
    left -= n;
  }
  out->sync();
  out->close();
  return sum.text();
}

std::string file_checksum(detail::FileSystem& f, const fs::path& p, uint64_t& size) {
  auto in = f.open_read(p);
  detail::Checksum sum;
  std::vector<char> buf(1 << 20);
  size = 0;
  while (size_t n = in->read(buf.data(), buf.size())) {
    sum.update(buf.data(), n);
    size += n;
  }
  return sum.text();
}

}  // namespace

VerifyReport Database::verify() {
  impl_->check_open();
  VerifyReport report;
  std::vector<std::shared_ptr<detail::TableState>> list;
  {
    std::shared_lock lock(impl_->catalog_mu);
    for (auto& [n, t] : impl_->tables) list.push_back(t);
  }
  for (auto& t : list) {
    if (std::string why = t->unavailable_reason(); !why.empty()) {
      report.problems.push_back(fmt::format("table '{}': {}", t->name, why));
      continue;
    }
    detail::WriterLock writer(*impl_);  // a checkpoint must not swap the files under us
    for (const auto& df : t->meta.files) {
      ++report.files_checked;
      std::string problem = detail::verify_data_file(*impl_->fs, t->dir, df);
      if (!problem.empty()) report.problems.push_back(fmt::format("table '{}': {}", t->name, problem));
    }
  }
  detail::WalReader reader(*impl_->fs, impl_->dir / "wal");
  detail::WalRecord rec;
  while (reader.next(rec)) ++report.wal_records;
  if (reader.end().corrupt) report.problems.push_back(fmt::format("write-ahead log: {}", reader.end().error));
  return report;
}

BackupReport Database::backup(const fs::path& dest_arg) {
  impl_->check_open();
  auto& f = *impl_->fs;
  BackupReport report;
  fs::path dest = dest_arg;
  std::error_code ec;
  if (fs::is_directory(dest, ec) && !fs::is_empty(dest, ec))
    dest /= "tessera-backup-" + utc_now("%Y%m%dT%H%M%SZ");
  if (fs::exists(dest, ec) && !fs::is_empty(dest, ec))
    throw Error(ErrorCode::kAlreadyExists, fmt::format("backup destination {} already exists", dest.string()));

  struct Entry {
    std::string rel;
    uint64_t bytes;
    std::string checksum;
  };
  std::vector<Entry> entries;
  fs::path staging = impl_->dir / fmt::format(".backup-{}", std::chrono::steady_clock::now().time_since_epoch().count());
  f.create_directories(staging);
  struct RemoveStaging {
    detail::FileSystem& f;
    fs::path p;
    ~RemoveStaging() {
      try {
        f.remove_all(p);
      } catch (...) {
      }
    }
  } cleanup{f, staging};
  {
    detail::WriterLock writer(*impl_);
    impl_->checkpoint_locked();
    report.checkpoint_lsn = impl_->catalog.checkpoint_lsn;
    std::shared_lock lock(impl_->catalog_mu);
    for (auto& [name, t] : impl_->tables) {
      if (std::string why = t->unavailable_reason(); !why.empty())
        throw Error(ErrorCode::kUnavailable,
                    fmt::format("cannot back up table '{}': {}", name, why));
      fs::path rel_dir = fs::path(detail::kTablesDir) / name;
      f.create_directories(staging / rel_dir);
      for (const auto& df : t->meta.files) {
        fs::create_hard_link(t->dir / df.name, staging / rel_dir / df.name);
        entries.push_back({(rel_dir / df.name).string(), df.bytes, df.checksum});
      }
      std::string meta = t->meta.to_json().dump(2) + "\n";
      detail::write_file_atomic(f, staging / rel_dir / detail::kTableMetaFile, meta);
      entries.push_back({(rel_dir / detail::kTableMetaFile).string(), meta.size(),
                         detail::Checksum::format(detail::Checksum::of(meta))});
    }
    std::string catalog = impl_->catalog.to_json().dump(2) + "\n";
    detail::write_file_atomic(f, staging / detail::kCatalogFile, catalog);
    entries.push_back({detail::kCatalogFile, catalog.size(), detail::Checksum::format(detail::Checksum::of(catalog))});
  }
  f.create_directories(dest);
  json files = json::array();
  for (const auto& e : entries) {
    f.create_directories((dest / e.rel).parent_path());
    std::string sum = copy_prefix(f, staging / e.rel, dest / e.rel, e.bytes);
    if (sum != e.checksum)
      throw Error(ErrorCode::kCorruption, fmt::format("backup of {}: checksum {} does not match the recorded {}",
                                                      (impl_->dir / e.rel).string(), sum, e.checksum));
    files.push_back({{"path", e.rel}, {"bytes", e.bytes}, {"checksum", e.checksum}});
    report.bytes += e.bytes;
    ++report.files;
  }
  for (const auto& e : entries) f.sync_dir((dest / e.rel).parent_path());
  json manifest = {{"format_version", 1},       {"created_at", utc_now("%Y-%m-%dT%H:%M:%SZ")},
                   {"source", impl_->dir.string()}, {"checkpoint_lsn", report.checkpoint_lsn},
                   {"tessera_version", version()}, {"files", files}};
  detail::write_file_atomic(f, dest / kManifest, manifest.dump(2) + "\n");
  report.path = dest;
  return report;
}

void Database::restore(const fs::path& backup, const fs::path& dir, bool force) {
  auto& f = detail::FileSystem::posix();
  auto manifest_path = backup / kManifest;
  if (!f.exists(manifest_path))
    throw Error(ErrorCode::kNotFound, fmt::format("{} is not a Tessera backup (no {})", backup.string(), kManifest));
  json manifest = detail::read_json_file(f.read_all(manifest_path), manifest_path);
  if (!manifest.contains("files") || !manifest["files"].is_array())
    throw Error(ErrorCode::kCorruption, fmt::format("{}: no file list", manifest_path.string()));
  // Verify the whole backup before touching the destination.
  for (const auto& e : manifest["files"]) {
    std::string rel = e.at("path").get<std::string>();
    if (rel.find("..") != std::string::npos || fs::path(rel).is_absolute())
      throw Error(ErrorCode::kCorruption, fmt::format("{}: bad path '{}'", manifest_path.string(), rel));
    uint64_t size = 0;
    if (!f.exists(backup / rel)) throw Error(ErrorCode::kCorruption, fmt::format("backup file {} is missing", (backup / rel).string()));
    std::string sum = file_checksum(f, backup / rel, size);
    if (size != e.at("bytes").get<uint64_t>() || sum != e.at("checksum").get<std::string>())
      throw Error(ErrorCode::kCorruption, fmt::format("backup file {} fails its checksum (recorded {} bytes {}, found {} "
                                                      "bytes {})",
                                                      (backup / rel).string(), e.at("bytes").get<uint64_t>(),
                                                      e.at("checksum").get<std::string>(), size, sum));
  }
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    if (!force)
      throw Error(ErrorCode::kAlreadyExists,
                  fmt::format("{} is not empty; restore into an empty folder, or force it to replace the contents",
                              dir.string()));
    for (const auto& entry : fs::directory_iterator(dir)) f.remove_all(entry.path());
  }
  f.create_directories(dir / "wal");
  for (const auto& e : manifest["files"]) {
    std::string rel = e.at("path").get<std::string>();
    f.create_directories((dir / rel).parent_path());
    copy_prefix(f, backup / rel, dir / rel, e.at("bytes").get<uint64_t>());
  }
  for (const auto& e : manifest["files"]) f.sync_dir((dir / e.at("path").get<std::string>()).parent_path());
  f.sync_dir(dir);
}

}  // namespace tessera
