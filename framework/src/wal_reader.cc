// The write-ahead log's reader: records in order, and where and why the
// log ends. Format and promises: docs/formats/wal.md.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "tessera/error.h"
#include "wal_encoding.h"
#include "wal_log.h"

namespace tessera::detail {

using namespace wal_encoding;

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
    if (std::memcmp(h, kWalMagic, sizeof kWalMagic) != 0)
      return stop_corrupt(0, "not a write-ahead log segment (bad magic)");
    if (uint64_t v = get_le(h + 6, 2); v != kWalVersion)
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
