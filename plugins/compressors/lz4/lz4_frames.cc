#include "lz4_frames.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include <fmt/format.h>
#include <lz4frame.h>

#include "../common/frame_reading.h"

#include "tessera/error.h"

namespace tessera::lz4_plugin {
namespace {

// Input is compressed in slices of this size so that the output buffer of a
// streaming sink stays small whatever the caller writes at once.
constexpr size_t kSlice = 64 * 1024;
// Output grows by at most this much per decoding step.
constexpr size_t kOutputChunk = 256 * 1024;
constexpr size_t kInputBuffer = 64 * 1024;

LZ4F_preferences_t make_prefs(int level, uint64_t content_size) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.compressionLevel = level;
  // The checksum lets readers tell a damaged frame from a valid one.
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.contentSize = content_size;  // 0 means "not recorded"
  return prefs;
}

[[noreturn]] void compress_failed(size_t code) {
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("lz4: compression failed: {}", LZ4F_getErrorName(code)));
}

// Decodes a sequence of frames step by step, never producing more than the
// bound allows and checking each frame's declared size before decoding it.
class FrameDecoder {
 public:
  FrameDecoder(uint64_t max_output, std::string_view label) : max_(max_output), label_(label) {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx_, LZ4F_VERSION))) throw std::bad_alloc();
  }
  ~FrameDecoder() { LZ4F_freeDecompressionContext(dctx_); }
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  bool in_frame() const { return in_frame_; }
  bool saw_frame() const { return saw_frame_; }

  // The output capacity to offer for a step: want, or one byte past the
  // bound so that a frame expanding beyond it is caught.
  size_t allowance(size_t want) const {
    uint64_t left = max_ - produced_;
    return left >= want ? want : static_cast<size_t>(left) + 1;
  }

  // Decodes from src (src_size: available in, consumed out) into at most
  // dst_cap bytes of dst; returns the bytes produced. Between frames, src
  // must hold a whole frame header or all the remaining input.
  size_t decode(const uint8_t* src, size_t& src_size, uint8_t* dst, size_t dst_cap) {
    size_t consumed = 0;
    if (!in_frame_) {
      LZ4F_frameInfo_t info;
      size_t n = src_size;
      size_t r = LZ4F_getFrameInfo(dctx_, &info, src, &n);
      if (LZ4F_isError(r)) {
        fail(fmt::format("bad frame header at input byte {} ({})", input_offset_,
                         LZ4F_getErrorName(r)));
      }
      in_frame_ = saw_frame_ = true;
      if (info.contentSize > max_ - produced_) {
        fail(fmt::format("frame at input byte {} claims {} bytes of content, more than the "
                         "limit of {} bytes",
                         input_offset_, info.contentSize, max_ - produced_));
      }
      consumed = n;
    }
    size_t in = src_size - consumed;
    size_t out = dst_cap;
    size_t r = LZ4F_decompress(dctx_, dst, &out, src + consumed, &in, nullptr);
    if (LZ4F_isError(r)) {
      fail(fmt::format("corrupt frame near input byte {} ({})", input_offset_ + consumed,
                       LZ4F_getErrorName(r)));
    }
    consumed += in;
    input_offset_ += consumed;
    produced_ += out;
    if (produced_ > max_) {
      fail(fmt::format("data expands beyond the limit of {} bytes", max_));
    }
    if (r == 0) in_frame_ = false;  // the frame ended, checksum verified
    src_size = consumed;
    return out;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kCorruption, fmt::format("{}: lz4: {}", label_, what));
  }

 private:
  LZ4F_dctx* dctx_ = nullptr;
  uint64_t max_;
  std::string label_;
  uint64_t produced_ = 0;
  uint64_t input_offset_ = 0;
  bool in_frame_ = false;
  bool saw_frame_ = false;
};

class CompressingSink final : public ByteSink {
 public:
  CompressingSink(int level, ByteSink& out, std::optional<uint64_t> content_size)
      : out_(out), expected_(content_size), prefs_(make_prefs(level, content_size.value_or(0))) {
    if (LZ4F_isError(LZ4F_createCompressionContext(&cctx_, LZ4F_VERSION))) throw std::bad_alloc();
    buffer_.resize(std::max<size_t>(LZ4F_compressBound(kSlice, &prefs_), LZ4F_HEADER_SIZE_MAX));
    size_t n = LZ4F_compressBegin(cctx_, buffer_.data(), buffer_.size(), &prefs_);
    if (LZ4F_isError(n)) {
      LZ4F_freeCompressionContext(cctx_);
      compress_failed(n);
    }
    out_.write(buffer_.data(), n);
  }
  ~CompressingSink() override { LZ4F_freeCompressionContext(cctx_); }

  void write(const void* data, size_t size) override {
    if (closed_) throw Error(ErrorCode::kInvalidArgument, "lz4: write after close");
    if (expected_ && size > *expected_ - written_) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("lz4: {} bytes written, more than the declared content size of {}",
                              written_ + size, *expected_));
    }
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
      size_t slice = std::min(size, kSlice);
      size_t n = LZ4F_compressUpdate(cctx_, buffer_.data(), buffer_.size(), p, slice, nullptr);
      if (LZ4F_isError(n)) compress_failed(n);
      if (n) out_.write(buffer_.data(), n);
      p += slice, size -= slice, written_ += slice;
    }
  }

  // Ends the frame. The inner sink belongs to the caller and stays open.
  void close() override {
    if (closed_) return;
    if (expected_ && written_ != *expected_) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("lz4: {} bytes written, less than the declared content size of {}",
                              written_, *expected_));
    }
    size_t n = LZ4F_compressEnd(cctx_, buffer_.data(), buffer_.size(), nullptr);
    if (LZ4F_isError(n)) compress_failed(n);
    out_.write(buffer_.data(), n);
    closed_ = true;
  }

 private:
  ByteSink& out_;
  std::optional<uint64_t> expected_;
  LZ4F_preferences_t prefs_;
  LZ4F_cctx* cctx_ = nullptr;
  std::vector<uint8_t> buffer_;
  uint64_t written_ = 0;
  bool closed_ = false;
};

}  // namespace

void compress_block(int level, std::span<const uint8_t> input, std::vector<uint8_t>& output) {
  static const uint8_t kNothing = 0;  // LZ4F wants a valid pointer even for no input
  const uint8_t* src = input.empty() ? &kNothing : input.data();
  LZ4F_preferences_t prefs = make_prefs(level, input.size());
  size_t bound = LZ4F_compressFrameBound(input.size(), &prefs);
  size_t old = output.size();
  output.resize(old + bound);
  size_t n = LZ4F_compressFrame(output.data() + old, bound, src, input.size(), &prefs);
  if (LZ4F_isError(n)) {
    output.resize(old);
    compress_failed(n);
  }
  output.resize(old + n);
}

void decompress_block(std::span<const uint8_t> input, std::vector<uint8_t>& output,
                      uint64_t max_output_bytes, std::string_view label) {
  FrameDecoder decoder(max_output_bytes, label);
  compressor_common::decode_frames(decoder, input, output, kOutputChunk);
}

std::unique_ptr<ByteSink> make_compressing_sink(int level, ByteSink& out,
                                                std::optional<uint64_t> content_size) {
  return std::make_unique<CompressingSink>(level, out, content_size);
}

std::unique_ptr<ByteSource> make_decompressing_source(ByteSource& in, uint64_t max_output_bytes,
                                                      std::string_view label) {
  return std::make_unique<compressor_common::FrameSource<FrameDecoder>>(in, LZ4F_HEADER_SIZE_MAX, kInputBuffer, max_output_bytes,
                                                                         label);
}

}  // namespace tessera::lz4_plugin
