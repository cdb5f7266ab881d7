// The fault-injecting, power-loss-simulating FileSystem (model: fault_fs.h).
#include "fault_fs.h"

#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tessera/error.h"

namespace tessera::test {

namespace fs = std::filesystem;
using Op = FaultFs::Op;

namespace {

constexpr size_t kOps = 8;

// A file or folder. Files: data is the current content, synced what a power
// loss keeps. Folders: entries are current, durable what a power loss keeps.
struct Node {
  bool dir = false;
  std::string data, synced;
  std::map<std::string, size_t> entries, durable;
};

struct Fault {
  Op op;
  uint64_t at;  // fails when count(op) reaches this
  int err;
  bool persistent;
};

[[noreturn]] void refuse_crashed() {
  throw Error(ErrorCode::kIO, "fault fs: the disk lost power (crash()); call reset() first");
}

}  // namespace

struct FaultFs::Model {
  fs::path root;
  detail::FileSystem& base = detail::FileSystem::posix();
  std::mutex mu;
  std::vector<Node> nodes;  // nodes[0] is root; nodes are never freed
  uint64_t counts[kOps] = {};
  std::vector<Fault> faults;
  bool crashed = false;
  uint64_t generation = 0;  // bumped by reset(): older handles are refused
  std::function<void(const fs::path&)> sync_hook;

  // Counts an operation and throws if it is refused or chosen to fail.
  void charge(Op op, std::string_view what, const fs::path& path) {
    if (crashed) refuse_crashed();
    parts(path);  // refuses paths outside root before anything is done
    ++counts[static_cast<size_t>(op)];
    ++counts[static_cast<size_t>(Op::kAny)];
    for (size_t i = 0; i < faults.size(); ++i) {
      Fault f = faults[i];
      if (f.op != op && f.op != Op::kAny) continue;
      uint64_t n = counts[static_cast<size_t>(f.op)];
      if (n < f.at || (n > f.at && !f.persistent)) continue;
      if (!f.persistent) faults.erase(faults.begin() + static_cast<std::ptrdiff_t>(i));
      throw Error(ErrorCode::kIO, fmt::format("{} {}: {} (injected)", what, path.string(), std::strerror(f.err)));
    }
  }

  // The components of path below root; throws for paths outside it.
  std::vector<std::string> parts(const fs::path& path) const {
    fs::path rel = fs::absolute(path).lexically_normal().lexically_relative(root);
    std::vector<std::string> out;
    for (const auto& c : rel) {
      std::string s = c.string();
      if (s == "..") throw Error(ErrorCode::kInvalidArgument, "fault fs: " + path.string() + " is outside its root");
      if (!s.empty() && s != ".") out.push_back(s);
    }
    if (rel.empty()) throw Error(ErrorCode::kInvalidArgument, "fault fs: " + path.string() + " is outside its root");
    return out;
  }

  // The node at path (current entries), or npos.
  size_t find(const std::vector<std::string>& p) const {
    size_t id = 0;
    for (const auto& name : p) {
      const Node& n = nodes[id];
      auto it = n.entries.find(name);
      if (!n.dir || it == n.entries.end()) return std::string::npos;
      id = it->second;
    }
    return id;
  }
  size_t find(const fs::path& path) const { return find(parts(path)); }

  // The folder holding path and path's name in it (the real operation
  // succeeded, so the folder exists).
  std::pair<size_t, std::string> parent_of(const fs::path& path) const {
    auto p = parts(path);
    if (p.empty()) throw Error(ErrorCode::kInvalidArgument, "fault fs: cannot change the root folder itself");
    std::string name = p.back();
    p.pop_back();
    size_t id = find(p);
    if (id == std::string::npos || !nodes[id].dir)
      throw Error(ErrorCode::kIO, "fault fs: model lost track of the folder of " + path.string());
    return {id, name};
  }

  size_t add(bool dir) {
    nodes.emplace_back().dir = dir;
    return nodes.size() - 1;
  }

  // The file node at path, made (empty) if the real call created it.
  size_t file_at(const fs::path& path, bool truncate) {
    auto [parent, name] = parent_of(path);
    auto it = nodes[parent].entries.find(name);
    if (it != nodes[parent].entries.end()) {
      if (truncate) nodes[it->second].data.clear();
      return it->second;
    }
    size_t id = add(false);
    nodes[parent].entries[name] = id;
    return id;
  }

  // Takes the real folder as the durable baseline.
  void snapshot() {
    nodes.clear();
    add(true);
    load(0, root);
  }
  void load(size_t id, const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir)) {
      size_t child;
      if (e.is_directory()) {
        child = add(true);
        load(child, e.path());
      } else {
        child = add(false);
        nodes[child].data = nodes[child].synced = base.read_all(e.path());
      }
      std::string name = e.path().filename().string();
      nodes[id].entries[name] = nodes[id].durable[name] = child;
    }
  }

  // Writes what survives below folder id into the real folder dir. `path`
  // holds the folders being written, so a cycle left by renamed folders
  // stops instead of recursing forever.
  void materialize(size_t id, const fs::path& dir, std::set<size_t>& path) {
    path.insert(id);
    for (const auto& [name, child] : nodes[id].durable) {
      if (path.count(child)) continue;
      const Node& n = nodes[child];
      if (n.dir) {
        fs::create_directory(dir / name);
        materialize(child, dir / name, path);
      } else {
        auto f = base.create(dir / name);
        f->append(n.synced.data(), n.synced.size());
        f->close();
      }
    }
    path.erase(id);
  }
};

namespace {

using ModelPtr = std::shared_ptr<FaultFs::Model>;

class FaultFile final : public detail::WritableFile {
 public:
  FaultFile(ModelPtr m, size_t node, fs::path path, std::unique_ptr<detail::WritableFile> real)
      : m_(std::move(m)), node_(node), gen_(m_->generation), path_(std::move(path)), real_(std::move(real)) {}

  void append(const void* data, size_t size) override {
    std::lock_guard lk(m_->mu);
    check();
    m_->charge(Op::kWrite, "write", path_);
    real_->append(data, size);
    m_->nodes[node_].data.append(static_cast<const char*>(data), size);
  }
  void sync() override {
    std::function<void(const fs::path&)> hook;
    {
      std::lock_guard lk(m_->mu);
      check();
      hook = m_->sync_hook;
    }
    if (hook) hook(path_);
    std::lock_guard lk(m_->mu);
    check();
    m_->charge(Op::kSync, "fdatasync", path_);
    Node& n = m_->nodes[node_];
    n.synced = n.data;  // the real file need not reach the platter
  }
  void close() override {
    std::lock_guard lk(m_->mu);
    check();
    real_->close();
  }
  uint64_t size() const override {
    std::lock_guard lk(m_->mu);
    return m_->nodes[node_].data.size();
  }

 private:
  void check() const {
    if (m_->crashed || gen_ != m_->generation) refuse_crashed();
  }
  ModelPtr m_;
  size_t node_;
  uint64_t gen_;
  fs::path path_;
  std::unique_ptr<detail::WritableFile> real_;
};

class FaultReader final : public ByteSource {
 public:
  FaultReader(ModelPtr m, std::unique_ptr<ByteSource> real)
      : m_(std::move(m)), gen_(m_->generation), real_(std::move(real)) {}
  size_t read(void* buffer, size_t size) override {
    {
      std::lock_guard lk(m_->mu);
      if (m_->crashed || gen_ != m_->generation) refuse_crashed();
    }
    return real_->read(buffer, size);
  }

 private:
  ModelPtr m_;
  uint64_t gen_;
  std::unique_ptr<ByteSource> real_;
};

}  // namespace

FaultFs::FaultFs(fs::path root) : root_(fs::absolute(root).lexically_normal()), model_(std::make_shared<Model>()) {
  if (root_.filename().empty()) root_ = root_.parent_path();
  model_->root = root_;
  model_->snapshot();
}

FaultFs::~FaultFs() = default;

uint64_t FaultFs::count(Op op) const {
  std::lock_guard lk(model_->mu);
  return model_->counts[static_cast<size_t>(op)];
}

void FaultFs::fail_nth(Op op, uint64_t nth, int err, bool persistent) {
  std::lock_guard lk(model_->mu);
  model_->faults.push_back({op, model_->counts[static_cast<size_t>(op)] + std::max<uint64_t>(nth, 1), err, persistent});
}

void FaultFs::clear_faults() {
  std::lock_guard lk(model_->mu);
  model_->faults.clear();
}

void FaultFs::set_sync_hook(std::function<void(const fs::path&)> hook) {
  std::lock_guard lk(model_->mu);
  model_->sync_hook = std::move(hook);
}

void FaultFs::crash() {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  if (m.crashed) return;
  std::vector<fs::path> old;
  for (const auto& e : fs::directory_iterator(root_)) old.push_back(e.path());
  for (const auto& p : old) fs::remove_all(p);
  std::set<size_t> path;
  m.materialize(0, root_, path);
  m.crashed = true;
}

void FaultFs::reset() {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.snapshot();
  std::fill(std::begin(m.counts), std::end(m.counts), 0);
  m.faults.clear();
  m.sync_hook = nullptr;
  m.crashed = false;
  ++m.generation;
}

bool FaultFs::crashed() const {
  std::lock_guard lk(model_->mu);
  return model_->crashed;
}

std::unique_ptr<detail::WritableFile> FaultFs::create(const fs::path& path) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kCreate, "create", path);
  auto real = m.base.create(path);
  size_t node = m.file_at(path, true);
  return std::make_unique<FaultFile>(model_, node, path, std::move(real));
}

std::unique_ptr<detail::WritableFile> FaultFs::open_append(const fs::path& path) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kCreate, "open for append", path);
  auto real = m.base.open_append(path);
  size_t node = m.file_at(path, false);
  return std::make_unique<FaultFile>(model_, node, path, std::move(real));
}

std::unique_ptr<ByteSource> FaultFs::open_read(const fs::path& path) {
  std::lock_guard lk(model_->mu);
  if (model_->crashed) refuse_crashed();
  return std::make_unique<FaultReader>(model_, model_->base.open_read(path));
}

std::string FaultFs::read_all(const fs::path& path) {
  std::lock_guard lk(model_->mu);
  if (model_->crashed) refuse_crashed();
  return model_->base.read_all(path);
}

void FaultFs::rename(const fs::path& from, const fs::path& to) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.parts(to);
  m.charge(Op::kRename, "rename", from);
  m.base.rename(from, to);
  auto [src, src_name] = m.parent_of(from);
  auto [dst, dst_name] = m.parent_of(to);
  size_t node = m.nodes[src].entries.at(src_name);
  m.nodes[src].entries.erase(src_name);
  m.nodes[dst].entries[dst_name] = node;
}

void FaultFs::remove(const fs::path& path) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kRemove, "remove", path);
  m.base.remove(path);
  auto [parent, name] = m.parent_of(path);
  m.nodes[parent].entries.erase(name);
}

void FaultFs::remove_all(const fs::path& path) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kRemove, "remove", path);
  m.base.remove_all(path);
  auto p = m.parts(path);
  if (p.empty()) return;  // root: keeps existing, as a folder
  std::string name = p.back();
  p.pop_back();
  size_t parent = m.find(p);
  if (parent != std::string::npos) m.nodes[parent].entries.erase(name);
}

void FaultFs::create_directories(const fs::path& path) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kCreate, "create folder", path);
  m.base.create_directories(path);
  size_t id = 0;
  for (const auto& name : m.parts(path)) {
    auto it = m.nodes[id].entries.find(name);
    if (it != m.nodes[id].entries.end()) {
      id = it->second;
      continue;
    }
    size_t child = m.add(true);
    m.nodes[id].entries[name] = child;
    id = child;
  }
}

void FaultFs::sync_dir(const fs::path& dir) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kSyncDir, "fsync folder", dir);
  size_t id = m.find(dir);
  if (id == std::string::npos || !m.nodes[id].dir)
    throw Error(ErrorCode::kIO, fmt::format("open folder {}: {}", dir.string(), std::strerror(ENOENT)));
  m.nodes[id].durable = m.nodes[id].entries;
}

void FaultFs::truncate(const fs::path& path, uint64_t size) {
  Model& m = *model_;
  std::lock_guard lk(m.mu);
  m.charge(Op::kTruncate, "truncate", path);
  m.base.truncate(path, size);
  m.nodes[m.find(path)].data.resize(size, '\0');
}

bool FaultFs::exists(const fs::path& path) {
  std::lock_guard lk(model_->mu);
  if (model_->crashed) refuse_crashed();
  return model_->base.exists(path);
}

uint64_t FaultFs::file_size(const fs::path& path) {
  std::lock_guard lk(model_->mu);
  if (model_->crashed) refuse_crashed();
  return model_->base.file_size(path);
}

std::vector<std::string> FaultFs::list(const fs::path& dir) {
  std::lock_guard lk(model_->mu);
  if (model_->crashed) refuse_crashed();
  return model_->base.list(dir);
}

}  // namespace tessera::test
