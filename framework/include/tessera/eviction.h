// The EvictionPolicy plugin interface: which loaded table to unload when the
// database's memory budget is exceeded.
//
// The framework reports loads, accesses and unloads; when the loaded tables'
// total size exceeds the budget it asks the policy for victims. A table that
// is pinned (in use by a transaction or cursor, or with changes not yet
// checkpointed) is never unloaded: can_evict() says so.
//
// Thread safety: the framework serializes all calls on one policy object.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy();

  virtual const char* name() const = 0;

  virtual void on_load(std::string_view table, size_t bytes) = 0;
  virtual void on_access(std::string_view table) = 0;
  virtual void on_resize(std::string_view table, size_t bytes) = 0;
  virtual void on_unload(std::string_view table) = 0;

  // The next table to unload among those for which can_evict is true, or
  // nullopt when none may go.
  virtual std::optional<std::string> choose_victim(
      const std::function<bool(std::string_view)>& can_evict) = 0;
};

}  // namespace tessera
