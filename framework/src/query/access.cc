// Full scans, key lookups and index range scans, batch by batch.
#include "access.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "row_prefetch.h"
#include "tessera/error.h"

namespace tessera::query_detail {

namespace {

// Rows (or keys) examined per lock hold, so a selective filter does not
// keep writers waiting for a whole scan.
constexpr size_t kVisitBudget = 4096;
// Rows fetched together so that their cache misses overlap.
constexpr size_t kWindow = 128;

class EmptySource final : public AccessSource {
 public:
  size_t fill(const RowSink&, size_t, bool& done) override {
    done = true;
    return 0;
  }
};

class FullScan final : public AccessSource {
 public:
  FullScan(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t)
      : plan_(std::move(plan)), t_(std::move(t)) {}

  size_t fill(const RowSink& out, size_t max, bool& done) override {
    std::shared_lock lock(t_->mu);
    const auto& rows = t_->rows;
    const Filter& filter = plan_->filter;
    const size_t end = rows.slots();
    const bool copy_all = out.wants_rows() && filter.empty();
    size_t n = 0, budget = kVisitBudget;
    // Slots freed behind the scan and reused by inserts are not revisited;
    // rows never move between slots, so none is seen twice.
    while (n < max && budget-- && slot_ < end) {
      // Rows are contiguous (the hardware prefetcher follows them); long
      // text is not.
      if (copy_all && slot_ + 4 < end && rows.live(slot_ + 4)) prefetch_text(rows.row(slot_ + 4));
      const RowId id = slot_++;
      if (!rows.live(id)) continue;
      const RecordView r = rows.row(id);
      if (!filter.matches(r)) continue;
      out.put(n++, r);
    }
    done = slot_ >= end;
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

// Primary-key or index lookups of the plan's keys. The ids of several keys
// are gathered first so that their rows are fetched together.
class KeyLookup final : public AccessSource {
 public:
  KeyLookup(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t)
      : plan_(std::move(plan)), t_(std::move(t)) {}

  size_t fill(const RowSink& out, size_t max, bool& done) override {
    std::shared_lock lock(t_->mu);
    const Plan& p = *plan_;
    if (p.index) check_index(*t_, p);
    const auto& rows = t_->rows;
    // Ids left from an earlier lock hold: their rows may have been deleted
    // and the slots reused since, so each is checked against its key. (The
    // rows vector of a loaded table never shrinks, so the ids stay in range;
    // should it ever, the pending ids are dropped as if deleted.)
    size_t stale_end = ids_.size();
    if (std::any_of(ids_.begin() + pos_, ids_.end(), [&](RowId id) { return id >= rows.slots(); })) pos_ = ids_.size();
    size_t n = 0, budget = kVisitBudget;
    while (n < max && budget) {
      if (pos_ == ids_.size()) {
        if (key_ == p.keys.size()) break;
        ids_.clear();
        key_of_.clear();
        pos_ = stale_end = 0;
        while (key_ < p.keys.size() && ids_.size() < kWindow && budget) {
          --budget;
          const IndexKey& key = p.keys[key_];
          if (p.index) p.index->find(key, ids_);
          else if (RowId id = t_->pk.find(key[0]); id != detail::PkMap::kNone) ids_.push_back(id);
          key_of_.resize(ids_.size(), key_++);
        }
        continue;
      }
      const size_t k = std::min({ids_.size() - pos_, max - n, budget, kWindow});
      budget -= k;
      for_each_row(rows, ids_.data() + pos_, k, [&](size_t i, RecordView r) {
        const size_t at = pos_ + i;
        if ((at < stale_end && !has_key(r, p.keys[key_of_[at]])) || !p.filter.matches(r)) return;
        out.put(n++, r);
      });
      pos_ += k;
    }
    done = key_ == p.keys.size() && pos_ == ids_.size();
    return n;
  }

 private:
  bool has_key(RecordView r, const IndexKey& key) const {
    if (!plan_->index) return compare(r[plan_->schema->primary_key()], key[0]) == 0;
    for (size_t i = 0; i < key.size(); ++i)
      if (compare(r[plan_->index_cols[i]], key[i]) != 0) return false;
    return true;
  }

  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<detail::TableState> t_;
  size_t key_ = 0;              // next key to look up
  std::vector<RowId> ids_;      // found, not yet read
  std::vector<size_t> key_of_;  // the key each id was found under
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

  size_t fill(const RowSink& out, size_t max, bool& done) override {
    done = finished_;
    if (finished_) return 0;
    std::shared_lock lock(t_->mu);
    const Plan& p = *plan_;
    check_index(*t_, p);
    if (!cursor_) cursor_ = p.index->scan(p.lower, p.upper, p.reverse);
    const auto& rows = t_->rows;
    size_t n = 0, budget = kVisitBudget;
    RowId ids[kWindow];
    while (n < max && budget && !finished_) {
      // A window of entries first, then their rows, fetched together.
      const size_t want = std::min({kWindow, budget, max - n});
      size_t k = 0;
      for (RowId id; k < want; --budget) {
        if (!cursor_->next(nullptr, id)) {
          cursor_.reset();
          finished_ = done = true;
          break;
        }
        if (id < rows.slots()) ids[k++] = id;
      }
      if (!out.wants_rows() && p.filter.empty()) {
        n += k;  // every entry names a live row
        continue;
      }
      for_each_row(rows, ids, k, [&](size_t, RecordView r) {
        if (p.filter.matches(r)) out.put(n++, r);
      });
    }
    return n;
  }

 private:
  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<detail::TableState> t_;
  std::unique_ptr<IndexCursor> cursor_;
  bool finished_ = false;
};

// The branches of a top-level OR, one after the other (each branch's
// filter skips what an earlier one found).
class UnionSource final : public AccessSource {
 public:
  UnionSource(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t)
      : plan_(std::move(plan)), t_(std::move(t)) {}

  size_t fill(const RowSink& out, size_t max, bool& done) override {
    const auto& branches = plan_->branches;
    done = false;
    while (next_ < branches.size() || current_) {
      if (!current_) current_ = open_access(branches[next_++], t_);
      bool branch_done = false;
      const size_t n = current_->fill(out, max, branch_done);
      if (branch_done) current_.reset();
      if (n || !branch_done) {  // rows, or a batch's budget spent: let the caller come back
        done = !current_ && next_ == branches.size();
        return n;
      }
    }
    done = true;
    return 0;
  }

 private:
  std::shared_ptr<const Plan> plan_;
  std::shared_ptr<detail::TableState> t_;
  size_t next_ = 0;
  std::unique_ptr<AccessSource> current_;
};

}  // namespace

std::unique_ptr<AccessSource> open_access(std::shared_ptr<const Plan> plan, std::shared_ptr<detail::TableState> t) {
  switch (plan->access) {
    case Access::kEmpty: return std::make_unique<EmptySource>();
    case Access::kPrimaryKey:
    case Access::kIndexLookup: return std::make_unique<KeyLookup>(std::move(plan), std::move(t));
    case Access::kIndexRange:
    case Access::kIndexOrdered: return std::make_unique<IndexScan>(std::move(plan), std::move(t));
    case Access::kUnion: return std::make_unique<UnionSource>(std::move(plan), std::move(t));
    case Access::kFullScan: break;
  }
  return std::make_unique<FullScan>(std::move(plan), std::move(t));
}

}  // namespace tessera::query_detail
