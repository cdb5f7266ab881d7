// The cursor behind Query::run(), and Query::count().
#pragma once

#include <cstdint>
#include <memory>

#include "access.h"
#include "tessera/row.h"

namespace tessera::query_detail {

std::unique_ptr<CursorSource> make_result_cursor(std::shared_ptr<const Plan> plan, std::unique_ptr<AccessSource> src);
// Rows the plan yields, after offset and limit, counted without copying.
uint64_t count_rows(const Plan& plan, AccessSource& src);

}  // namespace tessera::query_detail
