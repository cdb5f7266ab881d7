// Rows returned by reads, and cursors that stream them.
#pragma once

#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

#include "tessera/schema.h"
#include "tessera/value.h"

namespace tessera {

// A record together with the schema that names its values.
class Row {
 public:
  Row() = default;
  Row(std::shared_ptr<const Schema> schema, Record values)
      : schema_(std::move(schema)), values_(std::move(values)) {}

  // Throws Error(kNotFound) naming the column.
  const Value& operator[](std::string_view column) const;
  const Value& operator[](size_t i) const { return values_[i]; }
  size_t size() const { return values_.size(); }

  const Record& values() const { return values_; }
  Record& values() { return values_; }
  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& schema_ptr() const { return schema_; }

 private:
  std::shared_ptr<const Schema> schema_;
  Record values_;
};

// A non-owning reference to a callable, for callbacks that are only called
// during the call they are passed to (it never outlives the callable).
template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& f)  // NOLINT: implicit, so a lambda can be passed directly
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return std::invoke(*static_cast<std::remove_reference_t<F>*>(object), std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

// Receives stored records without a copy (Table::read, Table::for_each,
// Query::for_each). The record is only valid during the call.
using RecordVisitor = FunctionRef<void(RecordView)>;

// Where a cursor's records come from; implemented by the framework.
class CursorSource {
 public:
  virtual ~CursorSource();
  virtual bool next(Record& out) = 0;
};

// Streams records one at a time, holding one record in memory. A cursor over
// a table sees each row committed before it was opened and not deleted
// before the cursor reached it; rows committed meanwhile may or may not be
// seen. Use from one thread at a time. Also usable in a range-for:
//   for (const Row& row : table.scan()) ...
class Cursor {
 public:
  Cursor(std::shared_ptr<const Schema> schema, std::unique_ptr<CursorSource> source);
  Cursor(Cursor&&) noexcept;
  Cursor& operator=(Cursor&&) noexcept;
  ~Cursor();

  // The schema of the records yielded (a projection's columns for queries).
  const Schema& schema() const { return *schema_; }

  bool next(Record& out) { return source_->next(out); }
  std::optional<Row> next();

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    using pointer = const Row*;
    using reference = const Row&;
    iterator() = default;
    explicit iterator(Cursor* c) : cursor_(c) { ++*this; }
    const Row& operator*() const { return row_; }
    const Row* operator->() const { return &row_; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.cursor_ == b.cursor_; }

   private:
    Cursor* cursor_ = nullptr;
    Row row_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  std::shared_ptr<const Schema> schema_;
  std::unique_ptr<CursorSource> source_;
};

}  // namespace tessera
