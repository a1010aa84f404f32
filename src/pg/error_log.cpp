// Keeping secrets out of the server log when a C function raises (see error_log.h).
#include "pg/postgres_headers.h"

#include "pg/error_log.h"

extern "C" {
#include "utils/guc.h"
}

namespace auth::pg {

void keep_statement_out_of_error_log() {
    // The calling statement's context (its bind parameters among it) goes too; whoever
    // catches the error restores the stack it saved.
    error_context_stack = nullptr;
    // PGC_SUSET: the extension sets a superuser's setting for its own error, whoever calls.
    (void)set_config_option("log_min_error_statement", "panic", PGC_SUSET, PGC_S_SESSION,
                            GUC_ACTION_LOCAL, true, 0, false);
    (void)set_config_option("log_parameter_max_length_on_error", "0", PGC_SUSET, PGC_S_SESSION,
                            GUC_ACTION_LOCAL, true, 0, false);
}

}  // namespace auth::pg
