// Running a kept SPI plan that must be an index lookup.
#pragma once

#include "pg/postgres_headers.h"

extern "C" {
#include "executor/spi.h"
}

namespace auth::pg {

// Runs a kept plan (read-only, in the given snapshot) with enable_seqscan off and a
// generic plan: the plan cached for the backend's lifetime is then the index lookup,
// even when it was first made while the table was small or its statistics stale (a
// sequential scan chosen then would stay, and make a bulk import quadratic). Raises as
// SPI does; the settings are restored however it ends.
int execute_by_index(SPIPlanPtr plan, Datum* values, const char* nulls, Snapshot snapshot, long tcount);

}  // namespace auth::pg
