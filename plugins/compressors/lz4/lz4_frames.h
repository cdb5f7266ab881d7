// LZ4 frame encoding and decoding for the lz4 Compressor plugin.
//
// Everything here writes and reads the LZ4 *frame* format (lz4frame.h), the
// format of the `lz4` command-line tool, so that `lz4cat` and Python's
// lz4.frame read what the plugin writes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tessera/io.h"

namespace tessera::lz4_plugin {

// Compression levels accepted by the "level" option: 0 is LZ4's fast mode,
// 1..12 select the high-compression coder (levels above 2 are HC).
inline constexpr int kMinLevel = 0;
inline constexpr int kMaxLevel = 12;
inline constexpr int kDefaultLevel = 0;

// One frame holding input, with its content size and a content checksum.
void compress_block(int level, std::span<const uint8_t> input, std::vector<uint8_t>& output);

// Decodes every frame of input into output. Empty, truncated or malformed
// input, and input that expands beyond max_output_bytes, throw
// Error(kCorruption) naming label.
void decompress_block(std::span<const uint8_t> input, std::vector<uint8_t>& output,
                      uint64_t max_output_bytes, std::string_view label);

std::unique_ptr<ByteSink> make_compressing_sink(int level, ByteSink& out,
                                                std::optional<uint64_t> content_size);
std::unique_ptr<ByteSource> make_decompressing_source(ByteSource& in, uint64_t max_output_bytes,
                                                      std::string_view label);

}  // namespace tessera::lz4_plugin
