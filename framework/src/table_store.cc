#include "table_store.h"

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

namespace {

// Passes bytes on to a file while hashing and counting them.
class ChecksumSink final : public ByteSink {
 public:
  explicit ChecksumSink(WritableFile& file) : file_(file) {}
  void write(const void* data, size_t size) override {
    file_.append(data, size);
    sum_.update(data, size);
    bytes_ += size;
  }
  uint64_t bytes() const { return bytes_; }
  std::string checksum() const { return sum_.text(); }

 private:
  WritableFile& file_;
  Checksum sum_;
  uint64_t bytes_ = 0;
};

class BufferSink final : public ByteSink {
 public:
  void write(const void* data, size_t size) override {
    auto p = static_cast<const uint8_t*>(data);
    buffer.insert(buffer.end(), p, p + size);
  }
  std::vector<uint8_t> buffer;
};

// Reads a file while hashing and counting what was read.
class ChecksumSource final : public ByteSource {
 public:
  explicit ChecksumSource(std::unique_ptr<ByteSource> in) : in_(std::move(in)) {}
  size_t read(void* buffer, size_t size) override {
    size_t n = in_->read(buffer, size);
    sum_.update(buffer, n);
    bytes_ += n;
    return n;
  }
  void drain() {
    char buf[65536];
    while (read(buf, sizeof buf) > 0) {
    }
  }
  uint64_t bytes() const { return bytes_; }
  std::string checksum() const { return sum_.text(); }

 private:
  std::unique_ptr<ByteSource> in_;
  Checksum sum_;
  uint64_t bytes_ = 0;
};

}  // namespace

std::string data_file_name(const TableCodec& codec, uint64_t number) {
  std::string name = fmt::format("data_{}.{}", number, codec.format->file_extension());
  if (codec.compressor) name += "." + codec.compressor->file_extension();
  return name;
}

std::vector<DataFile> write_data_files(FileSystem& fs, const std::filesystem::path& dir, TableMeta& meta,
                                       const TableCodec& codec, const RecordFeed& feed) {
  std::vector<DataFile> files;
  std::vector<std::string> created;  // removed again if anything below throws
  try {
    std::optional<RecordView> record = feed();
    do {
      DataFile df;
      df.name = data_file_name(codec, meta.next_file_number++);
      created.push_back(df.name);
      auto file = fs.create(dir / df.name);
      ChecksumSink out(*file);
      BufferSink buffer;  // whole-file buffer when compressing, so frames carry their content size
      ByteSink& target = codec.compressor ? static_cast<ByteSink&>(buffer) : out;
      auto writer = codec.format->new_writer(meta.schema, target);
      auto written = [&] { return codec.compressor ? buffer.buffer.size() : out.bytes(); };
      for (; record; record = feed()) {
        if ((meta.max_rows_per_file && df.rows >= meta.max_rows_per_file) ||
            (meta.max_file_size_bytes && df.rows > 0 && written() >= meta.max_file_size_bytes))
          break;
        writer->write(*record);
        ++df.rows;
      }
      writer->finish();
      if (codec.compressor) {
        std::vector<uint8_t> frame;
        codec.compressor->compress(buffer.buffer, frame);
        out.write(frame.data(), frame.size());
      }
      out.close();
      file->sync();
      file->close();
      df.bytes = out.bytes();
      df.checksum = out.checksum();
      files.push_back(std::move(df));
    } while (record);
  } catch (...) {
    // A refused value or a failed write: leave the folder as it was. A file
    // that cannot be removed is left for the next open to remove (it is not
    // listed in the catalog); the first error is the one reported.
    for (const std::string& name : created) {
      try {
        fs.remove(dir / name);
      } catch (const Error&) {
      }
    }
    throw;
  }
  return files;
}

struct TableFileReader::Open {
  std::unique_ptr<ChecksumSource> raw;
  std::unique_ptr<ByteSource> decompressed;
  std::unique_ptr<RecordReader> reader;
};

TableFileReader::TableFileReader(FileSystem& fs, std::filesystem::path dir, const TableMeta& meta,
                                 TableCodec codec)
    : fs_(fs), dir_(std::move(dir)), meta_(meta), codec_(codec) {}
TableFileReader::~TableFileReader() = default;

bool TableFileReader::open_next_file() {
  if (file_index_ >= meta_.files.size()) return false;
  const DataFile& df = meta_.files[file_index_];
  auto path = dir_ / df.name;
  if (!fs_.exists(path))
    throw Error(ErrorCode::kCorruption,
                fmt::format("table '{}': data file {} is missing", meta_.name, path.string()));
  open_ = std::make_unique<Open>();
  open_->raw = std::make_unique<ChecksumSource>(fs_.open_read(path));
  ByteSource* src = open_->raw.get();
  if (codec_.compressor) {
    open_->decompressed =
        codec_.compressor->new_decompressing_source(*src, codec_.max_decompressed_bytes, path.string());
    src = open_->decompressed.get();
  }
  open_->reader = codec_.format->new_reader(meta_.schema, *src, path.string());
  rows_in_file_ = 0;
  return true;
}

void TableFileReader::finish_file() {
  const DataFile& df = meta_.files[file_index_];
  auto path = (dir_ / df.name).string();
  open_->raw->drain();
  if (open_->raw->bytes() != df.bytes || open_->raw->checksum() != df.checksum)
    throw Error(ErrorCode::kCorruption,
                fmt::format("table '{}': data file {} fails its checksum (recorded {} bytes {}, found {} "
                            "bytes {})",
                            meta_.name, path, df.bytes, df.checksum, open_->raw->bytes(),
                            open_->raw->checksum()));
  if (rows_in_file_ != df.rows)
    throw Error(ErrorCode::kCorruption, fmt::format("table '{}': data file {} holds {} rows, {} recorded",
                                                    meta_.name, path, rows_in_file_, df.rows));
  open_.reset();
  ++file_index_;
}

bool TableFileReader::next(Record& out) {
  for (;;) {
    if (!open_ && !open_next_file()) return false;
    bool got;
    try {
      got = open_->reader->next(out);
    } catch (const Error&) {
      // A damaged file is reported as such rather than as whatever the
      // format made of the damage.
      open_->raw->drain();
      const DataFile& df = meta_.files[file_index_];
      if (open_->raw->bytes() != df.bytes || open_->raw->checksum() != df.checksum)
        throw Error(ErrorCode::kCorruption,
                    fmt::format("table '{}': data file {} fails its checksum (recorded {}, found {})",
                                meta_.name, (dir_ / df.name).string(), df.checksum, open_->raw->checksum()));
      throw;
    }
    if (got) {
      ++rows_in_file_;
      return true;
    }
    finish_file();
  }
}

std::string verify_data_file(FileSystem& fs, const std::filesystem::path& dir, const DataFile& file) {
  auto path = dir / file.name;
  if (!fs.exists(path)) return fmt::format("{}: missing", path.string());
  ChecksumSource src(fs.open_read(path));
  src.drain();
  if (src.bytes() != file.bytes)
    return fmt::format("{}: {} bytes, {} recorded", path.string(), src.bytes(), file.bytes);
  if (src.checksum() != file.checksum)
    return fmt::format("{}: checksum {} does not match the recorded {}", path.string(), src.checksum(),
                       file.checksum);
  return {};
}

}  // namespace tessera::detail
