#include "lz4_stream.h"

#include <algorithm>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::msgpack_lz4 {
namespace {

constexpr size_t kSlice = 64 * 1024;
constexpr size_t kInputBuffer = 64 * 1024;

[[noreturn]] void compress_failed(size_t code) {
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("msgpack_lz4: LZ4 compression failed: {}", LZ4F_getErrorName(code)));
}

}  // namespace

Lz4FrameWriter::Lz4FrameWriter(ByteSink& out, int level) : out_(out) {
  std::memset(&prefs_, 0, sizeof prefs_);
  prefs_.compressionLevel = level;
  prefs_.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs_.frameInfo.blockMode = LZ4F_blockLinked;
  // Block checksums let a reader refuse a damaged block before it yields the
  // records in it; the content checksum covers the whole stream.
  prefs_.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  prefs_.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  if (LZ4F_isError(LZ4F_createCompressionContext(&cctx_, LZ4F_VERSION))) throw std::bad_alloc();
  buffer_.resize(std::max<size_t>(LZ4F_compressBound(kSlice, &prefs_), LZ4F_HEADER_SIZE_MAX));
  size_t n = LZ4F_compressBegin(cctx_, buffer_.data(), buffer_.size(), &prefs_);
  if (LZ4F_isError(n)) {
    LZ4F_freeCompressionContext(cctx_);
    compress_failed(n);
  }
  out_.write(buffer_.data(), n);
}

Lz4FrameWriter::~Lz4FrameWriter() { LZ4F_freeCompressionContext(cctx_); }

void Lz4FrameWriter::write(const char* data, size_t size) {
  while (size > 0) {
    size_t slice = std::min(size, kSlice);
    size_t n = LZ4F_compressUpdate(cctx_, buffer_.data(), buffer_.size(), data, slice, nullptr);
    if (LZ4F_isError(n)) compress_failed(n);
    if (n) out_.write(buffer_.data(), n);
    data += slice, size -= slice;
  }
}

void Lz4FrameWriter::finish() {
  size_t n = LZ4F_compressEnd(cctx_, buffer_.data(), buffer_.size(), nullptr);
  if (LZ4F_isError(n)) compress_failed(n);
  out_.write(buffer_.data(), n);
}

Lz4FrameReader::Lz4FrameReader(ByteSource& in, std::string_view label)
    : in_(in), label_(label), buffer_(kInputBuffer) {
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx_, LZ4F_VERSION))) throw std::bad_alloc();
}

Lz4FrameReader::~Lz4FrameReader() { LZ4F_freeDecompressionContext(dctx_); }

void Lz4FrameReader::fill() {
  pos_ = end_ = 0;
  if (eof_) return;
  end_ = in_.read(buffer_.data(), buffer_.size());
  if (end_ == 0) eof_ = true;
}

void Lz4FrameReader::fail(const std::string& what) const {
  throw Error(ErrorCode::kCorruption, fmt::format("{}: msgpack_lz4: {}", label_, what));
}

void Lz4FrameReader::check_nothing_follows() {
  if (pos_ == end_) fill();
  if (pos_ != end_) fail("unexpected bytes after the end of the LZ4 frame");
}

size_t Lz4FrameReader::read(char* dst, size_t size) {
  while (!done_ && size > 0) {
    if (pos_ == end_) fill();
    if (pos_ == end_ && eof_) {
      // LZ4F may still hold decoded bytes; ask once more with no input.
      size_t out = size, in = 0;
      size_t r = LZ4F_decompress(dctx_, dst, &out, buffer_.data(), &in, nullptr);
      if (LZ4F_isError(r)) fail(fmt::format("corrupt LZ4 frame ({})", LZ4F_getErrorName(r)));
      if (r == 0) done_ = true;
      if (out > 0 || done_) return out;
      fail(started_ ? "truncated file: it ends inside the LZ4 frame"
                    : "truncated file: no LZ4 frame after the header");
    }
    size_t in = end_ - pos_;
    size_t out = size;
    size_t r = LZ4F_decompress(dctx_, dst, &out, buffer_.data() + pos_, &in, nullptr);
    if (LZ4F_isError(r)) fail(fmt::format("corrupt LZ4 frame ({})", LZ4F_getErrorName(r)));
    started_ = true;
    pos_ += in;
    if (r == 0) {
      done_ = true;
      check_nothing_follows();
    }
    if (out > 0) return out;
  }
  return 0;
}

}  // namespace tessera::msgpack_lz4
