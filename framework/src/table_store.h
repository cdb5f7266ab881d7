// A table's data files: written by its Format (through its Compressor, if
// any) into data_<n>.<ext>[.<compressor ext>], split by the table's row and
// size limits, each checksummed; read back with every file's size, row
// count and checksum verified.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog.h"
#include "checksum.h"
#include "file_system.h"
#include "tessera/compressor.h"
#include "tessera/format.h"

namespace tessera::detail {

// The plugins that encode one table. compressor is null for "none".
struct TableCodec {
  const Format* format = nullptr;
  const Compressor* compressor = nullptr;
  uint64_t max_decompressed_bytes = 0;
};

// "data_<n>.<format ext>[.<compressor ext>]"
std::string data_file_name(const TableCodec& codec, uint64_t number);

// Yields the next record to write, or nullopt at the end.
using RecordFeed = std::function<std::optional<RecordView>()>;

// Writes every record from feed into new data files in dir, numbered from
// meta.next_file_number (advanced). Each file is synced; the folder is not.
// Always writes at least one file, so an empty table still has a header.
// When anything throws (a writer refusing a value, a failed write), the
// files this call created are removed before the error propagates.
std::vector<DataFile> write_data_files(FileSystem& fs, const std::filesystem::path& dir, TableMeta& meta,
                                       const TableCodec& codec, const RecordFeed& feed);

// Streams the records of every data file listed in meta, in order,
// verifying each file when its end is reached. A mismatch is
// Error(kCorruption) naming the table and the file.
class TableFileReader {
 public:
  TableFileReader(FileSystem& fs, std::filesystem::path dir, const TableMeta& meta, TableCodec codec);
  ~TableFileReader();
  bool next(Record& out);

 private:
  bool open_next_file();
  void finish_file();

  FileSystem& fs_;
  std::filesystem::path dir_;
  const TableMeta& meta_;
  TableCodec codec_;
  size_t file_index_ = 0;
  uint64_t rows_in_file_ = 0;
  struct Open;
  std::unique_ptr<Open> open_;
};

// Reads a whole data file and checks its size and checksum against meta;
// returns a problem description, or an empty string when the file is good.
std::string verify_data_file(FileSystem& fs, const std::filesystem::path& dir, const DataFile& file);

}  // namespace tessera::detail
