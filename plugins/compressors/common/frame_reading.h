// Reading a stream of compressed frames, shared by the lz4 and zstd
// Compressor plugins: the input buffering of a streaming source and the
// loop that decodes a whole block. Header-only; each plugin supplies its
// Decoder, which does the codec's own work:
//
//   bool in_frame() const;   // inside a frame (else between frames)
//   bool saw_frame() const;  // at least one frame has started
//   size_t allowance(size_t want) const;  // output capacity for one step
//   // Decodes from src (src_size: available in, consumed out) into at most
//   // dst_cap bytes; returns the bytes produced. Between frames, src must
//   // hold a whole frame header or all the remaining input.
//   size_t decode(const uint8_t* src, size_t& src_size, uint8_t* dst, size_t dst_cap);
//   [[noreturn]] void fail(const std::string& what);  // Error(kCorruption)
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tessera/io.h"

namespace tessera::compressor_common {

// Decodes every frame of input into output; on any failure output is left
// as it was. chunk: how much output grows per step.
template <class Decoder>
void decode_frames(Decoder& decoder, std::span<const uint8_t> input, std::vector<uint8_t>& output, size_t chunk) {
  const size_t old_size = output.size();
  size_t pos = 0;
  try {
    while (pos < input.size() || decoder.in_frame()) {
      size_t at = output.size();
      size_t cap = decoder.allowance(chunk);
      output.resize(at + cap);
      size_t n = input.size() - pos;
      size_t out = decoder.decode(input.data() + pos, n, output.data() + at, cap);
      output.resize(at + out);
      pos += n;
      if (n == 0 && out == 0) decoder.fail("truncated input: it ends inside a frame");
    }
    if (!decoder.saw_frame()) decoder.fail("empty input holds no frame");
  } catch (...) {
    output.resize(old_size);  // no partial result on failure
    throw;
  }
}

// A ByteSource decoding frames read from another source. Holds one input
// buffer and the decoder's state: constant memory.
template <class Decoder>
class FrameSource final : public ByteSource {
 public:
  // header_max: the longest frame header of the format; buffer_size: input
  // buffered at a time (at least header_max).
  template <class... DecoderArgs>
  FrameSource(ByteSource& in, size_t header_max, size_t buffer_size, DecoderArgs&&... args)
      : in_(in), header_max_(header_max), decoder_(std::forward<DecoderArgs>(args)...), buffer_(buffer_size) {}

  size_t read(void* buffer, size_t size) override {
    if (size == 0) return 0;
    auto* dst = static_cast<uint8_t*>(buffer);
    for (;;) {
      if (!decoder_.in_frame()) {
        if (end_ - pos_ < header_max_) fill(header_max_);
        if (end_ == pos_) {
          if (!decoder_.saw_frame()) decoder_.fail("empty input holds no frame");
          return 0;  // clean end after a complete frame
        }
      } else if (end_ == pos_) {
        fill(1);
      }
      size_t n = end_ - pos_;
      size_t out = decoder_.decode(buffer_.data() + pos_, n, dst, decoder_.allowance(size));
      pos_ += n;
      if (out > 0) return out;
      if (n == 0) {
        // No progress: the frame needs bytes the input does not have.
        if (eof_) decoder_.fail("truncated input: it ends inside a frame");
        fill(end_ - pos_ + 1);
      }
    }
  }

 private:
  // Moves unread bytes to the front and reads until want bytes are buffered
  // or the input ends.
  void fill(size_t want) {
    if (pos_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    while (!eof_ && end_ < want && end_ < buffer_.size()) {
      size_t n = in_.read(buffer_.data() + end_, buffer_.size() - end_);
      if (n == 0) eof_ = true;
      end_ += n;
    }
  }

  ByteSource& in_;
  size_t header_max_;
  Decoder decoder_;
  std::vector<uint8_t> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace tessera::compressor_common
