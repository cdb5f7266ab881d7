// File checksums: XXH3 64-bit, written as "xxh3:<16 hex digits>".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tessera::detail {

class Checksum {
 public:
  Checksum();
  ~Checksum();
  void update(const void* data, size_t size);
  uint64_t digest() const;
  std::string text() const { return format(digest()); }

  static std::string format(uint64_t digest);
  static uint64_t of(std::string_view bytes);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tessera::detail
