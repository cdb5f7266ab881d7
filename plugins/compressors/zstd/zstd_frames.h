// zstd frame encoding and decoding for the zstd Compressor plugin.
//
// Every frame written records its content size when it is known (always for
// blocks, for streams when the caller declares it) and a content checksum,
// so that `zstdcat` and Python's zstandard read what the plugin writes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tessera/io.h"

namespace tessera::zstd_plugin {

// Compression levels accepted by the "level" option: zstd's own range
// (ZSTD_minCLevel() .. ZSTD_maxCLevel()); 0 means zstd's default.
int min_level();
int max_level();
inline constexpr int kDefaultLevel = 3;

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

}  // namespace tessera::zstd_plugin
