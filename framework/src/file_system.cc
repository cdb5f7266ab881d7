#include "file_system.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::detail {

namespace {

[[noreturn]] void io_error(std::string_view op, const fs::path& path, int err) {
  throw Error(ErrorCode::kIO, fmt::format("{} {}: {}", op, path.string(), std::strerror(err)));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(fs::path path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  void append(const void* data, size_t size) override {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = ::write(fd_, p, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        io_error("write", path_, errno);
      }
      p += n;
      size -= static_cast<size_t>(n);
      size_ += static_cast<uint64_t>(n);
    }
  }
  void sync() override {
    if (::fdatasync(fd_) != 0) io_error("fdatasync", path_, errno);
  }
  void close() override {
    if (fd_ < 0) return;
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) io_error("close", path_, errno);
  }
  uint64_t size() const override { return size_; }

 private:
  fs::path path_;
  int fd_;
  uint64_t size_;
};

class PosixReadableFile final : public ByteSource {
 public:
  PosixReadableFile(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }
  size_t read(void* buffer, size_t size) override {
    for (;;) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) io_error("read", path_, errno);
    }
  }

 private:
  fs::path path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<WritableFile> create(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) io_error("create", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd, 0);
  }
  std::unique_ptr<WritableFile> open_append(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) io_error("open for append", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      io_error("stat", path, err);
    }
    return std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size));
  }
  std::unique_ptr<ByteSource> open_read(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_error("open", path, errno);
    return std::make_unique<PosixReadableFile>(path, fd);
  }
  std::string read_all(const fs::path& path) override {
    auto src = open_read(path);
    std::string out;
    char buf[65536];
    while (size_t n = src->read(buf, sizeof buf)) out.append(buf, n);
    return out;
  }
  void rename(const fs::path& from, const fs::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      throw Error(ErrorCode::kIO, fmt::format("rename {} to {}: {}", from.string(), to.string(),
                                              std::strerror(errno)));
  }
  void remove(const fs::path& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) io_error("remove", path, errno);
  }
  void remove_all(const fs::path& path) override {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) throw Error(ErrorCode::kIO, fmt::format("remove {}: {}", path.string(), ec.message()));
  }
  void create_directories(const fs::path& path) override {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) throw Error(ErrorCode::kIO, fmt::format("create folder {}: {}", path.string(), ec.message()));
  }
  void sync_dir(const fs::path& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) io_error("open folder", dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) io_error("fsync folder", dir, err);
  }
  void truncate(const fs::path& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) io_error("truncate", path, errno);
  }
  bool exists(const fs::path& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
  uint64_t file_size(const fs::path& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) io_error("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
  std::vector<std::string> list(const fs::path& dir) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
    if (ec) throw Error(ErrorCode::kIO, fmt::format("list {}: {}", dir.string(), ec.message()));
    std::sort(names.begin(), names.end());
    return names;
  }
};

}  // namespace

FileSystem& FileSystem::posix() {
  static PosixFileSystem fs;
  return fs;
}

void write_file_atomic(FileSystem& fs, const fs::path& path, std::string_view bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    auto f = fs.create(tmp);
    f->append(bytes.data(), bytes.size());
    f->sync();
    f->close();
  }
  fs.rename(tmp, path);
  fs.sync_dir(path.parent_path());
}

}  // namespace tessera::detail
