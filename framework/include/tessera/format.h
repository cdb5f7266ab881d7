// The Format plugin interface: how a table's records become bytes in files.
//
// A Format encodes records of one schema into a byte stream and decodes them
// back. The framework owns the files: it names them (data_<n>.<extension>,
// plus the compressor's extension), splits a table across files, stacks a
// compressor, writes atomically and checksums. A Format only sees streams.
//
// Contract for every implementation:
//  - Round trip: reading what a writer wrote yields equal records, for every
//    type and edge value (empty strings, NULLs, int64 limits, NaN and
//    infinities, unicode, large blobs). A Format that cannot represent a value
//    throws Error(kUnsupported) from write() naming the column.
//  - Streaming: a reader holds O(one record) in memory, whatever the file size.
//  - No partial tables: a truncated or malformed stream makes next() throw
//    Error(kCorruption) naming the file label and, where the format has them,
//    the line and column. next() returns false only at a clean end.
//  - Objects are used by one thread at a time; a Format object itself is
//    immutable after construction and may be shared by threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tessera/io.h"
#include "tessera/schema.h"
#include "tessera/value.h"

namespace tessera {

class RecordWriter {
 public:
  virtual ~RecordWriter();
  // REQUIRES: record.size() == schema.size(), values already validated.
  virtual void write(RecordView record) = 0;
  // Writes any trailer. Does not close the sink.
  virtual void finish() = 0;
};

class RecordReader {
 public:
  virtual ~RecordReader();
  // Fills out with the next record (resized to the schema). Returns false at
  // a clean end of stream.
  virtual bool next(Record& out) = 0;
};

// Reads a file whose schema is not known yet (tessera import): each record as
// name/value pairs, in file order. CSV yields TEXT (or NULL) values.
class DocumentReader {
 public:
  virtual ~DocumentReader();
  virtual bool next(Fields& out) = 0;
};

class Format {
 public:
  virtual ~Format();

  // The component name, e.g. "csv".
  virtual const char* name() const = 0;
  // The data file extension without a dot, e.g. "csv".
  virtual std::string file_extension() const = 0;

  // label names the file in error messages (the framework passes the path).
  virtual std::unique_ptr<RecordWriter> new_writer(const Schema& schema, ByteSink& out) const = 0;
  virtual std::unique_ptr<RecordReader> new_reader(const Schema& schema, ByteSource& in,
                                                   std::string_view label) const = 0;

  // Formats whose files can grow by appending records (no header to rewrite,
  // no trailer) return true and implement new_append_writer, which writes
  // records with no header. Used for insert-only checkpoints.
  virtual bool can_append() const { return false; }
  virtual std::unique_ptr<RecordWriter> new_append_writer(const Schema& schema, ByteSink& out) const;

  // Default: throws Error(kUnsupported).
  virtual std::unique_ptr<DocumentReader> new_document_reader(ByteSource& in,
                                                              std::string_view label) const;
};

}  // namespace tessera
