// The Compressor plugin interface.
//
// A compressor turns bytes into self-describing frames that the stock tool
// for its algorithm reads (lz4 frames for `lz4cat`, zstd frames carrying
// their content size for `zstdcat`), and back.
//
// Contract:
//  - "Did not shrink" is not an error. compress() always produces a valid
//    frame, which may be larger than its input; callers that store blocks
//    compare sizes and keep the raw bytes when they prefer.
//  - Decompression is bounded: max_output_bytes caps what a frame may expand
//    to. A frame that claims or produces more is Error(kCorruption) naming
//    the label; nothing of the claimed size is allocated up front.
//  - Malformed or truncated input is Error(kCorruption), never a crash or a
//    short result.
//  - Truncation is seen only where there is a frame. In the lz4 and zstd
//    plugins "did not shrink" still means a whole frame: blocks that do not
//    compress are stored as they are (lz4 uncompressed blocks, zstd raw
//    blocks) inside a frame with its content checksum, so a cut inside it is
//    kCorruption. Bytes that pass through with no frame at all (a caller
//    keeping the raw bytes because they did not shrink, a table whose
//    compressor is "none") cannot reveal a cut by themselves, and neither can
//    input cut exactly between two whole frames (it reads as the frames
//    before the cut). For table data files it is the table's record of each
//    file's size and checksum (table.json) that catches those.
//  - A Compressor object is immutable and may be shared by threads; sinks
//    and sources are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/io.h"

namespace tessera {

class Compressor {
 public:
  virtual ~Compressor();

  // Component name ("lz4") and file extension without a dot ("lz4", "zst").
  virtual const char* name() const = 0;
  virtual std::string file_extension() const = 0;

  // One complete frame holding input; appended to output.
  virtual void compress(std::span<const uint8_t> input, std::vector<uint8_t>& output) const = 0;
  // Decodes every frame in input; appended to output.
  virtual void decompress(std::span<const uint8_t> input, std::vector<uint8_t>& output,
                          uint64_t max_output_bytes, std::string_view label) const = 0;

  // Streaming: a sink that compresses into out. content_size, when given,
  // is recorded in the frame header; writing a different amount is an error.
  virtual std::unique_ptr<ByteSink> new_compressing_sink(
      ByteSink& out, std::optional<uint64_t> content_size) const = 0;
  // Streaming: a source that decompresses in, in constant memory.
  virtual std::unique_ptr<ByteSource> new_decompressing_source(ByteSource& in,
                                                               uint64_t max_output_bytes,
                                                               std::string_view label) const = 0;
};

}  // namespace tessera
