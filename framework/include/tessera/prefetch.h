// Cache prefetch hints for the engine and for plugins (index structures
// reading entries at random). Part of the plugin SDK: header-only.
//
// Why a helper and not a bare __builtin_prefetch: GCC 12 at -O2 proves that a
// function whose only statements are prefetches changes no memory (its
// mod/ref analysis) and deletes every call to it that it has not inlined
// first, so the hint silently disappears from the binary. The empty volatile
// asm below counts as an effect, so calls survive wherever they are inlined
// or not. It emits no instruction.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera {

// Asks for every cache line of [p, p + bytes) at once, so that reading them
// afterwards waits for about one memory round trip, not one per line.
// A hint only: p need not be valid memory, nothing is read or faulted.
inline void prefetch_bytes(const void* p, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t end = begin + bytes;
  for (uintptr_t line = begin & ~uintptr_t{63}; line < end; line += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(line));
  asm volatile("" : : "r"(p));
}

// One cache line: the one holding p.
inline void prefetch_line(const void* p) {
  __builtin_prefetch(p);
  asm volatile("" : : "r"(p));
}

}  // namespace tessera
