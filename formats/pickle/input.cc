#include "input.h"

#include <algorithm>
#include <cstring>

namespace tessera::pickle_format {

bool Input::fill() {
  pos_ = 0;
  end_ = in_.read(buffer_.data(), buffer_.size());
  return end_ > 0;
}

bool Input::read(void* dst, size_t n) {
  auto* p = static_cast<uint8_t*>(dst);
  while (n > 0) {
    if (pos_ == end_ && !fill()) return false;
    size_t k = std::min(n, end_ - pos_);
    std::memcpy(p, buffer_.data() + pos_, k);
    pos_ += k, consumed_ += k, p += k, n -= k;
  }
  return true;
}

bool Input::read_string(std::string& out, uint64_t n) {
  out.clear();
  while (n > 0) {
    if (pos_ == end_ && !fill()) return false;
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
    out.append(reinterpret_cast<const char*>(buffer_.data() + pos_), k);
    pos_ += k, consumed_ += k, n -= k;
  }
  return true;
}

bool Input::read_line(std::string& out, size_t max) {
  out.clear();
  for (;;) {
    if (pos_ == end_ && !fill()) return false;
    const uint8_t* start = buffer_.data() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    size_t k = nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - start) : end_ - pos_;
    if (out.size() + k > max) return false;
    out.append(reinterpret_cast<const char*>(start), k);
    pos_ += k, consumed_ += k;
    if (nl) {
      ++pos_, ++consumed_;
      return true;
    }
  }
}

}  // namespace tessera::pickle_format
