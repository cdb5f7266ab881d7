// Buffered reading of a pickle stream that counts byte offsets for error
// messages. Long payloads are read in chunks, so a declared length costs
// memory only as its bytes actually arrive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/io.h"

namespace tessera::pickle_format {

class Input {
 public:
  explicit Input(ByteSource& in) : in_(in), buffer_(64 * 1024) {}

  // Bytes consumed so far.
  uint64_t offset() const { return consumed_; }
  // The next byte, or -1 at the end of the input.
  int get() {
    if (pos_ == end_ && !fill()) return -1;
    ++consumed_;
    return buffer_[pos_++];
  }
  // Reads n bytes into dst; false when the input ends first.
  bool read(void* dst, size_t n);
  // Replaces out with the next n bytes; false when the input ends first.
  bool read_string(std::string& out, uint64_t n);
  // Replaces out with the bytes up to the next '\n' (consumed, not stored);
  // false when the input ends first or the line exceeds max bytes.
  bool read_line(std::string& out, size_t max);
  // True when no byte is left.
  bool at_end() { return pos_ == end_ && !fill(); }

 private:
  bool fill();

  ByteSource& in_;
  std::vector<uint8_t> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t consumed_ = 0;
};

}  // namespace tessera::pickle_format
