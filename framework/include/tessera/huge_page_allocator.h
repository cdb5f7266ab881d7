// An allocator for large arrays that are read at random (a loaded table's
// row slots and key map, an index's hash slots) that asks the kernel for
// transparent huge pages. Part of the plugin SDK: header-only.
//
// Random lookups in a table of a million rows touch a new 4 KiB page almost
// every time, and the TLB miss costs as much as the cache miss. Backing
// the arrays with 2 MiB pages removes most of those misses. Arrays smaller
// than one huge page come from the ordinary heap. Where huge pages are
// disabled (transparent_hugepage=never) the madvise call is refused and the
// memory is used as ordinary pages.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <memory>
#include <new>

namespace tessera {

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr size_t kHugePage = size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>().allocate(n);
    // Huge pages need 2 MiB-aligned addresses: map one page more, trim.
    const size_t size = round_up(bytes);
    void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    char* base = static_cast<char*>(raw);
    char* start = reinterpret_cast<char*>(round_up(reinterpret_cast<size_t>(base)));
    if (start > base) ::munmap(base, static_cast<size_t>(start - base));
    if (char* tail = start + size; tail < base + size + kHugePage)
      ::munmap(tail, static_cast<size_t>(base + size + kHugePage - tail));
    ::madvise(start, size, MADV_HUGEPAGE);  // a hint: refused where unsupported
    return reinterpret_cast<T*>(start);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) std::allocator<T>().deallocate(p, n);
    else ::munmap(p, round_up(bytes));
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }

 private:
  static size_t round_up(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }
};

}  // namespace tessera
