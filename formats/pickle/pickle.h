// The pickle format's readers and writer (see docs/formats/pickle.md).
#pragma once

#include <memory>
#include <string_view>

#include "machine.h"
#include "tessera/format.h"

namespace tessera::pickle_format {

std::unique_ptr<RecordWriter> make_writer(const Schema& schema, ByteSink& out);
std::unique_ptr<RecordReader> make_reader(const Schema& schema, ByteSource& in, std::string_view label,
                                          const Limits& limits);
std::unique_ptr<DocumentReader> make_document_reader(ByteSource& in, std::string_view label,
                                                     const Limits& limits);

}  // namespace tessera::pickle_format
