// The write-ahead log's files. Format and promises: docs/formats/wal.md.
#include "wal_log.h"

#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

namespace {

constexpr char kMagic[6] = {'T', 'S', 'R', 'W', 'A', 'L'};
constexpr uint16_t kVersion = 1;

void put_le(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// One XXH3 state per writer or reader, reset per record: the checksummed
// bytes (length, lsn, payload) are not contiguous in the record.
class RecordHasher {
 public:
  RecordHasher() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
  }
  ~RecordHasher() { XXH3_freeState(state_); }
  RecordHasher(const RecordHasher&) = delete;
  RecordHasher& operator=(const RecordHasher&) = delete;

  // header: the 16-byte record header; its checksum field is ignored.
  uint32_t checksum(const char* header, const char* payload, size_t size) {
    XXH3_64bits_reset(state_);
    XXH3_64bits_update(state_, header, 4);
    XXH3_64bits_update(state_, header + 8, 8);
    XXH3_64bits_update(state_, payload, size);
    return static_cast<uint32_t>(XXH3_64bits_digest(state_));
  }

 private:
  XXH3_state_t* state_;
};

std::string segment_header(uint64_t segment) {
  std::string h(kWalSegmentHeaderSize, '\0');
  std::memcpy(h.data(), kMagic, sizeof kMagic);
  put_le(h.data() + 6, kVersion, 2);
  put_le(h.data() + 8, segment, 8);
  return h;
}

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

// ---------------------------------------------------------------- writer

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

// ---------------------------------------------------------------- reader

namespace {

// Streams one segment file with a fixed buffer, tracking the offset.
class SegmentInput {
 public:
  SegmentInput(FileSystem& fs, fs::path path)
      : path_(std::move(path)), size_(fs.file_size(path_)), src_(fs.open_read(path_)), buf_(64 * 1024) {}
  const fs::path& path() const { return path_; }
  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return size_ - offset_; }

  // Reads exactly n bytes (the caller checked remaining()).
  void read(char* out, uint64_t n) {
    while (n > 0) {
      if (pos_ == len_) fill();
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, len_ - pos_));
      std::memcpy(out, buf_.data() + pos_, k);
      pos_ += k;
      out += k;
      n -= k;
      offset_ += k;
    }
  }
  // Consumes the rest of the file; true if every byte is zero.
  bool rest_is_zero() {
    while (remaining() > 0) {
      if (pos_ == len_) fill();
      for (; pos_ < len_; ++pos_, ++offset_)
        if (buf_[pos_] != 0) return false;
    }
    return true;
  }

 private:
  void fill() {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size(), remaining()));
    size_t got = src_->read(buf_.data(), want);
    if (got == 0)
      throw Error(ErrorCode::kIO, fmt::format("{}: the file shrank while it was read", path_.string()));
    pos_ = 0;
    len_ = got;
  }

  fs::path path_;
  uint64_t size_;
  std::unique_ptr<ByteSource> src_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  uint64_t offset_ = 0;
};

bool all_zero(const char* p, size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == 0; });
}

}  // namespace

struct WalReader::Impl {
  FileSystem& fs;
  fs::path dir;
  std::vector<uint64_t> segments;
  size_t index = 0;  // of the segment being read, or next to open
  std::unique_ptr<SegmentInput> in;
  bool done = false;
  WalReadEnd end;
  RecordHasher hasher;

  Impl(FileSystem& f, fs::path d) : fs(f), dir(std::move(d)), segments(list_wal_segments(fs, dir)) {}

  bool last() const { return index + 1 == segments.size(); }

  bool stop_torn() {
    end.torn_tail = true;
    done = true;
    return false;
  }
  bool stop_corrupt(uint64_t offset, const std::string& what) {
    end.corrupt = true;
    end.error = fmt::format("{}: offset {}: {}", wal_segment_path(dir, segments[index]).string(), offset, what);
    done = true;
    return false;
  }

  // Opens segments[index] and checks its header; false when reading ends.
  bool open_segment() {
    uint64_t n = segments[index];
    if (index > 0 && n != segments[index - 1] + 1)
      return stop_corrupt(0, fmt::format("segment {} is missing", segments[index - 1] + 1));
    in = std::make_unique<SegmentInput>(fs, wal_segment_path(dir, n));
    end.segment = n;
    end.offset = 0;
    if (in->remaining() < kWalSegmentHeaderSize) {
      if (last()) return stop_torn();  // creation interrupted
      return stop_corrupt(0, fmt::format("segment header cut short ({} bytes)", in->remaining()));
    }
    char h[kWalSegmentHeaderSize];
    in->read(h, sizeof h);
    if (all_zero(h, sizeof h) && last() && in->rest_is_zero()) return stop_torn();
    if (std::memcmp(h, kMagic, sizeof kMagic) != 0)
      return stop_corrupt(0, "not a write-ahead log segment (bad magic)");
    if (uint64_t v = get_le(h + 6, 2); v != kVersion)
      return stop_corrupt(0, fmt::format("unsupported segment version {}", v));
    if (uint64_t m = get_le(h + 8, 8); m != n)
      return stop_corrupt(0, fmt::format("segment header says segment {}", m));
    end.offset = kWalSegmentHeaderSize;
    return true;
  }

  // Reads the record at the current offset; false when reading ends.
  bool read_record(WalRecord& out) {
    uint64_t start = in->offset();
    uint64_t left = in->remaining();
    if (left < kWalRecordHeaderSize) {
      if (last()) return stop_torn();
      return stop_corrupt(start, fmt::format("record header cut short ({} bytes before the end)", left));
    }
    char h[kWalRecordHeaderSize];
    in->read(h, sizeof h);
    // Zeros from here to the end: space the file system allotted before the
    // write reached it. (If the scan finds a non-zero byte, the zero header
    // fails its checksum below with bytes left: corruption.)
    if (all_zero(h, sizeof h) && last() && in->rest_is_zero()) return stop_torn();
    uint64_t length = get_le(h, 4);
    if (length > kWalMaxPayload) return stop_corrupt(start, fmt::format("impossible length {}", length));
    if (length > left - kWalRecordHeaderSize) {
      if (last()) return stop_torn();
      return stop_corrupt(start, fmt::format("record of {} bytes runs past the end of the segment", length));
    }
    out.payload.resize(length);
    in->read(out.payload.data(), length);
    if (static_cast<uint32_t>(get_le(h + 4, 4)) != hasher.checksum(h, out.payload.data(), length)) {
      if (last() && in->remaining() == 0) return stop_torn();  // the last write, half done
      return stop_corrupt(start, "checksum mismatch");
    }
    Lsn lsn = get_le(h + 8, 8);
    if (lsn == 0) return stop_corrupt(start, "LSN 0");
    if (end.last_lsn != 0 && lsn != end.last_lsn + 1)
      return stop_corrupt(start, fmt::format("expected LSN {}, found {}", end.last_lsn + 1, lsn));
    out.lsn = lsn;
    out.segment = segments[index];
    out.offset = start;
    end.last_lsn = lsn;
    end.offset = in->offset();
    return true;
  }
};

WalReader::WalReader(FileSystem& fs, std::filesystem::path dir)
    : impl_(std::make_unique<Impl>(fs, std::move(dir))) {}
WalReader::~WalReader() = default;

bool WalReader::next(WalRecord& out) {
  Impl& r = *impl_;
  while (!r.done) {
    if (!r.in) {
      if (r.index == r.segments.size()) {
        r.done = true;
        break;
      }
      if (!r.open_segment()) return false;
      continue;
    }
    if (r.in->remaining() == 0) {
      r.in.reset();
      ++r.index;
      continue;
    }
    return r.read_record(out);
  }
  return false;
}

const WalReadEnd& WalReader::end() const { return impl_->end; }

}  // namespace tessera::detail
