#include <fmt/format.h>

#include "database_impl.h"
#include "tessera/database.h"
#include "tessera/error.h"
#include "write_set.h"

namespace tessera {

struct Transaction::Impl {
  detail::DatabaseImpl* db;
  detail::WriterLock lock;
  detail::WriteSet writes;
  bool active = true;

  Impl(detail::DatabaseImpl* d, detail::WriterLock l) : db(d), lock(std::move(l)), writes(*d) {}
  ~Impl() { end(); }

  void end() {
    active = false;
    writes.clear();
    lock.release();
  }
  detail::WriteSet& use() {
    if (!active) throw Error(ErrorCode::kInvalidArgument, "the transaction has already ended");
    db->check_open();
    return writes;
  }
};

Transaction::Transaction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

Value Transaction::insert(std::string_view table, const Fields& fields) {
  return impl_->use().insert(table, fields);
}
Value Transaction::insert_record(std::string_view table, Record record) {
  return impl_->use().insert(table, std::move(record));
}
std::optional<Row> Transaction::get(std::string_view table, const Value& key) {
  Record r;
  auto& w = impl_->use();
  if (!w.get(table, key, r)) return std::nullopt;
  return Row(impl_->db->usable_table(table)->schema, std::move(r));
}
bool Transaction::update(std::string_view table, const Value& key, const Fields& changes) {
  return impl_->use().update(table, key, changes);
}
bool Transaction::erase(std::string_view table, const Value& key) { return impl_->use().erase(table, key); }

void Transaction::commit() {
  auto& w = impl_->use();
  detail::Lsn lsn;
  try {
    impl_->db->check_writable();
    lsn = w.commit();
  } catch (...) {
    impl_->end();
    throw;
  }
  impl_->end();  // releases the writer lock before waiting for the sync
  impl_->db->finish_commit(lsn);
}

void Transaction::rollback() {
  if (impl_) impl_->end();
}

bool Transaction::active() const { return impl_ && impl_->active; }

Transaction Database::begin() {
  impl_->check_open();
  return Transaction(std::make_unique<Transaction::Impl>(impl_.get(), detail::WriterLock(*impl_)));
}

}  // namespace tessera
