// Byte streams between the framework, formats and compressors.
//
// A Format writes records into a ByteSink and reads them from a ByteSource;
// the framework stacks a Compressor's sink or source between the format and
// the file, so a format never knows whether its bytes are compressed.
//
// Thread safety: a stream is used by one thread at a time.
// Errors: implementations throw tessera::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera {

class ByteSink {
 public:
  virtual ~ByteSink();
  virtual void write(const void* data, size_t size) = 0;
  void write(std::string_view s) { write(s.data(), s.size()); }
  // Writes out anything buffered and any trailer (a compressor's frame end).
  // No write() may follow. Called exactly once by the owner of the sink.
  virtual void close() {}
};

class ByteSource {
 public:
  virtual ~ByteSource();
  // Reads up to size bytes; returns 0 only at the end of the stream.
  virtual size_t read(void* buffer, size_t size) = 0;
};

// A ByteSource over bytes in memory (not owned).
class MemorySource final : public ByteSource {
 public:
  MemorySource(const void* data, size_t size)
      : p_(static_cast<const uint8_t*>(data)), end_(p_ + size) {}
  size_t read(void* buffer, size_t size) override;

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace tessera
