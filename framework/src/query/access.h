// Access paths at run time: they read the table under its shared lock, one
// batch at a time, apply the plan's filter to the stored rows and copy out
// only the rows that match. The lock is never held between batches, so
// writers wait at most for one batch.
#pragma once

#include <memory>
#include <vector>

#include "plan.h"

namespace tessera::query_detail {

// Where an access path puts the rows it finds: copies into a batch
// (existing records are reused to spare allocations), a visitor called
// under the table's lock, or nowhere (counting only).
class RowSink {
 public:
  RowSink() = default;  // counts only
  explicit RowSink(std::vector<Record>* batch) : batch_(batch) {}
  explicit RowSink(const RecordVisitor* visit) : visit_(visit) {}

  bool wants_rows() const { return batch_ || visit_; }
  // The n-th row of the current fill.
  void put(size_t n, RecordView r) const {
    if (visit_) {
      (*visit_)(r);
    } else if (batch_) {
      if (batch_->size() <= n) batch_->emplace_back(r.begin(), r.end());
      else (*batch_)[n].assign(r.begin(), r.end());  // reuses the record's storage
    }
  }

 private:
  std::vector<Record>* batch_ = nullptr;
  const RecordVisitor* visit_ = nullptr;
};

class AccessSource {
 public:
  virtual ~AccessSource() = default;
  // Puts up to max matching rows into out, as rows 0..n-1. Returns n; done
  // is set once the path is exhausted. n may be 0 without done (a batch
  // found nothing).
  virtual size_t fill(const RowSink& out, size_t max, bool& done) = 0;
};

// The plan is shared with the source, which reads its keys, bounds and filter.
std::unique_ptr<AccessSource> open_access(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> table);

}  // namespace tessera::query_detail
