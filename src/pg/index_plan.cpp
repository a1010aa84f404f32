#include "pg/index_plan.h"

extern "C" {
#include "utils/guc.h"
}

namespace auth::pg {

int execute_by_index(SPIPlanPtr plan, Datum* values, const char* nulls, Snapshot snapshot, long tcount) {
    const int nest = NewGUCNestLevel();
    (void)set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    (void)set_config_option("plan_cache_mode", "force_generic_plan", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
    const int rc = SPI_execute_snapshot(plan, values, nulls, snapshot, InvalidSnapshot, true, false, tcount);
    AtEOXact_GUC(true, nest);
    return rc;
}

}  // namespace auth::pg
