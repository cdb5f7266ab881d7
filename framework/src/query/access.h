// Access paths at run time: they read the table under its shared lock, one
// batch at a time, apply the plan's filter to the stored rows and copy out
// only the rows that match. The lock is never held between batches, so
// writers wait at most for one batch.
#pragma once

#include <memory>
#include <vector>

#include "plan.h"

namespace tessera::query_detail {

class AccessSource {
 public:
  virtual ~AccessSource() = default;
  // Copies up to max matching rows into out[0, n) (growing out when
  // needed; existing records are reused to spare allocations), or only
  // counts them when out is null. Returns n; done is set once the path is
  // exhausted. n may be 0 without done (a batch found nothing).
  virtual size_t fill(std::vector<Record>* out, size_t max, bool& done) = 0;
};

// The plan is shared with the source, which reads its keys, bounds and filter.
std::unique_ptr<AccessSource> open_access(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> table);

}  // namespace tessera::query_detail
