#include "objects.h"

namespace tessera::pickle_format {

const char* kind_name(Obj::Kind kind) {
  switch (kind) {
    case Obj::Kind::kNone: return "None";
    case Obj::Kind::kBool: return "bool";
    case Obj::Kind::kInt: return "int";
    case Obj::Kind::kFloat: return "float";
    case Obj::Kind::kStr: return "str";
    case Obj::Kind::kBytes: return "bytes";
    case Obj::Kind::kDict: return "dict";
    case Obj::Kind::kTopList: return "list";
  }
  return "object";
}

uint64_t estimate_bytes(const Obj& o) {
  // Per value, roughly, on x86-64: the memo's hash and list nodes, the
  // object, a shared_ptr control block and a string header.
  constexpr uint64_t kOverhead = 160;
  uint64_t n = kOverhead;
  if (o.s) n += o.s->size();
  if (o.d) {
    for (const auto& [key, value] : o.d->items) n += kOverhead + key->size() + estimate_bytes(value);
  }
  return n;
}

}  // namespace tessera::pickle_format
