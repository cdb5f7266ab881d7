// The msgpack_lz4 format's on-disk layout and its readers and writers.
//
// A file is a 16-byte header followed by exactly one LZ4 frame whose content
// is a MessagePack stream of one map per record (docs/formats/msgpack_lz4.md
// describes every byte):
//
//   offset 0..7   magic 89 54 4D 50 4B 0D 0A 1A ("\x89TMPK\r\n\x1a")
//   offset 8      format version, 1
//   offset 9      flags, 0 (no flag is defined; readers refuse others)
//   offset 10..15 reserved, 0
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "tessera/format.h"

namespace tessera::msgpack_lz4 {

inline constexpr size_t kHeaderSize = 16;
inline constexpr uint8_t kMagic[8] = {0x89, 'T', 'M', 'P', 'K', '\r', '\n', 0x1a};
inline constexpr uint8_t kVersion = 1;
// The MessagePack timestamp extension type (the spec's "ext -1").
inline constexpr int8_t kTimestampExt = -1;

struct Options {
  int level = 0;  // LZ4 level: 0 fast, up to 12 (high compression)
  // A record that needs more decompressed bytes than this is refused, so a
  // damaged or hostile file cannot make the reader buffer without bound.
  uint64_t max_record_bytes = uint64_t{1} << 30;
};

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out, const Options& options);
std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label,
                                          const Options& options);
std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label,
                                                     const Options& options);

}  // namespace tessera::msgpack_lz4
