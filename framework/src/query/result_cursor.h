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
// Passes the rows after the plan's offset, up to its limit, to visit.
// REQUIRES: the plan has no sort and no projection.
uint64_t visit_rows(const Plan& plan, AccessSource& src, RecordVisitor visit);

}  // namespace tessera::query_detail
