// The cursor a query returns: pulls batches from the access path, sorts
// when the plan says so (all rows, or a bounded top-k heap under LIMIT),
// then applies offset, limit and projection.
#include <algorithm>
#include <limits>
#include <utility>

#include "access.h"
#include "result_cursor.h"

namespace tessera::query_detail {

namespace {

constexpr size_t kBatch = 256;
constexpr size_t kPoolBatchBytes = size_t{1} << 20;

// Batches are recycled between the queries a thread runs: their records
// keep their storage, so copying rows into them allocates nothing.
struct BatchPool {
  std::vector<std::vector<Record>> batches;
  ~BatchPool();
};
// Trivially destructible, so still readable by cursors destroyed after the
// pool during thread exit.
thread_local bool pool_gone = false;
BatchPool::~BatchPool() { pool_gone = true; }
thread_local BatchPool pool;

std::vector<Record> take_batch() {
  if (pool_gone || pool.batches.empty()) return {};
  std::vector<Record> b = std::move(pool.batches.back());
  pool.batches.pop_back();
  return b;
}

void give_batch(std::vector<Record>& b) {
  if (pool_gone || pool.batches.size() >= 4 || b.empty()) return;
  if (b.size() > kBatch) b.resize(kBatch);
  size_t bytes = 0;  // big values (blobs, long text) are not worth keeping
  for (const Record& r : b)
    for (const Value& v : r) bytes += v.memory_usage();
  if (bytes <= kPoolBatchBytes) pool.batches.push_back(std::move(b));
}

struct RowLess {
  const std::vector<SortKey>* keys;
  bool operator()(const Record& a, const Record& b) const {
    for (const auto& k : *keys) {
      auto c = compare(a[k.col], b[k.col]);  // NULL first ascending
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return false;
  }
};

class QueryCursor final : public CursorSource {
 public:
  QueryCursor(std::shared_ptr<const Plan> plan, std::unique_ptr<AccessSource> src)
      : plan_(std::move(plan)), src_(std::move(src)), buf_(take_batch()) {}
  ~QueryCursor() override { give_batch(buf_); }

  bool next(Record& out) override {
    if (!started_) start();
    if (remaining_ == 0) return false;
    if (pos_ == n_ && (sorted_ || !refill())) return false;
    Record& r = buf_[pos_++];
    const auto& proj = plan_->projection;
    if (proj.empty()) {
      out.swap(r);  // the batch slot keeps out's old storage for the next fill
    } else {
      out.resize(proj.size());
      for (size_t i = 0; i < proj.size(); ++i) std::swap(out[i], r[proj[i]]);
    }
    --remaining_;
    return true;
  }

 private:
  void start() {
    started_ = true;
    remaining_ = plan_->limit.value_or(std::numeric_limits<uint64_t>::max());
    if (remaining_ == 0) return;
    if (!plan_->sort.empty()) {
      if (auto k = plan_->top_k()) top_k(*k);
      else sort_all();
      sorted_ = true;
      n_ = buf_.size();
      pos_ = static_cast<size_t>(std::min<uint64_t>(plan_->offset, n_));
      return;
    }
    // Skipped rows are counted, not copied.
    uint64_t skip = plan_->offset;
    while (skip && !done_) skip -= src_->fill(RowSink(), static_cast<size_t>(std::min<uint64_t>(skip, 1 << 16)), done_);
  }

  bool refill() {
    while (!done_) {
      n_ = src_->fill(RowSink(&buf_), static_cast<size_t>(std::min<uint64_t>(kBatch, remaining_)), done_);
      pos_ = 0;
      if (n_) return true;
    }
    return false;
  }

  void sort_all() {
    std::vector<Record> batch = std::exchange(buf_, {});
    while (!done_) {
      size_t n = src_->fill(RowSink(&batch), kBatch, done_);
      for (size_t i = 0; i < n; ++i) buf_.push_back(std::move(batch[i]));
    }
    give_batch(batch);
    std::stable_sort(buf_.begin(), buf_.end(), RowLess{&plan_->sort});
  }

  // Keeps the k best rows in a max-heap; the arrival number breaks ties so
  // the result equals a stable sort's first k.
  void top_k(uint64_t k) {
    struct Entry {
      Record rec;
      uint64_t seq;
    };
    RowLess less{&plan_->sort};
    auto entry_less = [&](const Entry& a, const Entry& b) {
      if (less(a.rec, b.rec)) return true;
      if (less(b.rec, a.rec)) return false;
      return a.seq < b.seq;
    };
    std::vector<Entry> heap;
    std::vector<Record> batch = std::exchange(buf_, {});
    uint64_t seq = 0;
    while (!done_) {
      size_t n = src_->fill(RowSink(&batch), kBatch, done_);
      for (size_t i = 0; i < n; ++i, ++seq) {
        if (heap.size() < k) {
          heap.push_back({std::move(batch[i]), seq});
          std::push_heap(heap.begin(), heap.end(), entry_less);
        } else if (less(batch[i], heap.front().rec)) {
          std::pop_heap(heap.begin(), heap.end(), entry_less);
          heap.back().rec.swap(batch[i]);  // the evicted row's storage is reused
          heap.back().seq = seq;
          std::push_heap(heap.begin(), heap.end(), entry_less);
        }
      }
    }
    give_batch(batch);
    std::sort_heap(heap.begin(), heap.end(), entry_less);
    buf_.reserve(heap.size());
    for (auto& e : heap) buf_.push_back(std::move(e.rec));
  }

  std::shared_ptr<const Plan> plan_;
  std::unique_ptr<AccessSource> src_;
  std::vector<Record> buf_;
  size_t pos_ = 0, n_ = 0;
  bool started_ = false, sorted_ = false, done_ = false;
  uint64_t remaining_ = 0;  // rows still allowed by the limit
};

}  // namespace

std::unique_ptr<CursorSource> make_result_cursor(std::shared_ptr<const Plan> plan, std::unique_ptr<AccessSource> src) {
  return std::make_unique<QueryCursor>(std::move(plan), std::move(src));
}

uint64_t visit_rows(const Plan& plan, AccessSource& src, RecordVisitor visit) {
  bool done = false;
  uint64_t skip = plan.offset;
  while (skip && !done) skip -= src.fill(RowSink(), static_cast<size_t>(std::min<uint64_t>(skip, 1 << 16)), done);
  uint64_t remaining = plan.limit.value_or(std::numeric_limits<uint64_t>::max()), total = 0;
  const RowSink sink(&visit);
  while (remaining && !done) {
    const size_t n = src.fill(sink, static_cast<size_t>(std::min<uint64_t>(remaining, 1 << 16)), done);
    remaining -= n;
    total += n;
  }
  return total;
}

uint64_t count_rows(const Plan& plan, AccessSource& src) {
  uint64_t total = 0;
  bool done = false;
  while (!done) total += src.fill(RowSink(), size_t{1} << 20, done);
  total = total > plan.offset ? total - plan.offset : 0;
  return plan.limit ? std::min(total, *plan.limit) : total;
}

}  // namespace tessera::query_detail
