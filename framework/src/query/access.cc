// Full scans, key lookups and index range scans, batch by batch.
#include "access.h"

#include <fmt/format.h>

#include <mutex>
#include <shared_mutex>

#include "tessera/error.h"

namespace tessera::query_detail {

namespace {

// Rows (or keys) examined per lock hold, so a selective filter does not
// keep writers waiting for a whole scan.
constexpr size_t kVisitBudget = 4096;

inline void put(std::vector<Record>* out, size_t n, const Record& r) {
  if (!out) return;
  if (out->size() <= n) out->push_back(r);
  else (*out)[n] = r;  // reuses the record's and its strings' storage
}

class EmptySource final : public AccessSource {
 public:
  size_t fill(std::vector<Record>*, size_t, bool& done) override {
    done = true;
    return 0;
  }
};

class FullScan final : public AccessSource {
 public:
  FullScan(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t)
      : plan_(std::move(plan)), t_(std::move(t)) {}

  size_t fill(std::vector<Record>* out, size_t max, bool& done) override {
    std::shared_lock lock(t_->mu);
    const auto& rows = t_->rows;
    const Filter& filter = plan_->filter;
    size_t n = 0, budget = kVisitBudget;
    // Slots freed behind the scan and reused by inserts are not revisited;
    // rows never move between slots, so none is seen twice.
    while (n < max && budget-- && slot_ < rows.size()) {
      const Record& r = rows[slot_++];
      if (r.empty() || !filter.matches(r)) continue;
      put(out, n++, r);
    }
    done = slot_ >= rows.size();
    return n;
  }

 private:
  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<detail::TableState> t_;
  size_t slot_ = 0;
};

// An index can be dropped while a cursor over it is open; its object is
// only touched after checking it is still the table's.
void check_index(const detail::TableState& t, const Plan& plan) {
  for (const auto& ix : t.indexes)
    if (ix.index.get() == plan.index) return;
  throw Error(ErrorCode::kUnavailable,
              fmt::format("table '{}': index '{}' was dropped while a query was reading it", t.name, plan.index_name));
}

// Primary-key or index lookups of the plan's keys.
class KeyLookup final : public AccessSource {
 public:
  KeyLookup(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t)
      : plan_(std::move(plan)), t_(std::move(t)) {}

  size_t fill(std::vector<Record>* out, size_t max, bool& done) override {
    std::shared_lock lock(t_->mu);
    const Plan& p = *plan_;
    if (p.index) check_index(*t_, p);
    const auto& rows = t_->rows;
    size_t n = 0, budget = kVisitBudget;
    bool fresh = false;  // ids_ were found under this lock hold
    for (;;) {
      while (n < max && pos_ < ids_.size() && budget) {
        --budget;
        const RowId id = ids_[pos_++];
        if (id >= rows.size()) continue;
        const Record& r = rows[id];
        // Between lock holds a row may have been deleted and its slot reused.
        if (r.empty() || (!fresh && !has_key(r, p.keys[key_ - 1])) || !p.filter.matches(r)) continue;
        put(out, n++, r);
      }
      if (n == max || !budget || pos_ < ids_.size()) break;
      if (key_ == p.keys.size()) break;
      const IndexKey& key = p.keys[key_++];
      ids_.clear();
      pos_ = 0;
      fresh = true;
      --budget;
      if (p.index) {
        p.index->find(key, ids_);
      } else if (auto it = t_->pk.find(key[0]); it != t_->pk.end()) {
        ids_.push_back(it->second);
      }
    }
    done = key_ == p.keys.size() && pos_ == ids_.size();
    return n;
  }

 private:
  bool has_key(const Record& r, const IndexKey& key) const {
    if (!plan_->index) return compare(r[plan_->schema->primary_key()], key[0]) == 0;
    for (size_t i = 0; i < key.size(); ++i)
      if (compare(r[plan_->index_cols[i]], key[i]) != 0) return false;
    return true;
  }

  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<detail::TableState> t_;
  size_t key_ = 0;  // next key to look up
  std::vector<RowId> ids_;
  size_t pos_ = 0;
};

// An ordered index between the plan's bounds. The index cursor stays valid
// while the index changes (see tessera/index.h); rows are read under the
// same lock hold as the entries that name them.
class IndexScan final : public AccessSource {
 public:
  IndexScan(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t)
      : plan_(std::move(plan)), t_(std::move(t)) {}
  ~IndexScan() override {
    if (!cursor_) return;
    std::shared_lock lock(t_->mu);
    cursor_.reset();
  }

  size_t fill(std::vector<Record>* out, size_t max, bool& done) override {
    done = finished_;
    if (finished_) return 0;
    std::shared_lock lock(t_->mu);
    const Plan& p = *plan_;
    check_index(*t_, p);
    if (!cursor_) cursor_ = p.index->scan(p.lower, p.upper, p.reverse);
    const auto& rows = t_->rows;
    size_t n = 0, budget = kVisitBudget;
    RowId id;
    while (n < max && budget--) {
      if (!cursor_->next(nullptr, id)) {
        cursor_.reset();
        finished_ = done = true;
        break;
      }
      if (id >= rows.size()) continue;
      const Record& r = rows[id];
      if (r.empty() || !p.filter.matches(r)) continue;
      put(out, n++, r);
    }
    return n;
  }

 private:
  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<detail::TableState> t_;
  std::unique_ptr<IndexCursor> cursor_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<AccessSource> open_access(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t) {
  switch (plan->access) {
    case Access::kEmpty: return std::make_unique<EmptySource>();
    case Access::kPrimaryKey:
    case Access::kIndexLookup: return std::make_unique<KeyLookup>(std::move(plan), std::move(t));
    case Access::kIndexRange:
    case Access::kIndexOrdered: return std::make_unique<IndexScan>(std::move(plan), std::move(t));
    case Access::kFullScan: break;
  }
  return std::make_unique<FullScan>(std::move(plan), std::move(t));
}

}  // namespace tessera::query_detail
