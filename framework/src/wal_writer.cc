// The write-ahead log's writer: appends, group commit, rotation.
// Format and promises: docs/formats/wal.md.
#include <atomic>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "tessera/error.h"
#include "wal_encoding.h"
#include "wal_log.h"

namespace tessera::detail {

using namespace wal_encoding;

// Two locks: append_mu orders appends (and excludes rotation); sync_mu
// guards the group-commit state. Lock order: append_mu, then sync_mu. The
// segment has two handles so that a sync never shares a WritableFile with a
// concurrent append (fdatasync on either covers the file's data).
struct WalWriter::Impl {
  FileSystem& fs;
  fs::path dir;
  SyncMode mode;
  uint32_t interval_ms;

  std::mutex append_mu;
  std::unique_ptr<WritableFile> out;  // appends
  std::string buffer;
  RecordHasher hasher;
  std::atomic<uint64_t> segment{0};
  std::atomic<Lsn> last_lsn{0};  // published once the record's append returned
  std::atomic<uint64_t> bytes{0};

  std::mutex sync_mu;
  std::condition_variable sync_cv;
  std::unique_ptr<WritableFile> syncer;  // used only by the thread holding `syncing`
  bool syncing = false;
  Lsn synced_lsn = 0;
  std::atomic<bool> failed{false};
  std::string failure;  // the first error's message

  std::condition_variable timer_cv;
  bool stop = false;
  std::thread timer;

  Impl(FileSystem& f, fs::path d, SyncMode m, uint32_t ms) : fs(f), dir(std::move(d)), mode(m), interval_ms(ms) {}

  void open_segment(uint64_t n) {
    fs::path path = wal_segment_path(dir, n);
    if (fs.exists(path) && fs.file_size(path) > 0)
      throw Error(ErrorCode::kAlreadyExists,
                  fmt::format("write-ahead log segment {} exists already and is not empty", path.string()));
    auto file = fs.create(path);
    std::string header = segment_header(n);
    file->append(header.data(), header.size());
    file->sync();
    auto second = fs.open_append(path);
    fs.sync_dir(dir);
    out = std::move(file);
    syncer = std::move(second);
    segment = n;
    bytes = header.size();
  }

  // The first failure is the one reported; the caller holds sync_mu.
  void record_failure_locked(const std::string& message) {
    if (!failed) {
      failure = message;
      failed = true;
    }
    sync_cv.notify_all();
  }
  void record_failure(const std::string& message) {
    std::lock_guard lk(sync_mu);
    record_failure_locked(message);
  }
  std::string failure_message() {
    std::lock_guard lk(sync_mu);
    return failure;
  }
  [[noreturn]] void throw_read_only() {
    throw Error(ErrorCode::kReadOnly, fmt::format("the write-ahead log failed earlier ({}); reopen the database",
                                                  failure_message()));
  }

  // Group commit: returns once synced_lsn >= lsn. One caller at a time is
  // the leader and syncs everything appended when it took the lead; the
  // others wait and re-check, so one fdatasync serves every record appended
  // before it started.
  void sync_up_to(Lsn lsn) {
    std::unique_lock lk(sync_mu);
    for (;;) {
      if (failed) throw Error(ErrorCode::kIO, failure);
      if (synced_lsn >= lsn) return;
      if (syncing) {
        sync_cv.wait(lk);
        continue;
      }
      syncing = true;
      Lsn target = last_lsn.load();
      lk.unlock();
      std::string error;
      bool ok = true;
      try {
        syncer->sync();
      } catch (const std::exception& e) {
        ok = false;
        error = e.what();
      }
      lk.lock();
      syncing = false;
      if (ok)
        synced_lsn = std::max(synced_lsn, target);
      else
        record_failure_locked(error);
      sync_cv.notify_all();
    }
  }

  // Waits for any running sync, then holds the sync slot so the segment's
  // handles can be synced, closed or replaced. Caller holds append_mu.
  // Returns false if that sync failed.
  bool take_sync_slot() {
    std::unique_lock lk(sync_mu);
    sync_cv.wait(lk, [&] { return !syncing; });
    syncing = true;
    return !failed;
  }
  void release_sync_slot(Lsn synced) {
    std::lock_guard lk(sync_mu);
    synced_lsn = std::max(synced_lsn, synced);
    syncing = false;
    sync_cv.notify_all();
  }

  void timer_loop() {
    std::unique_lock lk(sync_mu);
    while (!stop) {
      timer_cv.wait_for(lk, std::chrono::milliseconds(interval_ms), [&] { return stop; });
      if (stop || failed || syncing || last_lsn.load() <= synced_lsn) continue;
      lk.unlock();
      try {
        sync_up_to(last_lsn.load());
      } catch (...) {
        // Recorded as the writer's failure; the next append reports it.
      }
      lk.lock();
    }
  }
};

WalWriter::WalWriter(FileSystem& fs, std::filesystem::path dir, uint64_t first_segment, Lsn next_lsn,
                     SyncMode mode, uint32_t interval_ms)
    : impl_(std::make_unique<Impl>(fs, std::move(dir), mode, std::max<uint32_t>(interval_ms, 1))) {
  if (next_lsn == 0) throw Error(ErrorCode::kInvalidArgument, "write-ahead log: LSNs start at 1");
  Impl& w = *impl_;
  // The folder's own entry must be durable too, whoever created it: one
  // fsync of the parent per writer.
  if (!fs.exists(w.dir)) fs.create_directories(w.dir);
  fs.sync_dir(w.dir.parent_path().empty() ? fs::path(".") : w.dir.parent_path());
  w.open_segment(first_segment);
  w.last_lsn = next_lsn - 1;
  w.synced_lsn = next_lsn - 1;
  if (mode == SyncMode::kNormal) w.timer = std::thread([&w] { w.timer_loop(); });
}

WalWriter::~WalWriter() {
  Impl& w = *impl_;
  if (w.timer.joinable()) {
    {
      std::lock_guard lk(w.sync_mu);
      w.stop = true;
    }
    w.timer_cv.notify_all();
    w.timer.join();
  }
  std::lock_guard al(w.append_mu);
  w.take_sync_slot();
  try {
    if (w.mode != SyncMode::kOff && !w.failed) w.syncer->sync();
  } catch (...) {
    // A destructor cannot report; the commits that needed this sync waited
    // for their own.
  }
  try {
    w.syncer->close();
    w.out->close();
  } catch (...) {
  }
  w.release_sync_slot(0);
}

Lsn WalWriter::append(std::string_view payload) {
  Impl& w = *impl_;
  if (payload.size() > kWalMaxPayload)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("write-ahead log record of {} bytes is over the {} byte limit", payload.size(),
                            kWalMaxPayload));
  std::lock_guard al(w.append_mu);
  if (w.failed) w.throw_read_only();
  Lsn lsn = w.last_lsn.load() + 1;
  // Header and payload in one buffer: one append per record.
  w.buffer.resize(kWalRecordHeaderSize + payload.size());
  char* p = w.buffer.data();
  put_le(p, payload.size(), 4);
  put_le(p + 8, lsn, 8);
  std::memcpy(p + kWalRecordHeaderSize, payload.data(), payload.size());
  put_le(p + 4, w.hasher.checksum(p, payload.data(), payload.size()), 4);
  try {
    w.out->append(w.buffer.data(), w.buffer.size());
  } catch (const std::exception& e) {
    w.record_failure(e.what());
    throw;
  }
  w.bytes += w.buffer.size();
  w.last_lsn = lsn;
  if (w.buffer.capacity() > (4u << 20)) std::string().swap(w.buffer);  // keep no huge buffer
  return lsn;
}

void WalWriter::wait_durable(Lsn lsn) {
  Impl& w = *impl_;
  if (lsn > w.last_lsn.load())
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("write-ahead log: LSN {} was not appended (last is {})", lsn, w.last_lsn.load()));
  if (w.mode == SyncMode::kFull) {
    w.sync_up_to(lsn);
  } else if (w.failed) {
    throw Error(ErrorCode::kIO, w.failure_message());
  }
}

void WalWriter::sync() { impl_->sync_up_to(impl_->last_lsn.load()); }

uint64_t WalWriter::rotate() {
  Impl& w = *impl_;
  std::lock_guard al(w.append_mu);
  if (!w.take_sync_slot()) {
    w.release_sync_slot(0);
    w.throw_read_only();
  }
  Lsn target = w.last_lsn.load();
  try {
    w.syncer->sync();
    w.syncer->close();
    w.out->close();
    w.open_segment(w.segment + 1);
  } catch (const std::exception& e) {
    {
      std::lock_guard lk(w.sync_mu);
      w.syncing = false;
      w.record_failure_locked(e.what());
    }
    throw;
  }
  w.release_sync_slot(target);
  return w.segment;
}

uint64_t WalWriter::segment() const { return impl_->segment.load(); }
Lsn WalWriter::last_lsn() const { return impl_->last_lsn.load(); }
uint64_t WalWriter::bytes_in_segment() const { return impl_->bytes.load(); }
bool WalWriter::failed() const { return impl_->failed.load(); }

}  // namespace tessera::detail
