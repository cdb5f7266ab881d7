// One LZ4 frame written to a ByteSink or read from a ByteSource, for the
// msgpack_lz4 format (which compresses its own records and does not depend
// on the lz4 Compressor plugin).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <lz4frame.h>

#include "tessera/io.h"

namespace tessera::msgpack_lz4 {

// Writes one frame: 64 KiB linked blocks, block and content checksums, no
// content size (records are streamed).
class Lz4FrameWriter {
 public:
  Lz4FrameWriter(ByteSink& out, int level);
  ~Lz4FrameWriter();
  Lz4FrameWriter(const Lz4FrameWriter&) = delete;
  Lz4FrameWriter& operator=(const Lz4FrameWriter&) = delete;

  void write(const char* data, size_t size);
  // Writes the end mark and checksum. Does not close the sink.
  void finish();

 private:
  ByteSink& out_;
  LZ4F_preferences_t prefs_;
  LZ4F_cctx* cctx_ = nullptr;
  std::vector<char> buffer_;
};

// Reads exactly one frame. Errors are Error(kCorruption) naming label.
class Lz4FrameReader {
 public:
  Lz4FrameReader(ByteSource& in, std::string_view label);
  ~Lz4FrameReader();
  Lz4FrameReader(const Lz4FrameReader&) = delete;
  Lz4FrameReader& operator=(const Lz4FrameReader&) = delete;

  // Decompresses up to size bytes. Returns 0 only once the frame has ended,
  // its checksum matched and nothing follows it in the input.
  size_t read(char* dst, size_t size);

 private:
  void fill();
  void check_nothing_follows();
  [[noreturn]] void fail(const std::string& what) const;

  ByteSource& in_;
  std::string label_;
  LZ4F_dctx* dctx_ = nullptr;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace tessera::msgpack_lz4
