#include "checksum.h"

#include <xxhash.h>

#include <fmt/format.h>

namespace tessera::detail {

struct Checksum::State {
  XXH3_state_t* s = XXH3_createState();
  ~State() { XXH3_freeState(s); }
};

Checksum::Checksum() : state_(std::make_unique<State>()) { XXH3_64bits_reset(state_->s); }
Checksum::~Checksum() = default;
void Checksum::update(const void* data, size_t size) { XXH3_64bits_update(state_->s, data, size); }
uint64_t Checksum::digest() const { return XXH3_64bits_digest(state_->s); }
std::string Checksum::format(uint64_t digest) { return fmt::format("xxh3:{:016x}", digest); }
uint64_t Checksum::of(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

}  // namespace tessera::detail
