// Keeping secrets out of the server log when a C function raises.
//
// A statement that raises is written to the log with its text (log_min_error_statement,
// a superuser's setting, is `error` by default) and, when log_parameter_max_length_on_error
// is not 0 (which any role, and a database owner for a whole database, may set), with its
// bind parameters (saved when the statement was bound, and attached to every report as
// error context). A function that received a secret calls this just before it raises:
// both settings are set for the rest of the transaction (SET LOCAL), which the error
// then aborts, so they hold for the report of this error only. The SQL functions get the
// same from the SET clauses of their SECURITY DEFINER implementations, and from
// auth_call_with_caller (src/pg/caller.cpp), which calls them with no error context.
#pragma once

namespace auth::pg {

// Sets log_min_error_statement = panic and log_parameter_max_length_on_error = 0 for the
// current (sub)transaction, and empties the error context stack (the statement's bind
// parameters are attached to a report through it). For use right before ereport(ERROR).
// May raise only for lack of memory.
void keep_statement_out_of_error_log();

}  // namespace auth::pg
