#include "zstd_frames.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include <fmt/format.h>
#include <zstd.h>

#include "../common/frame_reading.h"

#include "tessera/error.h"

namespace tessera::zstd_plugin {
namespace {

// Output grows by at most this much per decoding step.
constexpr size_t kOutputChunk = 256 * 1024;
// The longest frame header of the zstd format (RFC 8878): magic 4, frame
// header descriptor 1, window descriptor 1, dictionary id 4, content size 8.
constexpr size_t kFrameHeaderMax = 18;

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxDeleter>;

[[noreturn]] void compress_failed(size_t code) {
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("zstd: compression failed: {}", ZSTD_getErrorName(code)));
}

void check(size_t code) {
  if (ZSTD_isError(code)) compress_failed(code);
}

CCtxPtr make_cctx(int level) {
  CCtxPtr cctx(ZSTD_createCCtx());
  if (!cctx) throw std::bad_alloc();
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level));
  // The checksum lets readers tell a damaged frame from a valid one.
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1));
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1));
  return cctx;
}

// Decodes a sequence of frames step by step, never producing more than the
// bound allows and checking each frame's declared size before decoding it.
// The decoder keeps zstd's default window limit (2^27 bytes), so a frame
// cannot make it allocate more than that either.
class FrameDecoder {
 public:
  FrameDecoder(uint64_t max_output, std::string_view label)
      : dctx_(ZSTD_createDCtx()), max_(max_output), label_(label) {
    if (!dctx_) throw std::bad_alloc();
  }
  ~FrameDecoder() { ZSTD_freeDCtx(dctx_); }
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
    if (!in_frame_) {
      unsigned long long claimed = ZSTD_getFrameContentSize(src, src_size);
      if (claimed == ZSTD_CONTENTSIZE_ERROR) {
        fail(fmt::format("bad frame header at input byte {} (not a zstd frame, or cut short)",
                         input_offset_));
      }
      in_frame_ = saw_frame_ = true;
      if (claimed != ZSTD_CONTENTSIZE_UNKNOWN && claimed > max_ - produced_) {
        fail(fmt::format("frame at input byte {} claims {} bytes of content, more than the "
                         "limit of {} bytes",
                         input_offset_, claimed, max_ - produced_));
      }
    }
    ZSTD_inBuffer in{src, src_size, 0};
    ZSTD_outBuffer out{dst, dst_cap, 0};
    size_t r = ZSTD_decompressStream(dctx_, &out, &in);
    if (ZSTD_isError(r)) {
      fail(fmt::format("corrupt frame near input byte {} ({})", input_offset_ + in.pos,
                       ZSTD_getErrorName(r)));
    }
    input_offset_ += in.pos;
    produced_ += out.pos;
    if (produced_ > max_) fail(fmt::format("data expands beyond the limit of {} bytes", max_));
    if (r == 0) in_frame_ = false;  // the frame ended and is fully flushed
    src_size = in.pos;
    return out.pos;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kCorruption, fmt::format("{}: zstd: {}", label_, what));
  }

 private:
  ZSTD_DCtx* dctx_;
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
      : out_(out), expected_(content_size), cctx_(make_cctx(level)), buffer_(ZSTD_CStreamOutSize()) {
    if (content_size) check(ZSTD_CCtx_setPledgedSrcSize(cctx_.get(), *content_size));
  }

  void write(const void* data, size_t size) override {
    if (closed_) throw Error(ErrorCode::kInvalidArgument, "zstd: write after close");
    if (expected_ && size > *expected_ - written_) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("zstd: {} bytes written, more than the declared content size of {}",
                              written_ + size, *expected_));
    }
    ZSTD_inBuffer in{data, size, 0};
    while (in.pos < in.size) pump(in, ZSTD_e_continue);
    written_ += size;
  }

  // Ends the frame. The inner sink belongs to the caller and stays open.
  void close() override {
    if (closed_) return;
    if (expected_ && written_ != *expected_) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("zstd: {} bytes written, less than the declared content size of {}",
                              written_, *expected_));
    }
    ZSTD_inBuffer in{nullptr, 0, 0};
    while (pump(in, ZSTD_e_end) != 0) {
    }
    closed_ = true;
  }

 private:
  // One compression call; writes what it produced. Returns zstd's "bytes
  // left to flush" hint.
  size_t pump(ZSTD_inBuffer& in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
    size_t r = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
    check(r);
    if (out.pos) out_.write(buffer_.data(), out.pos);
    return r;
  }

  ByteSink& out_;
  std::optional<uint64_t> expected_;
  CCtxPtr cctx_;
  std::vector<uint8_t> buffer_;
  uint64_t written_ = 0;
  bool closed_ = false;
};

}  // namespace

int min_level() { return ZSTD_minCLevel(); }
int max_level() { return ZSTD_maxCLevel(); }

void compress_block(int level, std::span<const uint8_t> input, std::vector<uint8_t>& output) {
  CCtxPtr cctx = make_cctx(level);
  size_t bound = ZSTD_compressBound(input.size());
  size_t old = output.size();
  output.resize(old + bound);
  // ZSTD_compress2 knows the whole input, so the frame records its size.
  size_t n = ZSTD_compress2(cctx.get(), output.data() + old, bound, input.data(), input.size());
  if (ZSTD_isError(n)) {
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
  return std::make_unique<compressor_common::FrameSource<FrameDecoder>>(in, kFrameHeaderMax, ZSTD_DStreamInSize(), max_output_bytes,
                                                                         label);
}

}  // namespace tessera::zstd_plugin
