// Out-of-line members of the SDK interfaces. Defining the destructors here
// emits each interface's type information once, in libtessera.so, so that
// hosts and plugins built with hidden visibility agree on the types.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "tessera/compressor.h"
#include "tessera/error.h"
#include "tessera/eviction.h"
#include "tessera/format.h"
#include "tessera/index.h"
#include "tessera/io.h"
#include "tessera/plugin.h"

namespace tessera {

ByteSink::~ByteSink() = default;
ByteSource::~ByteSource() = default;

size_t MemorySource::read(void* buffer, size_t size) {
  size_t n = std::min(size, static_cast<size_t>(end_ - p_));
  if (n) std::memcpy(buffer, p_, n);
  p_ += n;
  return n;
}

RecordWriter::~RecordWriter() = default;
RecordReader::~RecordReader() = default;
DocumentReader::~DocumentReader() = default;
Format::~Format() = default;

std::unique_ptr<RecordWriter> Format::new_append_writer(const Schema&, ByteSink&) const {
  throw Error(ErrorCode::kUnsupported, fmt::format("format '{}' cannot append to a file", name()));
}

std::unique_ptr<DocumentReader> Format::new_document_reader(ByteSource&, std::string_view label) const {
  throw Error(ErrorCode::kUnsupported,
              fmt::format("format '{}' cannot read {} without a schema", name(), label));
}

Compressor::~Compressor() = default;

IndexCursor::~IndexCursor() = default;
Index::~Index() = default;

std::unique_ptr<IndexCursor> Index::scan(const std::optional<KeyBound>&, const std::optional<KeyBound>&,
                                         bool) const {
  throw Error(ErrorCode::kUnsupported, fmt::format("index type '{}' is not ordered", name()));
}

EvictionPolicy::~EvictionPolicy() = default;

const char* to_string(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kFormat: return "format";
    case ComponentKind::kCompressor: return "compressor";
    case ComponentKind::kIndex: return "index";
    case ComponentKind::kEviction: return "eviction";
  }
  return "unknown";
}

}  // namespace tessera
